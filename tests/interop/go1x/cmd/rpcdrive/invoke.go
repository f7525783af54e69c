// One Function.Invoke: the InvokeRequest built from the flags, and the InvokeResponse described
// as JSON for the pytest (payload as a string plus its length and SHA-256, error fields).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/rpc"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// newRequest is an InvokeRequest carrying every field, as the go1.x host filled them.
func newRequest(cfg *config, payload []byte, requestID string) *messages.InvokeRequest {
	deadline := time.Now().Add(cfg.deadline)
	req := &messages.InvokeRequest{
		Payload:      payload,
		RequestId:    requestID,
		XAmznTraceId: cfg.traceID,
		Deadline: messages.InvokeRequest_Timestamp{
			Seconds: deadline.Unix(),
			Nanos:   int64(deadline.Nanosecond()),
		},
		InvokedFunctionArn:    cfg.arn,
		CognitoIdentityId:     cfg.cognitoID,
		CognitoIdentityPoolId: cfg.cognitoPool,
	}
	if cfg.clientContext != "" {
		req.ClientContext = []byte(cfg.clientContext)
	}
	return req
}

// invoke makes one Function.Invoke call; err is an RPC-level failure (transport or Response.Error).
func invoke(client *rpc.Client, req *messages.InvokeRequest) (*messages.InvokeResponse, error) {
	resp := &messages.InvokeResponse{}
	if err := client.Call("Function.Invoke", req, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

type frameJSON struct {
	Path  string `json:"path"`
	Line  int32  `json:"line"`
	Label string `json:"label"`
}

type errorJSON struct {
	Message    string      `json:"message"`
	Type       string      `json:"type"`
	StackTrace []frameJSON `json:"stack_trace"`
	ShouldExit bool        `json:"should_exit"`
}

// describeResponse fills res with the response's fields.
func describeResponse(res result, resp *messages.InvokeResponse) {
	sum := sha256.Sum256(resp.Payload)
	res["payload"] = string(resp.Payload)
	res["payload_len"] = len(resp.Payload)
	res["payload_sha256"] = hex.EncodeToString(sum[:])
	res["error"] = nil
	if e := resp.Error; e != nil {
		out := errorJSON{Message: e.Message, Type: e.Type, ShouldExit: e.ShouldExit,
			StackTrace: []frameJSON{}}
		for _, f := range e.StackTrace {
			if f == nil {
				continue
			}
			out.StackTrace = append(out.StackTrace, frameJSON{f.Path, f.Line, f.Label})
		}
		res["error"] = out
	}
}
