"""The conformance checklist of the runtime-api spec (§6), items 1-15: the Runtime API as a
runtime sees it (/next, /response, /error, /init/error, ids, state transitions, framing,
entrypoint, exit, timeout), observed from outside `lambdakit serve` through the Invoke API, its
logs and its records.

Items that need a runtime which misbehaves on purpose use the `probe` peer
(tests/service/functions/probe/bootstrap): it makes raw Runtime API calls (right or wrong) and
reports what the service answered, either in the body the caller gets or, for calls made after the
caller already has its answer, in a `PROBE-RESULTS {...}` line on its stderr (which the service
writes to its own stderr).

Not here: 13 (init > 10 s: too slow for this suite). Items 16-27: test_conformance_invoke.py.
"""

import base64
import json
import re
import time

import pytest

from lkconformance import (INIT_ERROR_BODY, _api_error, _ok, _probe_results, _steps, _unhandled)
from lkserve import (SYNC_REQUEST_LIMIT, SYNC_RESPONSE_LIMIT, example_binary, find_report,
                     function_arn, json_string_payload, make_zip, proc_alive,
                     unique_name, wait_until)


# --- 1. /next ------------------------------------------------------------------------------------

def test_01_next_returns_id_deadline_arn_and_trace(service):
    name = service.create_peer("probe", timeout=5)
    t0 = time.time() * 1000
    r = _ok(service.invoke(name, b"{}"))
    t1 = time.time() * 1000
    rep = r.json()
    h = rep["headers"]
    assert h["lambda-runtime-aws-request-id"] == r.request_id
    deadline = h["lambda-runtime-deadline-ms"]
    assert re.fullmatch(r"\d{13}", deadline), deadline  # epoch ms, decimal
    deadline = int(deadline)
    assert t0 + 5000 - 50 <= deadline <= t1 + 5000 + 50, (t0, deadline, t1)
    assert 4000 <= deadline - rep["received_ms"] <= 5000 + 50
    assert h["lambda-runtime-invoked-function-arn"] == function_arn(name)
    assert re.match(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;|$)", h["lambda-runtime-trace-id"]), h
    # Each invoke gets its own id and deadline.
    r2 = _ok(service.invoke(name, b"{}"))
    h2 = r2.json()["headers"]
    assert h2["lambda-runtime-aws-request-id"] == r2.request_id != r.request_id
    assert int(h2["lambda-runtime-deadline-ms"]) > deadline


def test_01_next_long_poll_is_not_timed_out(start_service):
    """A runtime parked in /next longer than its function timeout is still there (same process,
    no re-init) when the next event comes. Time-based by nature: waits 2.5 s."""
    service = start_service(idle_timeout=60)
    name = service.create_peer("probe", timeout=1)
    first = _ok(service.invoke(name, b"{}")).json()
    time.sleep(2.5)
    r = _ok(service.invoke(name, b"{}"))
    assert r.json()["pid"] == first["pid"]
    assert find_report(r.log_tail, r.request_id).init_ms is None


# --- 2. Client-Context / Cognito headers only when present --------------------------------------

def test_02_client_context_and_cognito_headers_only_when_present(service):
    name = service.create_peer("probe")
    h = _ok(service.invoke(name, b"{}")).json()["headers"]
    assert "lambda-runtime-client-context" not in h
    assert "lambda-runtime-cognito-identity" not in h
    ctx = '{"custom":{"k":"v"},"env":{"locale":"en"},"client":{"app_title":"t"}}'
    r = _ok(service.invoke(name, b"{}", client_context=base64.b64encode(ctx.encode()).decode()))
    h = r.json()["headers"]
    assert h.get("lambda-runtime-client-context") == ctx
    assert "lambda-runtime-cognito-identity" not in h
    h = _ok(service.invoke(name, b"{}")).json()["headers"]
    assert "lambda-runtime-client-context" not in h, "client context leaked into the next invoke"


# --- 3. event bytes pass unchanged ---------------------------------------------------------------

