"""The stdio path under `lambdakit serve`: C++ binaries zipped by `lambdakit package --runtime
nodejs*` (the binary as `function` beside lambdakit's Node.js host, index.mjs), created with
Handler index.handler, and run by aws-lambda-ric (AWS's real Node.js runtime interface client),
as Lambda runs them. The host spawns the binary once per execution environment: the probe
function's counter proves it.

The aws CLI tests run both majors: aws-cli-v1 (the `aws` first on PATH, from pip) and
aws-cli-v2 (/usr/bin/aws). A missing CLI, node or aws-lambda-ric FAILS the test (never skips).
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import zipfile
from functools import lru_cache

import pytest

from lkserve import REPORT_RX, ROLE, bin_dir, unique_name

RUNTIMES = ("nodejs20.x", "nodejs22.x")


@lru_cache(maxsize=None)
def stdio_zip(binary: str, runtime: str = "nodejs20.x") -> bytes:
    """build/bin/<binary> packaged by the real CLI for `runtime`."""
    out = bin_dir() / f"stdio-{binary}-{runtime}.zip"
    subprocess.run([str(bin_dir() / "lambdakit"), "package", str(bin_dir() / binary),
                    "--runtime", runtime, "--output", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def _create_cli(service, cli: str, binary: str, runtime: str, *extra: str) -> str:
    name = unique_name(f"stdio-{binary}")
    path = service.workdir / f"{name}.zip"
    path.write_bytes(stdio_zip(binary, runtime))
    cfg = service.aws_json("create-function", "--function-name", name, "--runtime", runtime,
                           "--handler", "index.handler", "--role", ROLE,
                           "--zip-file", f"fileb://{path}", *extra, cli=cli)
    assert cfg["Runtime"] == runtime and cfg["Handler"] == "index.handler", cfg
    return name


def _invoke_cli(service, cli: str, name: str, payload: str):
    meta, body, log = service.cli_invoke(name, payload, cli=cli)
    report = REPORT_RX.search(log)
    assert report, f"no REPORT line in the log tail:\n{log}"
    return meta, body, report.group(0), log


def _create(service, binary: str, runtime: str = "nodejs20.x", **kw) -> str:
    name = unique_name(f"stdio-{binary}")
    service.create_function(name, stdio_zip(binary, runtime), runtime=runtime,
                            handler="index.handler", **kw)
    return name


def _ok(r) -> dict:
    assert r.status == 200 and r.function_error is None, r.describe()
    return r.json()


def _unhandled(r) -> dict:
    assert r.status == 200 and r.function_error == "Unhandled", r.describe()
    return r.json()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hello_cold_then_warm_with_the_cli(service, cli, runtime):
    name = _create_cli(service, cli, "hello", runtime)
    meta, body, report, _ = _invoke_cli(service, cli, name, "{}")
    assert json.loads(body) == {"message": "Hello World"}
    assert "FunctionError" not in meta, meta
    assert "Init Duration" in report, report
    meta, body, report, _ = _invoke_cli(service, cli, name, "{}")
    assert json.loads(body) == {"message": "Hello World"}
    assert "Init Duration" not in report, f"the second invoke was not warm: {report}"


def test_the_binary_is_spawned_once_per_environment(service, cli):
    name = _create_cli(service, cli, "probe", "nodejs20.x")
    answers = []
    for i in range(4):
        _, body, report, _ = _invoke_cli(service, cli, name, '"count"')
        answers.append(json.loads(body))
        assert ("Init Duration" in report) == (i == 0), report
    assert [a["count"] for a in answers] == [1, 2, 3, 4], answers
    assert len({a["pid"] for a in answers}) == 1, answers


def test_context_and_log_reach_the_function(service):
    name = _create(service, "probe")
    r = service.invoke(name, '"context"')
    ctx = _ok(r)
    assert ctx["request_id"] == r.header("X-Amzn-RequestId"), (ctx, r.headers)
    assert ctx["function_arn"].endswith(f":function:{name}"), ctx
    assert 0 < ctx["remaining_ms"] <= 3000, ctx
    assert ctx["trace_id"].startswith("Root=") and ctx["trace_id"] == ctx["env_trace_id"], ctx
    r = service.invoke(name, '"noise:50"')
    assert _ok(r) == {"noise": 50}
    log = base64.b64decode(r.header("X-Amz-Log-Result")).decode("utf-8", "replace")
    assert "noise 49: LK" in log and "noise on stderr 49" in log, log


def test_a_typed_error_reaches_the_caller(service, cli):
    name = _create_cli(service, cli, "fail", "nodejs22.x")
    meta, body, _, _ = _invoke_cli(service, cli, name, "{}")
    assert meta.get("FunctionError") == "Unhandled", meta
    err = json.loads(body)
    assert err["errorType"] == "examples::payment_declined", err
    assert err["errorMessage"] == "card 4242 was declined", err


def test_a_crash_fails_that_invoke_and_the_environment_recovers_warm(service):
    name = _create(service, "probe")
    first = _ok(service.invoke(name, '"count"'))
    err = _unhandled(service.invoke(name, '"crash"'))
    assert err["errorType"] == "lambdakit.ChildExited", err
    assert "SIGABRT" in err["errorMessage"], err
    r = service.invoke(name, '"count"')
    after = _ok(r)
    assert after["count"] == 1 and after["pid"] != first["pid"], (first, after)
    log = base64.b64decode(r.header("X-Amz-Log-Result")).decode()
    assert "Init Duration" not in REPORT_RX.search(log).group(0), "the Node.js environment was kept"


def test_a_timeout_is_answered_by_the_host_before_lambda_resets(service):
    name = _create(service, "probe", timeout=1)
    before = _ok(service.invoke(name, '"count"'))
    err = _unhandled(service.invoke(name, '"sleep:5000"'))
    assert err["errorType"] == "lambdakit.Timeout", err
    after = _ok(service.invoke(name, '"count"'))
    assert after["count"] == 1 and after["pid"] != before["pid"], (before, after)


def test_six_megabyte_payloads(service):
    name = _create(service, "probe", memory=512)
    big = json.dumps("z" * (6 * 1000 * 1000 - 1000))
    r = service.invoke(name, big, log_type=None, timeout=60)
    assert r.status == 200 and r.function_error is None, r.describe()
    assert r.body == big.encode(), len(r.body)


def test_an_init_error_is_the_functions_own(service):
    name = _create(service, "badinit")
    err = _unhandled(service.invoke(name, "{}"))
    assert err["errorType"] == "app::config_error", err
    assert err["errorMessage"] == "DATABASE_URL is not set", err


def test_a_binary_that_is_not_a_lambdakit_function_fails_init_clearly(service, tmp_path):
    # The zip lambdakit makes, with `function` swapped for a program that is not a lambdakit one.
    plain = tmp_path / "plain"
    plain.write_text("#!/bin/sh\necho 'I am not a Lambda function'\n")
    plain.chmod(0o755)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        with zipfile.ZipFile(io.BytesIO(stdio_zip("hello"))) as src:
            for info in src.infolist():
                if info.filename != "function":
                    z.writestr(info, src.read(info))
        info = zipfile.ZipInfo("function")
        info.external_attr = 0o755 << 16
        z.writestr(info, plain.read_bytes())
    name = unique_name("stdio-plain")
    service.create_function(name, buf.getvalue(), runtime="nodejs20.x", handler="index.handler")
    err = _unhandled(service.invoke(name, "{}"))
    assert err["errorType"] == "lambdakit.NotAFunction", err
    assert "/var/task/function exited with code 0 before its hello: it is not a lambdakit function" \
        in err["errorMessage"], err
