// rpcdrive drives a go1.x Lambda function over Go's standard net/rpc client (gob codec), as the
// go1.x host did, using aws-lambda-go's own lambda/messages types, and checks what comes back.
//
//	rpcdrive -addr 127.0.0.1:PORT -scenario NAME [flags]
//
// Whatever happens, it prints exactly one JSON object on stdout: {"scenario", "ok", ...} plus the
// scenario's findings, and "failure" (also written to stderr) when ok is false. Exit status: 0
// when ok, 1 on a mismatch or RPC failure, 2 on bad usage or when -timeout expires.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// result is the one JSON line printed on stdout.
type result map[string]any

// scenarios maps -scenario names to their implementations (scenarios.go, load.go). An error
// means a mismatch; the result still carries whatever was observed before it.
var scenarios = map[string]func(*config, result) error{
	"ping":            runPing,
	"invoke":          runInvoke,
	"unknown-method":  runUnknownMethod,
	"unknown-service": runUnknownService,
	"ill-formed":      runIllFormed,
	"sequential":      runSequential,
	"concurrent":      runConcurrent,
	"big":             runBig,
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		finish(result{"scenario": "", "ok": false}, err, 2)
	}
	run, found := scenarios[cfg.scenario]
	if !found {
		finish(result{"scenario": cfg.scenario, "ok": false},
			fmt.Errorf("unknown -scenario %q (have: %s)", cfg.scenario, scenarioNames()), 2)
	}
	res := result{"scenario": cfg.scenario, "addr": cfg.addr}
	time.AfterFunc(cfg.timeout, func() {
		finish(result{"scenario": cfg.scenario, "addr": cfg.addr, "ok": false},
			fmt.Errorf("scenario %s did not finish within -timeout %v", cfg.scenario, cfg.timeout), 2)
	})
	start := time.Now()
	err = run(cfg, res)
	res["elapsed_ms"] = time.Since(start).Milliseconds()
	finish(res, err, 1)
}

// finish prints the result line (ok = err == nil) and exits.
func finish(res result, err error, failCode int) {
	res["ok"] = err == nil
	code := 0
	if err != nil {
		res["failure"] = err.Error()
		fmt.Fprintf(os.Stderr, "rpcdrive: %s: FAILED: %v\n", res["scenario"], err)
		code = failCode
	}
	line, jerr := json.Marshal(res)
	if jerr != nil {
		fmt.Fprintf(os.Stderr, "rpcdrive: cannot encode result: %v\n", jerr)
		os.Exit(2)
	}
	os.Stdout.Write(append(line, '\n'))
	os.Exit(code)
}

func scenarioNames() string {
	names := make([]string, 0, len(scenarios))
	for name := range scenarios {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
