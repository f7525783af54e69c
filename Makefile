# lambdakit's front door. `make demo` runs the main job; `make test` runs every test.
# Both install what they need first (scripts/install-deps is idempotent and quiet).

SHELL := /bin/bash
.DEFAULT_GOAL := build
CMAKE ?= cmake
export PATH := $(CURDIR)/.deps/bin:$(PATH)
# lambdakit serve finds AWS's Node.js runtime interface client here (scripts/install-deps puts it).
export LAMBDAKIT_AWS_LAMBDA_RIC ?= $(CURDIR)/.deps/node/node_modules/aws-lambda-ric

.PHONY: deps build test unit asan fuzz python stdio interop service package experiment bench-functions lint demo bench format tidy clean

deps:
	@scripts/install-deps

# Release build; function binaries and the CLI end up in build/bin.
build: deps
	@$(CMAKE) --preset release >/dev/null
	@$(CMAKE) --build --preset release
	@ln -sfn release/bin build/bin

# Every test: unit tests and the fuzz corpus (release, then ASan+UBSan), a short libFuzzer run,
# and interop with AWS's Runtime Interface Emulator. Each suite records its results (ctest
# --output-junit, pytest -p tests.skips) in build/test-results; at the end, every test that
# skipped is listed with its reason (tests/skips.py), or "no tests skipped".
TEST_RESULTS := $(CURDIR)/build/test-results
PYTEST = python3 -m pytest -q -rs -p tests.skips --skip-report $(TEST_RESULTS)/$@.json
test: test-results-reset build unit lint asan fuzz python stdio interop service package experiment
	@python3 tests/skips.py report $(TEST_RESULTS) unit asan python-3.11 python-3.12 python-3.13 stdio interop service package experiment

.PHONY: test-results-reset
test-results-reset:
	@rm -rf $(TEST_RESULTS)

unit: build
	@ctest --preset release --output-junit $(TEST_RESULTS)/unit.xml

asan: deps
	@$(CMAKE) --preset asan >/dev/null
	@$(CMAKE) --build --preset asan
	@ctest --preset asan --output-junit $(TEST_RESULTS)/asan.xml

# Each target runs FUZZ_SECONDS from its checked-in corpus (new finds go to build/fuzz/corpus/).
FUZZ_SECONDS ?= 20
fuzz: deps
	@$(CMAKE) --preset fuzz >/dev/null
	@$(CMAKE) --build --preset fuzz
	@set -o pipefail; for t in http_parser:http_response:4096 gob_stream:gob_stream:8192 stdio_frame:stdio_frame:8192 event_stream:event_stream:8192; do \
	  IFS=: read -r name corpus len <<< "$$t"; \
	  mkdir -p build/fuzz/corpus/$$corpus; \
	  echo "fuzz: $$name ($(FUZZ_SECONDS) s)"; \
	  build/fuzz/bin/$${name}_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=$$len -print_final_stats=1 \
	    build/fuzz/corpus/$$corpus tests/fuzz/corpus/$$corpus 2>&1 | tail -n 12 || exit 1; \
	done

# The Python-extension path in plain CPython: the example modules imported into Python 3.11
# (cpython-311 build) and 3.12 and 3.13 (one abi3 build), each interpreter found as
# lambdakit serve finds it (pyenv, else python3.X on PATH).
PYTHON_VERSIONS := 3.11 3.12 3.13
python: build
	@set -e; for v in $(PYTHON_VERSIONS); do \
	  py=$$(scripts/find-python $$v); \
	  echo "python: tests/python on $$py"; \
	  $$py -m pytest -q -rs -p tests.skips --skip-report $(TEST_RESULTS)/python-$$v.json tests/python; \
	done

# The stdio path's Node.js host (hosts/nodejs) against the test functions and hostile
# children, with node's own test runner (results also as JUnit for the skip report).
stdio: build
	@mkdir -p $(TEST_RESULTS)
	@LAMBDAKIT_BIN=$(CURDIR)/build/bin node --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=junit --test-reporter-destination=$(TEST_RESULTS)/stdio.xml tests/stdio

interop: build
	@$(PYTEST) tests/interop

# lambdakit package: deterministic, checked zips, deployed to lambdakit serve.
package: build
	@$(PYTEST) tests/package

# lambdakit serve end to end: the aws CLI, boto3, and runtimes under test over HTTP.
service: build
	@$(PYTEST) tests/service

# The main job. Until the benchmark lands: start lambdakit serve, deploy every example with boto3,
# invoke each cold and warm, print answers and REPORT lines.
# The experiment's functions (C++ on each path, Go, Python, Node.js and Rust baselines), built
# into build/bench/functions with a manifest; slow builds are cached in ~/.cache/lambdakit.
bench-functions: build
	@scripts/bench-functions

# `lambdakit bench --quick` end to end (tests/bench): every row, CSV, plots, the HTML report.
experiment: build
	@$(PYTEST) tests/bench

# The main job: the cold/warm-start experiment on the local service (docs/benchmark.md), then
# the tour of the examples. Results in build/bench/results (table.txt, results.csv, report.html).
BENCH_RUNS ?= 40
demo: bench-functions
	@build/bin/lambdakit bench --runs $(BENCH_RUNS) --out build/bench/results
	@echo
	@scripts/demo

bench: build
	@build/bin/bench_runtime
	@echo
	@build/bin/bench_service
	@echo
	@scripts/bench-strategies
	@echo
	@scripts/bench-go1x
	@echo
	@$$(scripts/find-python 3.12) bench/python/percall.py build/release/python/abi3
	@echo
	@node bench/stdio/roundtrip.mjs build/bin
	@echo
	@taskset -c 0 node bench/stdio/roundtrip.mjs build/bin
	@echo
	@python3 bench/events/queue_bench.py build/bin
	@echo
	@python3 bench/stream/ttfb.py build/bin
	@echo
	@python3 bench/urls/latency.py build/bin
	@echo
	@python3 bench/extensions/overhead.py build/bin

format:
	@git ls-files --cached --others --exclude-standard '*.cc' '*.h' '*.c' | xargs clang-format -i

# Style checks: clang-format (no diff) and clang-tidy (warnings are errors) on the library.
lint: build
	@scripts/lint

clean:
	rm -rf build
