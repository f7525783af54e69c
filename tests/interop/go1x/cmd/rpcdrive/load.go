// The volume scenarios: many invokes on one connection (sequential), several connections at
// once with optionally pipelined calls (concurrent), and one very large payload (big).
package main

import (
	"fmt"
	"net/rpc"
	"sync"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// checkResponse: the call succeeded at the RPC level, carries no function error and the
// expected payload.
func checkResponse(cfg *config, what string, sent []byte, resp *messages.InvokeResponse, err error) error {
	if err != nil {
		return fmt.Errorf("%s: Function.Invoke: %w", what, err)
	}
	if e := resp.Error; e != nil {
		return fmt.Errorf("%s: function error %q (type %q)", what, e.Message, e.Type)
	}
	if err := checkPayload(cfg, sent, resp.Payload); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// runSequential: -n invokes on one connection, each with a distinct event.
func runSequential(cfg *config, res result) error {
	client, err := dialAndPing(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	for i := 0; i < cfg.n; i++ {
		payload := event(0, i)
		resp, err := invoke(client, newRequest(cfg, payload, fmt.Sprintf("seq-%d", i)))
		if err := checkResponse(cfg, fmt.Sprintf("invoke %d of %d", i+1, cfg.n), payload, resp, err); err != nil {
			return err
		}
		res["invokes"] = i + 1
	}
	return nil
}

// runConcurrent: -conns connections in parallel goroutines, -n invokes on each, with up to
// -inflight calls outstanding per connection (replies are matched by Seq).
func runConcurrent(cfg *config, res result) error {
	errs := make(chan error, cfg.conns)
	var wg sync.WaitGroup
	for c := 0; c < cfg.conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- driveConnection(cfg, c)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	res["conns"], res["inflight"], res["invokes"] = cfg.conns, cfg.inflight, cfg.conns*cfg.n
	return nil
}

func driveConnection(cfg *config, conn int) error {
	client, err := dialAndPing(cfg)
	if err != nil {
		return fmt.Errorf("connection %d: %w", conn, err)
	}
	defer client.Close()
	type pending struct {
		call    *rpc.Call
		seq     int
		payload []byte
	}
	window := make([]pending, 0, cfg.inflight)
	settle := func(p pending) error {
		<-p.call.Done
		resp, _ := p.call.Reply.(*messages.InvokeResponse)
		return checkResponse(cfg, fmt.Sprintf("connection %d invoke %d", conn, p.seq), p.payload, resp, p.call.Error)
	}
	for i := 0; i < cfg.n; i++ {
		payload := event(conn, i)
		req := newRequest(cfg, payload, fmt.Sprintf("conn-%d-%d", conn, i))
		call := client.Go("Function.Invoke", req, &messages.InvokeResponse{}, make(chan *rpc.Call, 1))
		window = append(window, pending{call, i, payload})
		if len(window) == cfg.inflight {
			if err := settle(window[0]); err != nil {
				return err
			}
			window = window[1:]
		}
	}
	for _, p := range window {
		if err := settle(p); err != nil {
			return err
		}
	}
	return nil
}

// runBig: one invoke whose payload is a -size byte JSON string.
func runBig(cfg *config, res result) error {
	client, err := dialAndPing(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	payload := jsonString(cfg.size)
	resp, err := invoke(client, newRequest(cfg, payload, "big-1"))
	if err := checkResponse(cfg, fmt.Sprintf("invoke of %d bytes", cfg.size), payload, resp, err); err != nil {
		return err
	}
	res["size"] = cfg.size
	return nil
}
