"""The conformance checklist of docs' runtime-api spec (§6), item by item, as far as each is
observable from outside `lambdakit serve` through the Invoke API, its logs and its records.

Items that need a runtime which misbehaves on purpose use the `probe` peer
(tests/service/functions/probe/bootstrap): it makes raw Runtime API calls (right or wrong) and
reports what the service answered, either in the body the caller gets or, for calls made after the
caller already has its answer, in a `PROBE-RESULTS {...}` line on its stderr (which the service
writes to its own stderr).

Not here: 13 (init > 10 s: too slow for this suite), 22 Event (not implemented yet; only DryRun),
28-30 (streaming, extensions).
"""

import base64
import json
import re
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lkserve import (ACCOUNT, REGION, ROLE, SYNC_REQUEST_LIMIT, SYNC_RESPONSE_LIMIT, billed_matches,
                     code_sha256, example_binary, example_zip, find_report, function_arn,
                     json_string_payload, make_zip, peer_zip, proc_alive, unique_name, wait_until)

HELLO = b'{"message":"Hello World"}'
INIT_ERROR_BODY = ('{"errorMessage":"probe init failed on purpose","errorType":"Probe.InitFailed",'
                   '"stackTrace":["probe: line 1"]}')  # as in functions/probe/bootstrap


def _ok(r):
    assert r.status == 200, r.describe()
    assert r.function_error is None, r.describe()
    return r


def _unhandled(r):
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled", r.describe()
    return r


def _steps(*steps) -> bytes:
    return json.dumps({"steps": list(steps)}).encode()


def _probe_results(service, request_id: str, timeout: float = 10.0) -> list[dict]:
    """The results the probe logged for request_id (after the caller got its answer)."""
    m = service.wait_for_log(rf'PROBE-RESULTS (\{{"request_id": "{re.escape(request_id)}".*)$',
                             timeout)
    return json.loads(m.group(1))["results"]


def _service_error(r, status: int, code: str) -> dict:
    assert r.status == status, r.describe()
    assert r.error_type == code, r.describe()
    body = r.json()
    assert isinstance(body, dict), body
    return body


def _api_error(res: dict, status: int, error_type: str):
    """A Runtime API answer the probe recorded: status, and a JSON body {errorMessage, errorType}."""
    assert res["status"] == status, res
    assert isinstance(res["body"], dict), f"the Runtime API error body is not JSON: {res['body']!r}"
    assert res["body"].get("errorType") == error_type, res
    assert isinstance(res["body"].get("errorMessage"), str), res


def _message(body: dict) -> str:
    return body.get("message", body.get("Message", ""))


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
    # Each environment has a /tmp of its own (as on Lambda): the marker lives in /dev/shm,
    # which every environment shares.
    marker = "/dev/shm/" + unique_name("lambdakit-probe-init")
    name = service.create_peer("probe", env={"PROBE_MODE": "init_error_once", "PROBE_MARKER": marker})
    try:
        r = _unhandled(service.invoke(name, b"{}"))
        assert r.body == INIT_ERROR_BODY.encode()
        (res,) = _probe_results(service, "init")
        assert res["status"] == 202, res
        r = _ok(service.invoke(name, b"{}"))
        assert "request_id" in r.json()
        assert find_report(r.log_tail, r.request_id).init_ms is not None, "no re-init"
    finally:
        Path(marker).unlink(missing_ok=True)


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


# --- 16. what survives what ---------------------------------------------------------------------------

def test_16_tmp_survives_a_reset_and_state_survives_warm_invokes(service):
    name = service.create_peer("counter")
    fname = unique_name("lambdakit-tmp")
    try:
        first = _ok(service.invoke(name, {"tmp_write": fname, "value": "kept"}))
        second = _ok(service.invoke(name, {"tmp_read": fname}))
        assert second.json()["count"] == 2 and second.json()["tmp"] == "kept"
        _unhandled(service.invoke(name, {"crash": 1}))
        third = _ok(service.invoke(name, {"tmp_read": fname}))
        assert third.json()["count"] == 1, "module state survived a reset"
        assert third.json()["tmp"] == "kept", "/tmp did not survive the reset"
        inits = [find_report(r.log_tail, r.request_id).init_ms is not None
                 for r in (first, second, third)]
        assert inits == [True, False, True]
    finally:
        Path("/tmp", fname).unlink(missing_ok=True)


