// The command line of rpcdrive: where to connect, which scenario, and the InvokeRequest fields
// and sizes the scenarios use.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

type config struct {
	addr     string
	scenario string
	wait     time.Duration // how long to keep retrying the dial
	timeout  time.Duration // bound on the whole scenario

	payload       []byte // invoke: the event (-payload or -payload-file)
	expectPayload string // sequential/concurrent/big: every answer must be this; "" = an echo
	n             int    // invokes (per connection for concurrent), or pings
	conns         int    // concurrent: connections
	inflight      int    // concurrent: outstanding calls per connection
	size          int    // big: payload bytes

	requestID     string
	traceID       string
	deadline      time.Duration // Deadline = now + this
	arn           string
	cognitoID     string
	cognitoPool   string
	clientContext string
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("rpcdrive", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", "", "host:port of the function's net/rpc listener (required)")
	fs.StringVar(&cfg.scenario, "scenario", "", "scenario to run (required)")
	fs.DurationVar(&cfg.wait, "wait", 5*time.Second, "keep retrying the dial this long")
	fs.DurationVar(&cfg.timeout, "timeout", 120*time.Second, "fail if the scenario takes longer")
	payload := fs.String("payload", "{}", "invoke: the event payload")
	payloadFile := fs.String("payload-file", "", "invoke: read the event payload from this file")
	fs.StringVar(&cfg.expectPayload, "expect-payload", "",
		"sequential/concurrent/big: every response payload must equal this (default: an echo of the request)")
	fs.IntVar(&cfg.n, "n", 1, "ping: pings; sequential: invokes; concurrent: invokes per connection")
	fs.IntVar(&cfg.conns, "conns", 8, "concurrent: connections used in parallel")
	fs.IntVar(&cfg.inflight, "inflight", 1, "concurrent: calls outstanding at once on each connection")
	fs.IntVar(&cfg.size, "size", 5_000_000, "big: payload size in bytes")
	fs.StringVar(&cfg.requestID, "request-id", "8f507cfc-example-4697-b07a-ac58fc914c95", "invoke: RequestId")
	fs.StringVar(&cfg.traceID, "trace-id",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "XAmznTraceId")
	fs.DurationVar(&cfg.deadline, "deadline", 30*time.Second, "Deadline = now + this")
	fs.StringVar(&cfg.arn, "arn", "arn:aws:lambda:us-east-1:123456789012:function:rpcdrive", "InvokedFunctionArn")
	fs.StringVar(&cfg.cognitoID, "cognito-id", "us-east-1:11111111-2222-3333-4444-555555555555", "CognitoIdentityId")
	fs.StringVar(&cfg.cognitoPool, "cognito-pool", "us-east-1:66666666-7777-8888-9999-000000000000",
		"CognitoIdentityPoolId")
	fs.StringVar(&cfg.clientContext, "client-context",
		`{"client":{"installation_id":"i-1","app_title":"rpcdrive"},"env":{"locale":"en"}}`,
		"ClientContext (JSON; aws-lambda-go rejects anything else)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if cfg.addr == "" || cfg.scenario == "" {
		return nil, errors.New("-addr and -scenario are required")
	}
	if cfg.n < 1 || cfg.conns < 1 || cfg.inflight < 1 || cfg.size < 2 {
		return nil, errors.New("-n, -conns and -inflight must be >= 1, -size >= 2")
	}
	cfg.payload = []byte(*payload)
	if *payloadFile != "" {
		data, err := os.ReadFile(*payloadFile)
		if err != nil {
			return nil, err
		}
		cfg.payload = data
	}
	return cfg, nil
}