PAYLOADS = {
    "empty": b"",
    "object": b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
    "escapes": b'"quote \\" backslash \\\\ nul \\u0000 tab \\t newline \\n"',
    "unicode-escapes": b'{"s":"caf\\u00e9 \\ud83d\\ude00"}',
    "raw-utf8": '{"s":"café 😀 日本語"}'.encode(),
    "whitespace": b'  \n\t{ "spaced" : [ 1 , 2 ] }\r\n ',
    "number": b"42",
    "6MB": json_string_payload(SYNC_REQUEST_LIMIT),
}


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_03_event_bytes_pass_unchanged(service, kind):
    payload = PAYLOADS[kind]
    name = service.create_example("echo")
    r = _ok(service.invoke(name, payload))
    if r.body != payload:
        first = next((i for i, (a, b) in enumerate(zip(r.body, payload)) if a != b),
                     min(len(r.body), len(payload)))
        raise AssertionError(f"sent {len(payload)} bytes, got {len(r.body)}; first difference at "
                             f"{first}: sent {payload[first:first + 40]!r}, got {r.body[first:first + 40]!r}")


# --- 4. /response ---------------------------------------------------------------------------------

def test_04_response_body_and_content_type_reach_the_caller(service):
    name = service.create_peer("probe")
    body = '{"ok":true,"n":4}'
    r = _ok(service.invoke(name, _steps({"op": "post", "kind": "response", "body": body,
                                         "headers": {"Content-Type": "application/vnd.lambdakit.test+json"}})))
    assert r.body == body.encode()
    assert r.header("Content-Type") == "application/vnd.lambdakit.test+json"
    (res,) = _probe_results(service, r.request_id)
    assert res["status"] == 202, res
    assert res["body"] == {"status": "OK"}, res


# --- 5. unknown and stale ids ----------------------------------------------------------------------

def test_05_unknown_and_stale_request_ids_are_rejected(service):
    name = service.create_peer("probe")
    _ok(service.invoke(name, b"{}"))
    r = _ok(service.invoke(name, _steps(
        {"op": "post", "kind": "response", "id": "bogus", "body": "{}"},
        {"op": "post", "kind": "error", "id": "bogus", "body": '{"errorType":"x","errorMessage":"y"}'},
        {"op": "post", "kind": "response", "id": "previous", "body": "{}"},
        {"op": "post", "kind": "error", "id": "previous", "body": '{"errorType":"x","errorMessage":"y"}'},
        {"op": "post", "kind": "response", "id": "current"},
    )))
    results = r.json()["results"]
    assert len(results) == 4, results
    for res in results:
        _api_error(res, 400, "InvalidRequestID")
    assert _probe_results(service, r.request_id)[4]["status"] == 202


# --- 6. state transitions -------------------------------------------------------------------------

def test_06_second_response_is_rejected_and_the_first_wins(service):
    name = service.create_peer("probe")
    r = _ok(service.invoke(name, _steps(
        {"op": "post", "kind": "response", "body": '{"n":"first"}'},
        {"op": "post", "kind": "response", "body": '{"n":"second"}'},
        {"op": "post", "kind": "error", "body": '{"errorType":"late","errorMessage":"late"}'},
    )))
    assert r.body == b'{"n":"first"}'
    first, second, error = _probe_results(service, r.request_id)
    assert first["status"] == 202, first
    _api_error(second, 403, "InvalidStateTransition")
    _api_error(error, 403, "InvalidStateTransition")


def test_06_response_after_error_is_rejected(service):
    name = service.create_peer("probe")
    err = '{"errorMessage":"first","errorType":"Probe.First"}'
    r = _unhandled(service.invoke(name, _steps(
        {"op": "post", "kind": "error", "body": err},
        {"op": "post", "kind": "response", "body": '{"n":"late"}'},
        {"op": "post", "kind": "error", "body": '{"errorMessage":"second","errorType":"x"}'},
    )))
    assert r.body == err.encode()
    first, late, second = _probe_results(service, r.request_id)
    assert first["status"] == 202, first
    _api_error(late, 403, "InvalidStateTransition")
    _api_error(second, 403, "InvalidStateTransition")


def test_06_response_before_next_is_rejected(service):
    name = service.create_peer("probe", env={"PROBE_MODE": "post_before_next"})
    r = _ok(service.invoke(name, b"{}"))
    (early,) = r.json()["init_results"]
    _api_error(early, 403, "InvalidStateTransition")


