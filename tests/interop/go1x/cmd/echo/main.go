// echo is a real aws-lambda-go function that answers its event's bytes unchanged: the go1.x
// control for the byte-fidelity and volume tests (the Go twin of examples/echo). It implements
// lambda.Handler, so the payload bypasses JSON decoding and encoding.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type echo struct{}

func (echo) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	return payload, nil
}

func main() {
	lambda.StartHandler(echo{})
}
