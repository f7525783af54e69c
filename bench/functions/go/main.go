// The Go baseline: the smallest aws-lambda-go function, answering {"message":"Hello World"} as
// every hello of the experiment does. One source, two builds: go1.x (net/rpc on
// _LAMBDA_SERVER_PORT) and provided.al2023 (`-tags lambda.norpc`, the Runtime API only).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

type answer struct {
	Message string `json:"message"`
}

func handle(_ context.Context, _ json.RawMessage) (answer, error) {
	return answer{Message: "Hello World"}, nil
}

func main() {
	lambda.Start(handle)
}