# --- 17. START/END/REPORT -------------------------------------------------------------------------------

def test_17_log_lines_exact_format(service):
    name = service.create_example("hello")
    for i in range(2):
        r = _ok(service.invoke(name, b"{}"))
        rid = r.request_id
        lines = r.log_tail.splitlines()
        start = [n for n, ln in enumerate(lines) if ln.startswith("START ")]
        end = [n for n, ln in enumerate(lines) if ln.startswith("END ")]
        report = [n for n, ln in enumerate(lines) if ln.startswith("REPORT ")]
        assert len(start) == len(end) == len(report) == 1, lines
        assert lines[start[0]] == f"START RequestId: {rid} Version: $LATEST"
        assert lines[end[0]] == f"END RequestId: {rid}"
        assert start[0] < end[0] < report[0]
        rep = find_report(r.log_tail, rid)
        assert billed_matches(rep.duration_ms, rep.billed_ms), rep.line
        assert (rep.init_ms is not None) == (i == 0), rep.line


# --- 18. environment --------------------------------------------------------------------------------------

def test_18_environment_variables(service):
    name = service.create_peer("probe", memory=256, handler="probe.handler", env={"MY_VAR": "mine"})
    rep = _ok(service.invoke(name, b"{}")).json()
    env = rep["env"]
    expected = {
        "_HANDLER": "probe.handler",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "LANG": "en_US.UTF-8",
        "MY_VAR": "mine",
    }
    for k, v in expected.items():
        assert env.get(k) == v, (k, env.get(k))
    # Lambda's PATH first (a local service may append the host's, so host interpreters are found).
    assert (env.get("PATH", "") + ":").startswith("/usr/local/bin:/usr/bin/:/bin:/opt/bin:"), env.get("PATH")
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}",
                        env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")), env.get("AWS_LAMBDA_LOG_STREAM_NAME")
    assert re.fullmatch(r"[\w.\-\[\]:]+:\d+", env.get("AWS_LAMBDA_RUNTIME_API", "")), env
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT",
              "LAMBDA_RUNTIME_DIR", "LD_LIBRARY_PATH", "TZ"):
        assert k in env, f"{k} missing from the function's environment"
    # LAMBDA_TASK_ROOT is where the code is (the bootstrap was found there) and the working dir.
    assert rep["task_root_has_bootstrap"], env.get("LAMBDA_TASK_ROOT")
    assert Path(rep["cwd"]).resolve() == Path(env["LAMBDA_TASK_ROOT"]).resolve(), rep["cwd"]
    assert "_LAMBDA_SERVER_PORT" not in env


def test_18_reserved_variables_cannot_be_overridden(service):
    c = service.client
    name = unique_name("reserved")
    user = {"AWS_REGION": "eu-west-1", "AWS_LAMBDA_FUNCTION_NAME": "impostor",
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1", "MY_VAR": "mine"}
    # AWS's own answer: reserved keys are refused at creation, and named.
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        service.create_function(name, peer_zip("probe"), env=user)
    assert "reserved keys" in str(ei.value) and "AWS_REGION" in str(ei.value), ei.value
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName=name)
    # Unreserved ones are the function's: they reach it, and may even replace LANG or TZ.
    service.create_function(name, peer_zip("probe"), env={"MY_VAR": "mine", "TZ": "Europe/Paris"})
    env = _ok(service.invoke(name, b"{}")).json()["env"]
    assert env["AWS_REGION"] == REGION
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["MY_VAR"] == "mine"
    assert env["TZ"] == "Europe/Paris"


# --- 19. aws CLI invoke ---------------------------------------------------------------------------------

def test_19_aws_cli_invoke(service):
    name = service.create_example("echo")
    outfile = service.workdir / "out.json"
    payload = '{"via":"aws-cli"}'
    meta = service.aws_json("invoke", "--function-name", name, *service.cli_raw_payload_args(),
                            "--payload", payload, str(outfile))
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert outfile.read_bytes() == payload.encode()


# --- 20. unknown function -----------------------------------------------------------------------------