# --- 7. oversized response ------------------------------------------------------------------------

def test_07_oversized_response(service):
    name = service.create_peer("probe")
    r = _unhandled(service.invoke(name, _steps(
        {"op": "post", "kind": "response", "body_size": SYNC_RESPONSE_LIMIT + 1})))
    assert r.json() == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    }
    (res,) = _probe_results(service, r.request_id)
    _api_error(res, 413, "RequestEntityTooLarge")
    # The function is still usable.
    _ok(service.invoke(name, b"{}"))


def test_07_response_at_the_limit_passes(service):
    name = service.create_peer("probe")
    r = _ok(service.invoke(name, _steps(
        {"op": "post", "kind": "response", "body_size": SYNC_RESPONSE_LIMIT})))
    assert len(r.body) == SYNC_RESPONSE_LIMIT
    assert r.body == b'"' + b"p" * (SYNC_RESPONSE_LIMIT - 2) + b'"'


# --- 8. /error bodies ------------------------------------------------------------------------------

ERROR_BODIES = {
    "cpp": '{"errorMessage":"card 4242 was declined","errorType":"examples::payment_declined","stackTrace":[]}',
    "python": json.dumps({"errorMessage": "division by zero", "errorType": "ZeroDivisionError",
                          "requestId": "", "stackTrace": ["  File \"/var/task/app.py\", line 2, "
                                                          "in handler\n    return 1/0\n"]}),
    "node": json.dumps({"errorType": "Error", "errorMessage": "boom",
                        "trace": ["Error: boom", "    at Runtime.handler (file:///var/task/index.mjs:2:9)"]}),
    "rust": '{"errorType":"&str","errorMessage":"boom"}',
}


@pytest.mark.parametrize("with_header", [True, False], ids=["with-type-header", "no-header"])
@pytest.mark.parametrize("shape", list(ERROR_BODIES))
def test_08_error_body_reaches_the_caller_exactly(service, shape, with_header):
    name = service.create_peer("probe")
    body = ERROR_BODIES[shape]
    headers = {"Lambda-Runtime-Function-Error-Type": json.loads(body)["errorType"]} if with_header else {}
    r = _unhandled(service.invoke(name, _steps(
        {"op": "post", "kind": "error", "body": body, "headers": headers})))
    assert r.body == body.encode()
    (res,) = _probe_results(service, r.request_id)
    assert res["status"] == 202, res


# --- 9. /init/error --------------------------------------------------------------------------------

def test_09_init_error_then_reinit(service):
    # The marker lives in /tmp: as on Lambda, the environment that replaces one whose Init
    # failed keeps its /tmp (nothing else is shared between environments: /dev/shm is private).
    marker = "/tmp/" + unique_name("lambdakit-probe-init")
    name = service.create_peer("probe", env={"PROBE_MODE": "init_error_once", "PROBE_MARKER": marker})
    r = _unhandled(service.invoke(name, b"{}"))
    assert r.body == INIT_ERROR_BODY.encode()
    (res,) = _probe_results(service, "init")
    assert res["status"] == 202, res
    r = _ok(service.invoke(name, b"{}"))
    assert "request_id" in r.json()
    assert find_report(r.log_tail, r.request_id).init_ms is not None, "no re-init"


def test_09_init_error_after_next_is_rejected(service):
    name = service.create_peer("probe")
    r = _ok(service.invoke(name, _steps({"op": "init_error"}, {"op": "post", "kind": "response"})))
    (res,) = r.json()["results"]
    _api_error(res, 403, "InvalidStateTransition")


# --- 10. response mode ------------------------------------------------------------------------------

def test_10_bogus_response_mode_is_rejected(service):
    name = service.create_peer("probe")
    r = _ok(service.invoke(name, _steps(
        {"op": "post", "kind": "response", "body": '{"x":1}',
         "headers": {"Lambda-Runtime-Function-Response-Mode": "bogus"}},
        {"op": "post", "kind": "response"})))
    (res,) = r.json()["results"]
    _api_error(res, 400, "InvalidFunctionResponseMode")


