"""The go1.x smoke set of test_go1x_runtime.py, driven by the real aws CLI, both majors:

  aws-cli-v1  the `aws` first on PATH (awscli from pip; must report aws-cli/1.x)
  aws-cli-v2  /usr/bin/aws (must report aws-cli/2.x); its --payload is base64 unless
              `--cli-binary-format raw-in-base64-out` is given, which lkserve adds for v2

Functions are lambdakit's C++ examples zipped as go1.x functions (Handler `hello`, file
`hello`), created with `aws lambda create-function --runtime go1.x --handler NAME`.
A missing CLI FAILS the test (never skips).
"""

from __future__ import annotations

import json
import re

import pytest

from lkgo1x import example_go1x_zip
from lkserve import REPORT_RX, ROLE, unique_name

HELLO = b'{"message":"Hello World"}'


def _create(service, cli: str, example: str, handler: str | None = None, *extra: str) -> str:
    handler = handler or example
    name = unique_name(f"cli-{example}")
    path = service.workdir / f"{name}.zip"
    path.write_bytes(example_go1x_zip(example))
    cfg = service.aws_json("create-function", "--function-name", name, "--runtime", "go1.x",
                           "--handler", handler, "--role", ROLE, "--zip-file", f"fileb://{path}",
                           *extra, cli=cli)
    assert cfg["FunctionName"] == name and cfg["Runtime"] == "go1.x", cfg
    assert cfg["Handler"] == handler, cfg
    return name


def _invoke(service, cli: str, name: str, payload: str | None = None):
    """(metadata, output file bytes, the REPORT match of the log tail)."""
    meta, body, log = service.cli_invoke(name, payload, cli=cli)
    reports = list(REPORT_RX.finditer(log))
    assert len(reports) == 1, log
    return meta, body, reports[0]


def _error(meta, body) -> dict:
    assert meta.get("FunctionError") == "Unhandled", meta
    return json.loads(body)


def test_cli_hello_cold_then_warm(service, cli):
    name = _create(service, cli, "hello")
    meta, body, cold = _invoke(service, cli, name, '{"name":"Bob"}')
    assert "FunctionError" not in meta and body == HELLO
    assert cold["init"] is not None, f"the first invoke was not cold: {cold.group(0)!r}"
    meta, body, warm = _invoke(service, cli, name)
    assert "FunctionError" not in meta and body == HELLO
    assert warm["init"] is None, f"the second invoke reported Init: {warm.group(0)!r}"
    assert [r["cold"] for r in service.invocations(name)] == [True, False]


def test_cli_echo_is_byte_exact(service, cli):
    name = _create(service, cli, "echo")
    payload = '{"name":"Bob","list":[1,2.5,null],"nested":{"k":"caf\u00e9 \u65e5\u672c"},' \
              '"esc":"\\"\\\\\\n"}'
    meta, body, _ = _invoke(service, cli, name, payload)
    assert "FunctionError" not in meta
    assert body == payload.encode()


def test_cli_fail_is_an_unhandled_function_error(service, cli):
    name = _create(service, cli, "fail")
    meta, body, _ = _invoke(service, cli, name, "{}")
    assert _error(meta, body) == {"errorMessage": "card 4242 was declined",
                                  "errorType": "examples::payment_declined"}


def test_cli_sleep_past_the_timeout_then_cold(service, cli):
    name = _create(service, cli, "sleep", None, "--timeout", "1")
    meta, body, rep = _invoke(service, cli, name, '{"ms":5000}')
    err = _error(meta, body)
    assert err["errorType"] == "Sandbox.Timedout", err
    assert err["errorMessage"].endswith("Error: Task timed out after 1.00 seconds"), err
    assert rep["timeout"], rep.group(0)
    meta, body, rep = _invoke(service, cli, name, '{"ms":0}')
    assert "FunctionError" not in meta and body == b'{"slept_ms":0}'
    assert rep["init"] is not None, "the invoke after a timeout was not cold"


def test_cli_crash_is_an_exit_error_then_cold(service, cli):
    name = _create(service, cli, "crash")
    meta, body, _ = _invoke(service, cli, name, '{"code":42}')
    err = _error(meta, body)
    assert err["errorType"] == "Runtime.ExitError", err
    assert err["errorMessage"].endswith("Runtime exited with error: exit status 42"), err
    meta, body, rep = _invoke(service, cli, name, '{"code":5}')
    assert _error(meta, body)["errorMessage"].endswith("exit status 5")
    assert rep["init"] is not None, "the invoke after a crash was not cold"
    assert [r["cold"] for r in service.invocations(name)] == [True, True]


def test_cli_missing_handler_is_invalid_entrypoint(service, cli):
    name = _create(service, cli, "hello", "nothere")
    meta, body, _ = _invoke(service, cli, name, "{}")
    err = _error(meta, body)
    assert err["errorType"] == "Runtime.InvalidEntrypoint", err
    assert re.search(r"Error: fork/exec /\S*/nothere: no such file or directory$",
                     err["errorMessage"]), err


def test_cli_handler_with_dotdot_is_refused(service, cli):
    name = _create(service, cli, "hello", "../hello")
    meta, body, _ = _invoke(service, cli, name, "{}")
    err = _error(meta, body)
    assert err["errorType"] == "Runtime.InvalidEntrypoint", err
    assert "../hello" in err["errorMessage"], err
