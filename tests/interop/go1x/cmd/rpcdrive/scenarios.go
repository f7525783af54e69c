// The single-connection scenarios: ping, invoke, and the RPC-level errors a net/rpc server answers
// for a call it cannot route (unknown method, unknown service, ill-formed name).
package main

import (
	"errors"
	"fmt"
	"net/rpc"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// runPing: -n Function.Ping calls on one connection.
func runPing(cfg *config, res result) error {
	client, err := dial(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	for i := 0; i < cfg.n; i++ {
		if err := ping(client); err != nil {
			return fmt.Errorf("ping %d of %d: %w", i+1, cfg.n, err)
		}
		res["pings"] = i + 1
	}
	return nil
}

// runInvoke: Ping, then one Invoke of -payload with every request field set; the response is
// reported, not judged (the pytest does that). An RPC-level failure is "rpc_error" (and not ok).
func runInvoke(cfg *config, res result) error {
	client, err := dialAndPing(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	res["request_len"] = len(cfg.payload)
	resp, err := invoke(client, newRequest(cfg, cfg.payload, cfg.requestID))
	if err != nil {
		res["rpc_error"] = err.Error()
		_, res["rpc_error_from_server"] = err.(rpc.ServerError)
		return fmt.Errorf("Function.Invoke: %w", err)
	}
	res["rpc_error"] = nil
	describeResponse(res, resp)
	return nil
}

func runUnknownMethod(cfg *config, res result) error {
	return expectServerError(cfg, res, "Function.Nope", "rpc: can't find method Function.Nope")
}

func runUnknownService(cfg *config, res result) error {
	return expectServerError(cfg, res, "Nope.Ping", "rpc: can't find service Nope.Ping")
}

func runIllFormed(cfg *config, res result) error {
	return expectServerError(cfg, res, "FunctionPing", "rpc: service/method request ill-formed: FunctionPing")
}

// expectServerError calls `method` twice on a fresh connection (first as the connection's first
// call, so its body carries the stream's first type definitions, then again without them), each
// time expecting exactly `want` in Response.Error, and proves after each that the connection
// still works with a Ping.
func expectServerError(cfg *config, res result, method, want string) error {
	client, err := dial(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	for round := 1; round <= 2; round++ {
		err := client.Call(method, &messages.PingRequest{}, &messages.PingResponse{})
		if err == nil {
			return fmt.Errorf("call %d of %s succeeded; want the error %q", round, method, want)
		}
		res["rpc_error"] = err.Error()
		var serverErr rpc.ServerError
		if !errors.As(err, &serverErr) {
			return fmt.Errorf("call %d of %s: want the server error %q, got a client-side error: %v",
				round, method, want, err)
		}
		if string(serverErr) != want {
			return fmt.Errorf("call %d of %s: server error %q, want %q", round, method, serverErr, want)
		}
		if err := ping(client); err != nil {
			return fmt.Errorf("after call %d of %s the connection no longer works: %w", round, method, err)
		}
		res["ping_after"] = round
	}
	return nil
}
