// The function side of the recording: a net/rpc server whose Function answers as aws-lambda-go's.
// Ping and the ordinary invokes go to aws-lambda-go's own lambda.Function; the two answers it
// cannot give reproducibly are shaped here: a panic (its real stack trace depends on the build,
// so one fixed frame stands in) and a method that returns an error (aws-lambda-go never does,
// but a host must handle Response.Error).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"reflect"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Function is registered under its type name, "Function", as aws-lambda-go's is.
type Function struct {
	real *lambda.Function
}

func (f *Function) Ping(req *messages.PingRequest, resp *messages.PingResponse) error {
	return f.real.Ping(req, resp)
}

func (f *Function) Invoke(req *messages.InvokeRequest, resp *messages.InvokeResponse) error {
	switch string(req.Payload) {
	case `"panic"`:
		panicShaped(resp)
		return nil
	case `"rpcerr"`:
		return errors.New("method failed")
	}
	return f.real.Invoke(req, resp)
}

// handler is the user function behind the real lambda.Function: "error" fails, the rest succeed.
func handler(_ context.Context, event json.RawMessage) (map[string]bool, error) {
	if string(event) == `"error"` {
		return nil, errors.New("boom")
	}
	return map[string]bool{"ok": true}, nil
}

// panicShaped panics and recovers as aws-lambda-go's Invoke does (message %v, type name of the
// value, ShouldExit), with one fixed stack frame.
func panicShaped(resp *messages.InvokeResponse) {
	defer func() {
		v := recover()
		resp.Error = &messages.InvokeResponse_Error{
			Message: fmt.Sprintf("%v", v),
			Type:    reflect.TypeOf(v).Name(),
			StackTrace: []*messages.InvokeResponse_Error_StackFrame{
				{Path: "main.go", Line: 12, Label: "handler"},
			},
			ShouldExit: true,
		}
	}()
	panic("oops")
}

// serve listens on a free loopback port, prints the address on stdout and serves forever.
func serve() error {
	server := rpc.NewServer()
	if err := server.Register(&Function{real: lambda.NewFunction(lambda.NewHandler(handler))}); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(lis.Addr().String())
	server.Accept(lis)
	return errors.New("accept returned")
}
