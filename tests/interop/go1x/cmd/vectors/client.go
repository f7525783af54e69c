// The host side of the recording: the calls of each vector section, made with Go's net/rpc
// client and aws-lambda-go's message types, each answer checked. The inputs are the ones the
// recorded file carries (decoded from its host->fn value lines).
package main

import (
	"errors"
	"fmt"
	"net/rpc"
	"reflect"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

var mainTitles = []string{
	"Ping seq0",
	"Invoke seq1 ok",
	"Invoke seq2 handler-error",
	"Invoke seq3 panic-shape",
	"Invoke seq4 method-returns-error",
	"unknown method seq5",
	"Ping seq6 again",
}

const (
	rustTitle           = "rust-aws-lambdadecoder.rs test stream (host->fn, byte-identical to Go gob output)"
	rustRenumberedTitle = "rust-aws-lambdadecoder.rs test stream's calls, with this file's type ids (host->fn)"
)

// recordedDeadline is the Deadline of the file's invokes: 2018-05-27T10:10:33.032849522Z.
var recordedDeadline = messages.InvokeRequest_Timestamp{Seconds: 1527415833, Nanos: 32849522}

func runScript(addr, script string) error {
	client, err := rpc.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer client.Close()
	switch script {
	case "main":
		return mainScript(client)
	case "rust":
		return rustScript(client)
	}
	return fmt.Errorf("unknown -script %q", script)
}

func mainScript(c *rpc.Client) error {
	steps := []func(*rpc.Client) error{
		pingStep,
		invokeStep(&messages.InvokeRequest{
			Payload: []byte(`{"a":1}`), RequestId: "req-1", XAmznTraceId: "Root=1-2-3",
			Deadline: recordedDeadline, InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
		}, &messages.InvokeResponse{Payload: []byte(`{"ok":true}`)}),
		invokeStep(&messages.InvokeRequest{
			Payload: []byte(`"error"`), RequestId: "r2", Deadline: messages.InvokeRequest_Timestamp{Seconds: 1},
			CognitoIdentityId: "cid", CognitoIdentityPoolId: "pid", ClientContext: []byte(`{}`),
		}, &messages.InvokeResponse{Error: &messages.InvokeResponse_Error{Message: "boom", Type: "errorString"}}),
		invokeStep(&messages.InvokeRequest{Payload: []byte(`"panic"`)},
			&messages.InvokeResponse{Error: &messages.InvokeResponse_Error{
				Message: "oops", Type: "string", ShouldExit: true,
				StackTrace: []*messages.InvokeResponse_Error_StackFrame{{Path: "main.go", Line: 12, Label: "handler"}},
			}}),
		callFailsStep("Function.Invoke", &messages.InvokeRequest{Payload: []byte(`"rpcerr"`)}, "method failed"),
		callFailsStep("Function.Nope", &messages.PingRequest{}, "rpc: can't find method Function.Nope"),
		pingStep,
	}
	for i, step := range steps {
		if err := step(c); err != nil {
			return fmt.Errorf("section %d (%s): %w", i+1, mainTitles[i], err)
		}
	}
	return nil
}

func rustScript(c *rpc.Client) error {
	if err := pingStep(c); err != nil {
		return err
	}
	return invokeStep(&messages.InvokeRequest{
		Payload:            []byte(`{"key3":"value3","key2":"value2","key1":"value1"}`),
		RequestId:          "2ed80e4e-6196-11e8-876a-4f41bd893c42",
		XAmznTraceId:       "Root=1-5b0a8415-1fbc1427bb8682516302a55e;Parent=10eac6ec42206c50;Sampled=0",
		Deadline:           recordedDeadline,
		InvokedFunctionArn: "arn:aws:lambda:ap-southeast-2:771316043039:function:testFnGo",
	}, &messages.InvokeResponse{Payload: []byte(`{"ok":true}`)})(c)
}

func pingStep(c *rpc.Client) error {
	return c.Call("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{})
}

func invokeStep(req *messages.InvokeRequest, want *messages.InvokeResponse) func(*rpc.Client) error {
	return func(c *rpc.Client) error {
		got := &messages.InvokeResponse{}
		if err := c.Call("Function.Invoke", req, got); err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("answer %+v (error %+v), want %+v (error %+v)", got, got.Error, want, want.Error)
		}
		return nil
	}
}

func callFailsStep(method string, args any, want string) func(*rpc.Client) error {
	return func(c *rpc.Client) error {
		err := c.Call(method, args, &messages.InvokeResponse{})
		var serverErr rpc.ServerError
		if !errors.As(err, &serverErr) || string(serverErr) != want {
			return fmt.Errorf("%s: got error %v, want the server error %q", method, err, want)
		}
		return nil
	}
}
