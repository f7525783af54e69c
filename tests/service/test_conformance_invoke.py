"""The conformance checklist of the runtime-api spec (§6), items 16-27: the environment and the
Invoke API as a caller sees them (what survives a reset, START/END/REPORT, variables, the aws CLI,
limits, DryRun, Tail, concurrency, client context, names, management API).

Not here: 22 Event (test_events.py; only DryRun here), 28-29 streaming (test_streaming.py),
30 extensions (not implemented yet).
Items 1-15: test_conformance_runtime_api.py.
"""

import base64
import json
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lkconformance import (HELLO, _message, _ok, _service_error, _unhandled)
from lkserve import (ACCOUNT, REGION, ROLE, SYNC_REQUEST_LIMIT, billed_matches, code_sha256,
                     example_zip, find_report, function_arn,
                     json_string_payload, peer_zip, unique_name)


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
