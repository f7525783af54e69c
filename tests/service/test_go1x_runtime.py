"""The go1.x runtime of `lambdakit serve`, through boto3: the service starts the executable the
Handler names (in the unzipped code) with _LAMBDA_SERVER_PORT, dials 127.0.0.1:<port>, calls Go
net/rpc Function.Ping, then one Function.Invoke per event on that connection.

Two kinds of go1.x function:
  * lambdakit's C++ examples (build/bin: hello, echo, fail, sleep, crash), zipped as the binary
    under the Handler's name (Handler `hello`, file `hello`): their runtime sees
    _LAMBDA_SERVER_PORT and serves net/rpc (src/runtime/go1x);
  * a real aws-lambda-go function, tests/interop/go1x/cmd/hello (and cmd/echo), built and cached
    by tests/interop/go1x_build.py (see lkgo1x): {"fail": t} returns errors.New(t), {"panic": t}
    panics, {"exit": n} exits, {"sleep_ms": n} sleeps.
The aws CLI versions of the smoke set are in test_go1x_cli.py, hostile go1.x functions in
test_go1x_hostile.py. (The file is not test_go1x.py: tests/interop/test_go1x.py has that name,
and pytest cannot collect two test modules of one basename in one session.)

Cold or warm is read from the REPORT line (Init Duration only when cold) and from the service's
invocation records (GET /lambdakit/v1/invocations, `cold`).
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass

import pytest

from lkgo1x import example_go1x_zip, go_function_zip
from lkserve import Report, find_report, json_string_payload, unique_name

HELLO = b'{"message":"Hello World"}'
MB = 1024 * 1024


@dataclass
class Invoked:
    status: int
    function_error: str | None
    body: bytes
    request_id: str
    report: Report
    elapsed_s: float

    def json(self):
        return json.loads(self.body)


def _invoke(service, name: str, payload: bytes | dict = b"{}") -> Invoked:
    if isinstance(payload, dict):
        payload = json.dumps(payload).encode()
    t0 = time.monotonic()
    out = service.client.invoke(FunctionName=name, Payload=payload, LogType="Tail")
    body = out["Payload"].read()
    elapsed = time.monotonic() - t0
    rid = out["ResponseMetadata"]["RequestId"]
    log = base64.b64decode(out["LogResult"]).decode("utf-8", "replace")
    return Invoked(out["StatusCode"], out.get("FunctionError"), body, rid, find_report(log, rid),
                   elapsed)


def _ok(r: Invoked) -> Invoked:
    assert r.status == 200 and r.function_error is None, (r.status, r.function_error, r.body[:400])
    return r


def _unhandled(r: Invoked) -> dict:
    assert r.status == 200 and r.function_error == "Unhandled", (r.status, r.function_error,
                                                                 r.body[:400])
    return r.json()


def _cold_flags(service, name: str) -> list[bool]:
    return [rec["cold"] for rec in service.invocations(name)]


def _create(service, zip_bytes: bytes, handler: str, **kw) -> str:
    name = unique_name("go-" + re.sub(r"[^a-zA-Z0-9]", "", handler)[:20])
    cfg = service.create_function(name, zip_bytes, runtime="go1.x", handler=handler, **kw)
    assert cfg["Runtime"] == "go1.x" and cfg["Handler"] == handler, cfg
    return name


def _cpp(service, example: str, **kw) -> str:
    return _create(service, example_go1x_zip(example), example, **kw)


def _go(service, program: str, **kw) -> str:
    return _create(service, go_function_zip(program), program, **kw)


# --- lambdakit's C++ examples as go1.x functions ------------------------------------------------

def test_cpp_hello_cold_then_warm(service):
    name = _cpp(service, "hello")
    cold, warm = _ok(_invoke(service, name)), _ok(_invoke(service, name))
    assert cold.body == HELLO and warm.body == HELLO
    assert cold.report.init_ms is not None, f"the first invoke was not cold: {cold.report.line!r}"
    assert warm.report.init_ms is None, f"the second invoke reported Init: {warm.report.line!r}"
    assert _cold_flags(service, name) == [True, False]
    recs = service.invocations(name)
    assert [r["request_id"] for r in recs] == [cold.request_id, warm.request_id]
    assert [r["status"] for r in recs] == ["success", "success"]


ECHO_PAYLOADS = {
    "unicode-and-escapes": '{"s":"caf\u00e9 \u65e5\u672c \U0001f600","esc":"\\"q\\" \\\\ \\u0000 '
                           '\\n\\t","n":[0,-1,2.5e-3,1e308,null,true,false],"o":{}}'.encode(),
    "json-string-5mb": json_string_payload(5 * MB),
    "array-with-spaces": b'  [ 1 , "two" ,\n {"three": [3]} ]  ',
}


@pytest.mark.parametrize("kind", list(ECHO_PAYLOADS))
def test_cpp_echo_is_byte_exact(service, kind):
    name = _cpp(service, "echo", timeout=30)
    payload = ECHO_PAYLOADS[kind]
    r = _ok(_invoke(service, name, payload))
    assert len(r.body) == len(payload), (len(r.body), len(payload))
    assert r.body == payload


def test_cpp_fail_is_an_unhandled_function_error(service):
    name = _cpp(service, "fail")
    first = _invoke(service, name)
    # aws-lambda-go's InvokeResponse_Error: stackTrace is omitted when empty.
    assert _unhandled(first) == {"errorMessage": "card 4242 was declined",
                                 "errorType": "examples::payment_declined"}
    second = _invoke(service, name)
    assert _unhandled(second)["errorType"] == "examples::payment_declined"
    assert second.report.init_ms is None, "a handler error must not reset the environment"
    assert _cold_flags(service, name) == [True, False]
    assert [r["status"] for r in service.invocations(name)] == ["error", "error"]


def test_cpp_sleep_past_the_timeout_then_cold(service):
    name = _cpp(service, "sleep", timeout=1)
    assert _ok(_invoke(service, name, {"ms": 0})).body == b'{"slept_ms":0}'
    r = _invoke(service, name, {"ms": 5000})
    assert _unhandled(r) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert 0.9 <= r.elapsed_s < 3.5, f"timed out after {r.elapsed_s:.2f}s for a 1 s timeout"
    assert r.report.timed_out, r.report.line
    after = _ok(_invoke(service, name, {"ms": 0}))
    assert after.body == b'{"slept_ms":0}'
    assert after.report.init_ms is not None, "the invoke after a timeout was not cold"
    assert _cold_flags(service, name) == [True, False, True]
    assert [r["status"] for r in service.invocations(name)] == ["success", "timeout", "success"]


def test_cpp_crash_is_an_exit_error_then_cold(service):
    name = _cpp(service, "crash")
    r = _invoke(service, name, {"code": 42})
    assert _unhandled(r) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: "
                        "exit status 42",
    }
    again = _invoke(service, name, {"code": 3})
    assert _unhandled(again)["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert again.report.init_ms is not None, "the invoke after a crash was not cold"
    assert _cold_flags(service, name) == [True, True]
    assert [r["status"] for r in service.invocations(name)] == ["crash", "crash"]


def test_missing_handler_file_is_invalid_entrypoint(service):
    name = _create(service, example_go1x_zip("hello"), "nothere")
    r = _invoke(service, name)
    err = _unhandled(r)
    assert err["errorType"] == "Runtime.InvalidEntrypoint", err
    # What Go's os/exec says (Lambda showed it as is): /var/task inside the sandbox.
    assert re.fullmatch(rf"RequestId: {re.escape(r.request_id)} Error: "
                        r"fork/exec /\S*/nothere: no such file or directory",
                        err["errorMessage"]), err
    assert r.elapsed_s < 10
    # The code itself is fine: the same zip with the right Handler runs.
    service.client.update_function_configuration(FunctionName=name, Handler="hello")
    assert _ok(_invoke(service, name)).body == HELLO


@pytest.mark.parametrize("handler", ["../hello", "sub/../../hello", "./../hello"])
def test_handler_with_dotdot_is_refused(service, handler):
    name = _create(service, example_go1x_zip("hello"), handler)
    r = _invoke(service, name)
    err = _unhandled(r)
    assert err["errorType"] == "Runtime.InvalidEntrypoint", err
    assert err["errorMessage"].startswith(f"RequestId: {r.request_id} Error: "), err
    assert handler in err["errorMessage"], err
    assert not service.function_processes(), "a process was started for a refused Handler"


# --- a real aws-lambda-go function --------------------------------------------------------------

def test_go_hello_cold_then_warm(service):
    name = _go(service, "hello")
    cold, warm = _ok(_invoke(service, name)), _ok(_invoke(service, name))
    assert cold.body == HELLO and warm.body == HELLO
    assert cold.report.init_ms is not None, cold.report.line
    assert warm.report.init_ms is None, warm.report.line
    assert _cold_flags(service, name) == [True, False]


def test_go_echo_is_byte_exact(service):
    name = _go(service, "echo", timeout=30)
    payload = json_string_payload(5 * MB)
    assert _ok(_invoke(service, name, payload)).body == payload


def test_go_error_is_error_string_and_keeps_the_environment(service):
    name = _go(service, "hello")
    _ok(_invoke(service, name))
    r = _invoke(service, name, {"fail": "card declined"})
    assert _unhandled(r) == {"errorMessage": "card declined", "errorType": "errorString"}
    after = _ok(_invoke(service, name))
    assert after.report.init_ms is None, "a returned error must not reset the environment"
    assert _cold_flags(service, name) == [True, False, False]
    assert [r["status"] for r in service.invocations(name)] == ["success", "error", "success"]


def test_go_panic_has_a_stack_trace_and_resets_the_environment(service):
    name = _go(service, "hello")
    _ok(_invoke(service, name))
    r = _invoke(service, name, {"panic": "oops"})
    err = _unhandled(r)
    assert set(err) == {"errorMessage", "errorType", "stackTrace"}, err
    assert err["errorMessage"] == "oops" and err["errorType"] == "string", err
    frames = err["stackTrace"]
    assert isinstance(frames, list) and 1 <= len(frames) <= 32, frames
    for f in frames:
        assert set(f) == {"path", "line", "label"}, f
        assert isinstance(f["path"], str) and isinstance(f["label"], str), f
        assert isinstance(f["line"], int) and f["line"] > 0, f
    # The handler's own frame (cmd/hello/main.go, func handle) is among them.
    assert any(f["path"].endswith("hello/main.go") and f["label"] == "handle" for f in frames), \
        frames
    # ShouldExit: the answer comes back, then the environment is replaced.
    after = _ok(_invoke(service, name))
    assert after.body == HELLO
    assert after.report.init_ms is not None, "the invoke after a panic was not cold"
    assert _cold_flags(service, name) == [True, False, True]


def test_go_exit_is_an_exit_error_then_cold(service):
    name = _go(service, "hello")
    _ok(_invoke(service, name))
    r = _invoke(service, name, {"exit": 3})
    err = _unhandled(r)
    assert err == {"errorType": "Runtime.ExitError",
                   "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: "
                                   "exit status 3"}, err
    after = _ok(_invoke(service, name))
    assert after.report.init_ms is not None, "the invoke after an exit was not cold"
    assert _cold_flags(service, name) == [True, False, True]
    assert [r["status"] for r in service.invocations(name)] == ["success", "crash", "success"]


def test_go_sleep_past_the_timeout_then_cold(service):
    name = _go(service, "hello", timeout=1)
    _ok(_invoke(service, name))
    r = _invoke(service, name, {"sleep_ms": 5000})
    assert _unhandled(r) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert 0.9 <= r.elapsed_s < 3.5, r.elapsed_s
    after = _ok(_invoke(service, name))
    assert after.report.init_ms is not None
    assert _cold_flags(service, name) == [True, False, True]
