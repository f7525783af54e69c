// Connecting as the go1.x host does: retry rpc.Dial every few milliseconds until the function's
// listener is up (bounded by -wait), then Function.Ping until it answers.
package main

import (
	"fmt"
	"net/rpc"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

const dialRetry = 5 * time.Millisecond

// dial returns a net/rpc client (gob codec) on a fresh TCP connection to cfg.addr.
func dial(cfg *config) (*rpc.Client, error) {
	deadline := time.Now().Add(cfg.wait)
	for {
		client, err := rpc.Dial("tcp", cfg.addr)
		if err == nil {
			return client, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no listener at %s within -wait %v: %w", cfg.addr, cfg.wait, err)
		}
		time.Sleep(dialRetry)
	}
}

// ping makes one Function.Ping call.
func ping(client *rpc.Client) error {
	if err := client.Call("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}); err != nil {
		return fmt.Errorf("Function.Ping: %w", err)
	}
	return nil
}

// dialAndPing is how every invoking scenario starts: connect, then one Ping.
func dialAndPing(cfg *config) (*rpc.Client, error) {
	client, err := dial(cfg)
	if err != nil {
		return nil, err
	}
	if err := ping(client); err != nil {
		client.Close()
		return nil, err
	}
	return client, nil
}