def test_20_unknown_function(service):
    r = service.invoke("nope", b"{}")
    body = _service_error(r, 404, "ResourceNotFoundException")
    assert _message(body) == f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:nope"
    assert body.get("Type") == "User", body
    c = service.client
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.invoke(FunctionName="nope", Payload=b"{}")


# --- 21. request limits --------------------------------------------------------------------------------

def test_21_request_over_the_limit_is_413(service):
    name = service.create_example("echo")
    r = service.invoke(name, json_string_payload(SYNC_REQUEST_LIMIT + 1))
    body = _service_error(r, 413, "RequestEntityTooLargeException")
    assert "6291456" in _message(body), body
    # The service is still fine, and the limit itself passes.
    payload = json_string_payload(SYNC_REQUEST_LIMIT)
    assert _ok(service.invoke(name, payload)).body == payload


def test_21_non_json_payload_is_400(service):
    name = service.create_example("echo")
    r = service.invoke(name, b"definitely { not json")
    _service_error(r, 400, "InvalidRequestContentException")


# --- 22 (DryRun only; Event is not implemented yet) ------------------------------------------------------

def test_22_dry_run_is_204_and_runs_nothing(service):
    name = service.create_peer("counter")
    r = service.invoke(name, b"{}", invocation_type="DryRun", log_type=None)
    assert r.status == 204, r.describe()
    assert r.body == b""
    assert service.function_processes() == {}, "DryRun started a function process"
    assert service.invocations(name) == []
    assert _ok(service.invoke(name, b"{}")).json()["count"] == 1
    r = service.invoke("nope", b"{}", invocation_type="DryRun", log_type=None)
    assert r.status == 404, r.describe()


# --- 23. LogType Tail ----------------------------------------------------------------------------------

def test_23_tail_holds_start_end_report_and_function_output(service):
    name = service.create_peer("counter")
    r = _ok(service.invoke(name, b"{}"))
    raw = base64.b64decode(r.header("X-Amz-Log-Result"))
    assert len(raw) <= 4096
    log = raw.decode()
    rid = r.request_id
    assert f"START RequestId: {rid} Version: $LATEST" in log
    assert f"END RequestId: {rid}" in log
    find_report(log, rid)
    assert f"counter: stdout invoke 1 RequestId {rid}" in log
    assert f"counter: stderr invoke 1 RequestId {rid}" in log
    r = _ok(service.invoke(name, b"{}", log_type=None))
    assert r.header("X-Amz-Log-Result") is None
    r = _ok(service.invoke(name, b"{}", log_type="None"))
    assert r.header("X-Amz-Log-Result") is None


def test_23_tail_is_the_last_4kb(service):
    name = service.create_peer("counter")
    r = _ok(service.invoke(name, {"print_kb": 16}))
    raw = base64.b64decode(r.header("X-Amz-Log-Result"))
    assert 3900 < len(raw) <= 4096, len(raw)
    log = raw.decode("utf-8", "replace")
    find_report(log, r.request_id)  # the end of the log is kept
    assert "START RequestId" not in log  # ... and its start (16 KB earlier) is not


def test_23_tail_of_a_failed_invoke(service):
    name = service.create_example("fail")
    r = _unhandled(service.invoke(name, b"{}"))
    log = r.log_tail
    assert f"START RequestId: {r.request_id}" in log and f"END RequestId: {r.request_id}" in log
    find_report(log, r.request_id)


# --- 24. concurrency -----------------------------------------------------------------------------------

def test_24_concurrency_limit(start_service, gate):
    service = start_service(max_concurrency=2)
    name = service.create_peer("counter")
    with ThreadPoolExecutor(max_workers=8) as pool:
        held = [pool.submit(service.invoke, name, {"gate_port": gate.port}, timeout=60)
                for _ in range(2)]
        try:
            pids = gate.wait_started(2)
            assert len(set(pids)) == 2, "two concurrent invokes need two environments"
            extra = [pool.submit(service.invoke, name, b"{}", timeout=30) for _ in range(4)]
            for f in extra:
                r = f.result(timeout=30)
                body = _service_error(r, 429, "TooManyRequestsException")
                assert body.get("Reason") in ("ConcurrentInvocationLimitExceeded",
                                              "ReservedFunctionConcurrentInvocationLimitExceeded"), body
                assert r.elapsed_s < 5, "a throttled invoke must be answered at once"
            assert service.alive
        finally:
            gate.release()
        for f in held:
            r = _ok(f.result(timeout=30))
            assert r.json()["count"] == 1
    r = _ok(service.invoke(name, b"{}"))
    assert r.json()["count"] == 2  # a warm one of the two was reused
    assert len(service.invocations(name)) == 3  # throttled calls never ran


