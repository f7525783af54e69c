"""The Python-extension path under `lambdakit serve`: lambdakit's examples built by `lambdakit build
--runtime python3.X` into CPython extension modules (zig, the runtime's glibc), zipped by
`lambdakit package`, created with Handler `<module>.handler`, and run by awslambdaric (the real
Python runtime interface client) on Python 3.X itself, as Lambda runs them.

The aws CLI tests run both majors: aws-cli-v1 (the `aws` first on PATH, from pip) and aws-cli-v2
(/usr/bin/aws). A missing CLI, interpreter or build FAILS the test (never skips).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest

from lkserve import REPORT_RX, ROLE, unique_name

sys.path.append(str(Path(__file__).resolve().parents[1] / "python"))
import python_build  # noqa: E402

RUNTIMES = ("python3.11", "python3.12")


def _create_cli(service, cli: str, runtime: str, example: str) -> str:
    name = unique_name(f"py-{example}")
    path = service.workdir / f"{name}.zip"
    path.write_bytes(python_build.zip_bytes(runtime, example))
    cfg = service.aws_json("create-function", "--function-name", name, "--runtime", runtime,
                           "--handler", f"{example}.handler", "--role", ROLE,
                           "--zip-file", f"fileb://{path}", cli=cli)
    assert cfg["Runtime"] == runtime and cfg["Handler"] == f"{example}.handler", cfg
    return name


def _invoke_cli(service, cli: str, name: str, payload: str | None = None, *extra: str):
    meta, body, log = service.cli_invoke(name, payload, *extra, cli=cli)
    report = REPORT_RX.search(log)
    assert report, f"no REPORT line in the log tail:\n{log}"
    return meta, body, report, log


def _create(service, runtime: str, example: str, **kw) -> str:
    name = unique_name(f"py-{example}")
    service.create_function(name, python_build.zip_bytes(runtime, example), runtime=runtime,
                            handler=f"{example}.handler", **kw)
    return name


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hello_cold_then_warm_with_the_cli(service, cli, runtime):
    name = _create_cli(service, cli, runtime, "hello")
    meta, body, report, log = _invoke_cli(service, cli, name, "{}")
    assert json.loads(body) == {"message": "Hello World"}
    assert "FunctionError" not in meta, meta
    assert "Init Duration" in report.group(0), report.group(0)
    meta, body, report, _ = _invoke_cli(service, cli, name, "{}")
    assert json.loads(body) == {"message": "Hello World"}
    assert "Init Duration" not in report.group(0), f"the second invoke was not warm: {report.group(0)}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_thrown_exception_reaches_the_caller_typed(service, cli, runtime):
    name = _create_cli(service, cli, runtime, "fail")
    meta, body, _, _ = _invoke_cli(service, cli, name, "{}")
    assert meta.get("FunctionError") == "Unhandled", meta
    err = json.loads(body)
    assert err["errorType"] == "examples::payment_declined", err
    assert err["errorMessage"] == "card 4242 was declined", err
    # and the environment lives on: the next invoke is warm and fails the same way
    meta, body, report, _ = _invoke_cli(service, cli, name, "{}")
    assert json.loads(body)["errorType"] == "examples::payment_declined"
    assert "Init Duration" not in report.group(0)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_client_context_request_id_and_deadline_reach_the_handler(service, cli, runtime):
    name = _create_cli(service, cli, runtime, "context")
    client_context = {"client": {"installation_id": "inst-1", "app_title": "t",
                                 "app_version_name": "1.0", "app_version_code": "7",
                                 "app_package_name": "com.example"},
                      "custom": {"k": "v"}, "env": {"locale": "fr"}}
    cc = base64.b64encode(json.dumps(client_context).encode()).decode()
    meta, body, report, _ = _invoke_cli(service, cli, name, '{"n": [1, "é"]}', "--client-context", cc)
    got = json.loads(body)
    assert got["event"] == {"n": [1, "é"]}
    assert got["client_context"] == client_context, got
    assert re.fullmatch(r"[0-9a-f-]{36}", got["request_id"]), got
    assert got["function_arn"].endswith(f":function:{name}"), got
    assert 0 < got["remaining_ms"] <= 3000, got  # the default Timeout is 3 s
    assert got["trace_id"].startswith("Root="), got
    assert report.group(0).find(got["request_id"]) >= 0, (report.group(0), got["request_id"])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_events_round_trip_through_the_module(service, runtime):
    name = _create(service, runtime, "echo")
    for event in [{"a": [1, 2.5, True, None, "ü\u2028", {"b": {}}]}, [1, [2, [3]]], "text", 7, None,
                  {"big": 1 << 70, "neg": -(1 << 63), "f": 1e-300}]:
        r = service.invoke(name, json.dumps(event))
        assert r.status == 200, r.describe()
        assert r.header("X-Amz-Function-Error") is None, r.describe()
        assert json.loads(r.body) == event


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_six_megabyte_event_arrives_whole(service, runtime):
    name = _create(service, runtime, "echo", timeout=30)
    event = {"data": "x" * (6 * 1024 * 1024 - 64)}
    r = service.invoke(name, json.dumps(event), timeout=60)
    assert r.status == 200, r.describe()[:2000]
    assert json.loads(r.body) == event


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_handler_that_kills_the_process_is_a_runtime_exit_and_the_next_invoke_cold(service, runtime):
    name = _create(service, runtime, "crash")
    r = service.invoke(name, '{"code": 3}')
    assert r.status == 200, r.describe()
    assert r.header("X-Amz-Function-Error") == "Unhandled", r.describe()
    assert json.loads(r.body)["errorType"] == "Runtime.ExitError", r.body
    hello = _create(service, runtime, "hello")
    assert service.invoke(hello, "{}").status == 200


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_timeout_stops_a_handler_that_holds_no_gil(service, runtime):
    name = _create(service, runtime, "sleep", timeout=1)
    r = service.invoke(name, '{"ms": 5000}', timeout=30)
    assert r.status == 200, r.describe()
    assert r.header("X-Amz-Function-Error") == "Unhandled", r.describe()
    body = json.loads(r.body)
    assert body["errorType"] == "Sandbox.Timedout", body
    r = service.invoke(name, '{"ms": 1}')
    assert json.loads(r.body) == {"slept_ms": 1}


def test_each_runtime_runs_on_its_own_python(service):
    """A python3.12 module (abi3) and a python3.11 module, side by side: each imports only in its
    own Python, so both answering shows the service starts python3.12 and python3.11 as Lambda
    does (and not every python3.x on one interpreter)."""
    for runtime in RUNTIMES:
        name = _create(service, runtime, "hello")
        r = service.invoke(name, "{}")
        assert r.status == 200 and json.loads(r.body) == {"message": "Hello World"}, (runtime, r.describe())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_what_the_handler_prints_reaches_the_log_and_not_the_response(service, runtime):
    """The C++ handler prints through stdio, iostreams and write(2) on fds 1 and 2; awslambdaric
    talks to the Runtime API over HTTP, so every line belongs in the log, flushed per invoke."""
    name = _create(service, runtime, "chatty")
    for _ in range(2):  # cold, then warm
        r = service.invoke(name, "{}")
        assert r.status == 200 and json.loads(r.body) == {"ok": True}, r.describe()
        rid = r.header("X-Amzn-RequestId")
        log = base64.b64decode(r.header("X-Amz-Log-Result")).decode()
        for how in ("printf", "cout", "cerr", "write1", "write2"):
            assert f"chatty {how} {rid}\n" in log, (how, log)
        assert log.index(f"chatty printf {rid}") < log.index(f"END RequestId: {rid}"), log


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_handler_answering_invalid_json_is_a_clear_function_error(service, runtime):
    name = _create(service, runtime, "respond")
    r = service.invoke(name, '"json:{\'a\':"')
    assert r.status == 200 and r.header("X-Amz-Function-Error") == "Unhandled", r.describe()
    err = json.loads(r.body)
    assert err["errorType"] == "ValueError", err
    assert err["errorMessage"] == ("the handler's response is not valid JSON: expected a value, "
                                   "found the end at byte 5"), err
    r = service.invoke(name, '"text:plain"')  # str: the Python runtime answers it as JSON
    assert json.loads(r.body) == "plain", r.describe()
    r = service.invoke(name, '"bytes:raw"')  # bytes: passed through unchanged
    assert r.body == b"raw", r.describe()
