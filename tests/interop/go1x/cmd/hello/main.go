// hello is a real aws-lambda-go function (lambda.Start): the go1.x control for the interop tests.
// Started with _LAMBDA_SERVER_PORT it serves net/rpc exactly as a deployed go1.x function did.
//
// It answers {"message":"Hello World"}, except that the event's keys, if present, act in this
// order: "sleep_ms": N sleeps N ms first; "exit": N calls os.Exit(N); "panic": "text" panics with
// text; "fail": "text" returns errors.New(text). An event that is not a JSON object is just an
// event.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	SleepMs *int    `json:"sleep_ms"`
	Exit    *int    `json:"exit"`
	Panic   *string `json:"panic"`
	Fail    *string `json:"fail"`
}

type answer struct {
	Message string `json:"message"`
}

func handle(_ context.Context, raw json.RawMessage) (answer, error) {
	var ev event
	_ = json.Unmarshal(raw, &ev) // not an object: no instructions
	if ev.SleepMs != nil {
		time.Sleep(time.Duration(*ev.SleepMs) * time.Millisecond)
	}
	if ev.Exit != nil {
		os.Exit(*ev.Exit)
	}
	if ev.Panic != nil {
		panic(*ev.Panic)
	}
	if ev.Fail != nil {
		return answer{}, errors.New(*ev.Fail)
	}
	return answer{Message: "Hello World"}, nil
}

func main() {
	lambda.Start(handle)
}