# --- 25. client context -----------------------------------------------------------------------------

def test_25_client_context_reaches_the_function(service):
    name = service.create_peer("probe")
    ctx = {"custom": {"user": "ada", "n": 1}, "env": {"platform": "test"}, "client": {}}
    raw = json.dumps(ctx)
    out = service.client.invoke(FunctionName=name, Payload=b"{}",
                                ClientContext=base64.b64encode(raw.encode()).decode())
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    rep = json.loads(out["Payload"].read())
    assert json.loads(rep["headers"]["lambda-runtime-client-context"]) == ctx


# --- 26. names, ARNs, qualifiers ------------------------------------------------------------------------

def test_26_function_name_forms(service):
    name = service.create_example("hello")
    arn = function_arn(name)
    forms = {
        "name": name,
        "name:$LATEST": f"{name}:$LATEST",
        "name:%24LATEST": f"{name}:%24LATEST",
        "arn": arn,
        "url-encoded arn": urllib.parse.quote(arn, safe=""),
        "url-encoded arn:$LATEST": urllib.parse.quote(f"{arn}:$LATEST", safe=""),
    }
    for label, form in forms.items():
        r = service.invoke(form, b"{}")
        assert r.status == 200 and r.body == HELLO, (label, r.describe())
        assert r.header("X-Amz-Executed-Version") == "$LATEST", (label, r.headers)
        assert r.request_id, (label, r.headers)
    r = service.invoke(name, b"{}", qualifier="$LATEST")
    assert r.status == 200 and r.header("X-Amz-Executed-Version") == "$LATEST", r.describe()
    out = service.client.invoke(FunctionName=arn, Qualifier="$LATEST", Payload=b"{}")
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "$LATEST"
    assert out["Payload"].read() == HELLO
    # Resolution really reads the name out of the ARN.
    r = service.invoke(urllib.parse.quote(function_arn(name + "-other"), safe=""), b"{}")
    assert r.status == 404, r.describe()


# --- 27. management API -------------------------------------------------------------------------------

def test_27_management_api(service):
    c = service.client
    zip_bytes = example_zip("hello")
    name = unique_name("mgmt")
    cfg = c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                            Handler="bootstrap", Code={"ZipFile": zip_bytes},
                            Description="conformance", Timeout=5, MemorySize=192)
    assert cfg["ResponseMetadata"]["HTTPStatusCode"] == 201
    for key, value in {"FunctionName": name, "FunctionArn": function_arn(name),
                       "Runtime": "provided.al2023", "Role": ROLE, "Handler": "bootstrap",
                       "CodeSize": len(zip_bytes), "CodeSha256": code_sha256(zip_bytes),
                       "Timeout": 5, "MemorySize": 192, "Version": "$LATEST", "State": "Active",
                       "LastUpdateStatus": "Successful", "PackageType": "Zip"}.items():
        assert cfg.get(key) == value, (key, cfg.get(key))
    assert cfg.get("RevisionId") and cfg.get("LastModified")
    got = c.get_function(FunctionName=name)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Configuration"]["FunctionArn"] == function_arn(name)
    assert got["Configuration"]["CodeSha256"] == code_sha256(zip_bytes)
    assert got["Code"].get("RepositoryType")
    assert c.get_function(FunctionName=function_arn(name))["Configuration"]["FunctionName"] == name
    with pytest.raises(c.exceptions.ResourceConflictException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": zip_bytes})
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    others = [service.create_example("hello") for _ in range(4)]
    seen, marker, pages = [], None, 0
    while True:
        kw = {"MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        page = c.list_functions(**kw)
        pages += 1
        assert len(page["Functions"]) <= 2, page["Functions"]
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
        assert pages < 10, "NextMarker never ends"
    assert sorted(seen) == sorted([name] + others), seen
    assert pages == 3
    out = c.delete_function(FunctionName=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName=name)
    assert name not in [f["FunctionName"] for f in c.list_functions()["Functions"]]