# --- 11. framing --------------------------------------------------------------------------------------

BIG_BODY = json.dumps({"data": [f"item-{i:06d}" for i in range(20000)]})


@pytest.mark.parametrize("framing", [
    {"chunked": True},
    {"expect_continue": True},
    {"chunked": True, "expect_continue": True},
    {},
], ids=["chunked", "expect-100", "chunked-expect-100", "content-length"])
def test_11_response_framing(service, framing):
    name = service.create_peer("probe")
    r = _ok(service.invoke(name, _steps(dict({"op": "post", "kind": "response", "body": BIG_BODY},
                                             **framing))))
    assert r.body == BIG_BODY.encode()
    (res,) = _probe_results(service, r.request_id)
    assert res["status"] == 202, res


def test_11_chunked_error(service):
    name = service.create_peer("probe")
    body = ERROR_BODIES["python"]
    r = _unhandled(service.invoke(name, _steps(
        {"op": "post", "kind": "error", "body": body, "chunked": True})))
    assert r.body == body.encode()


# --- 12. entrypoint ----------------------------------------------------------------------------------

def _hello_bytes() -> bytes:
    return example_binary("hello").read_bytes()


@pytest.mark.parametrize("kind", ["missing", "not-executable", "in-a-subdirectory", "directory"])
def test_12_invalid_entrypoint(service, kind):
    files = {
        "missing": {"README.txt": b"nothing to run\n"},
        "not-executable": {"bootstrap": (_hello_bytes(), 0o644)},
        "in-a-subdirectory": {"bin/bootstrap": (_hello_bytes(), 0o755)},
        "directory": {"bootstrap/file": (_hello_bytes(), 0o755)},
    }[kind]
    name = unique_name("entry")
    service.create_function(name, make_zip(files))
    r = _unhandled(service.invoke(name, b"{}"))
    assert r.json()["errorType"] == "Runtime.InvalidEntrypoint", r.describe()
    assert r.elapsed_s < 10


# --- 14. runtime exit ---------------------------------------------------------------------------------

def test_14_exit_status_then_reinit(service):
    name = service.create_peer("counter")
    before = _ok(service.invoke(name, b"{}")).json()
    r = _unhandled(service.invoke(name, {"crash": 42}))
    assert r.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: exit status 42",
    }
    after_r = _ok(service.invoke(name, b"{}"))
    assert after_r.json()["count"] == 1 and after_r.json()["pid"] != before["pid"]
    assert find_report(after_r.log_tail, after_r.request_id).init_ms is not None


def test_14_killed_by_signal(service):
    name = service.create_peer("counter")
    r = _unhandled(service.invoke(name, {"kill_self": True}))
    assert r.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: signal: killed",
    }
    assert _ok(service.invoke(name, b"{}")).json()["count"] == 1


def test_14_crash_example(service):
    name = service.create_example("crash")
    for code in (1, 3):
        r = _unhandled(service.invoke(name, {"code": code}))
        assert r.json()["errorMessage"] == (
            f"RequestId: {r.request_id} Error: Runtime exited with error: exit status {code}")


# --- 15. timeout -------------------------------------------------------------------------------------

def test_15_timeout(service):
    name = service.create_peer("counter", timeout=1)
    before = _ok(service.invoke(name, b"{}")).json()
    r = _unhandled(service.invoke(name, {"sleep_ms": 4000}))
    assert r.json() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert r.elapsed_s < 3.5
    assert find_report(r.log_tail, r.request_id).timed_out
    wait_until(lambda: not proc_alive(before["pid"]), 5, what="the timed-out process to be killed")
    after = _ok(service.invoke(name, b"{}"))
    assert after.json()["count"] == 1
    assert find_report(after.log_tail, after.request_id).init_ms is not None


def test_15_timeout_of_the_sleep_example(service):
    name = service.create_example("sleep", timeout=1)
    r = _unhandled(service.invoke(name, {"ms": 3000}))
    assert r.json()["errorType"] == "Sandbox.Timedout"
    assert r.json()["errorMessage"] == f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds"
    r = _ok(service.invoke(name, {"ms": 10}))
    assert r.body == b'{"slept_ms":10}'
