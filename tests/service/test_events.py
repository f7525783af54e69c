"""Asynchronous invokes (X-Amz-Invocation-Type: Event) on `lambdakit serve`: 202 after the event
is stored, delivery by the same environments, AWS's retries, ages and destinations, the event
invoke configuration API, dead letters, and `lambdakit events`.

Every service here runs with `--event-time-scale 0.01`: AWS's retry delays (1 and 2 minutes)
become 0.6 s and 1.2 s, MaximumEventAgeInSeconds=60 becomes 0.6 s. The function is
tests/service/functions/event_app (python3.12), which reports each attempt to a collector."""
from __future__ import annotations

import json
import subprocess
import time

import botocore.exceptions
import pytest

from lkevents import (FAST, Collector, create_event_function, listing, send_event,
                      wait_listing)
from lkserve import bin_dir, function_arn, unique_name


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


@pytest.fixture
def svc(start_service):
    return start_service(extra_args=FAST)


def test_event_runs_once_with_the_request_id_of_its_202(svc, collector):
    name = create_event_function(svc, collector)
    rid = send_event(svc, name, {"n": 1})
    collector.wait(lambda: collector.of("end", rid), 20, "the event ran")
    svc.wait_for_log(rf"event {rid} succeeded on attempt 1")
    time.sleep(0.5)  # nothing more may come
    starts = collector.of("start", rid)
    assert len(starts) == 1, starts
    assert starts[0]["event"] == {"n": 1}
    # The same environments, logs and records as synchronous invokes.
    log = svc.read_log()
    assert f"START RequestId: {rid}" in log and f"REPORT RequestId: {rid}" in log
    rec = [r for r in svc.invocations(name) if r["request_id"] == rid]
    assert len(rec) == 1 and rec[0]["type"] == "Event" and rec[0]["status"] == "success", rec
    assert listing(svc, name, "queued") == [] and listing(svc, name, "dead") == []
    # A warm environment serves a synchronous invoke afterwards (same pid).
    r = svc.invoke(name, {"n": 2})
    assert r.status == 200, r.describe()
    assert collector.of("start")[-1]["pid"] == starts[0]["pid"]


def test_event_with_the_aws_cli(svc, collector, cli, tmp_path):
    """`aws lambda invoke --invocation-type Event` with each CLI major (the cli fixture says which)."""
    name = create_event_function(svc, collector)
    out = tmp_path / "out.json"
    args = ["invoke", "--function-name", name, "--invocation-type", "Event",
            "--payload", '{"n": 7}', str(out)]
    if cli.endswith("/usr/bin/aws"):  # v2 takes --payload as base64 unless told otherwise
        args[-1:-1] = ["--cli-binary-format", "raw-in-base64-out"]
    r = svc.aws(*args, cli=cli)
    assert json.loads(r.stdout)["StatusCode"] == 202, r.stdout
    assert out.read_bytes() == b""
    collector.wait(lambda: collector.of("end", fn=name), 20, "the CLI's event ran")
    assert [s["event"] for s in collector.of("start", fn=name)] == [{"n": 7}]


def test_event_with_boto3(svc, collector):
    name = create_event_function(svc, collector)
    r = svc.client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
    assert r["StatusCode"] == 202, r
    rid = r["ResponseMetadata"]["RequestId"]
    assert r["Payload"].read() == b""
    collector.wait(lambda: collector.of("end", rid), 20, "boto3's event ran")
    assert collector.of("start", rid)[0]["event"] == {"n": 3}


def test_retried_twice_by_default_then_a_dead_letter(svc, collector):
    name = create_event_function(svc, collector)
    rid = send_event(svc, name, {"fail": True, "n": 9})
    dead = wait_listing(svc, name, "dead", 1, timeout=30)
    starts = collector.of("start", rid)
    assert len(starts) == 3, starts  # the attempt and AWS's two retries
    gaps = [b["received"] - a["received"] for a, b in zip(starts, starts[1:])]
    # 1 and 2 minutes on AWS, scaled by 0.01 (lower bounds only: the machine may be slow).
    assert gaps[0] >= 0.55 and gaps[1] >= 1.15, gaps
    d = dead[0]
    assert d["request_id"] == rid and d["attempts"] == 3 and d["reason"] == "RetriesExhausted", d
    assert d["payload"] == {"fail": True, "n": 9}
    assert "RuntimeError" in d["last_error"] and "failed on purpose (9)" in d["last_error"], d
    assert d["last_response"]["errorType"] == "RuntimeError", d
    svc.wait_for_log(rf"event {rid} is a dead letter \(RetriesExhausted, 3 attempts")
    assert listing(svc, name, "queued") == []
    # `lambdakit events` shows it.
    out = subprocess.run([str(bin_dir() / "lambdakit"), "events", name, "--endpoint-url",
                          svc.endpoint], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f"1 dead letters of {name}" in out.stdout, out.stdout
    assert rid in out.stdout and "RetriesExhausted" in out.stdout and "attempts 3" in out.stdout
    js = subprocess.run([str(bin_dir() / "lambdakit"), "events", name, "--json", "--endpoint-url",
                         svc.endpoint], capture_output=True, text=True, timeout=30)
    assert json.loads(js.stdout)["events"][0]["request_id"] == rid


def test_event_invoke_of_an_alias_runs_its_version(svc, collector):
    """The queue keeps the qualifier: the alias picks its version at delivery, and the
    destination record names the alias and the version that ran."""
    sink = create_event_function(svc, collector, unique_name("sink"))
    name = create_event_function(svc, collector)
    svc.client.publish_version(FunctionName=name)
    svc.client.update_function_configuration(FunctionName=name, Description="after v1")
    svc.client.publish_version(FunctionName=name)
    svc.client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    svc.client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": function_arn(sink)}})
    r = svc.invoke(name, {"n": 1}, invocation_type="Event", log_type=None, qualifier="live")
    assert r.status == 202, r.describe()
    r = svc.invoke(f"{name}:2", {"n": 2}, invocation_type="Event", log_type=None)
    assert r.status == 202, r.describe()
    collector.wait(lambda: len(collector.of("end", fn=sink)) == 2, 20, "two records at the sink")
    by_payload = {json.dumps(x["event"]["requestPayload"]): x["event"]
                  for x in collector.of("start", fn=sink)}
    live = by_payload[json.dumps({"n": 1})]
    assert live["requestContext"]["functionArn"] == function_arn(name) + ":live"
    assert live["responseContext"]["executedVersion"] == "1"
    v2 = by_payload[json.dumps({"n": 2})]
    assert v2["requestContext"]["functionArn"] == function_arn(name) + ":2"
    assert v2["responseContext"]["executedVersion"] == "2"
    svc.client.delete_alias(FunctionName=name, Name="live")
    r = svc.invoke(name, {"n": 4}, invocation_type="Event", log_type=None, qualifier="live")
    assert r.status == 404, "an alias that is gone is refused at the 202 already"


def test_retry_that_succeeds_leaves_no_dead_letter(svc, collector):
    name = create_event_function(svc, collector)
    rid = send_event(svc, name, {"fail_first": "a"})
    svc.wait_for_log(rf"event {rid} succeeded on attempt 2", timeout=20)
    assert len(collector.of("start", rid)) == 2
    assert listing(svc, name, "dead") == []


def test_maximum_retry_attempts_zero(svc, collector):
    name = create_event_function(svc, collector)
    svc.client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    rid = send_event(svc, name, {"fail": True})
    dead = wait_listing(svc, name, "dead", 1)
    assert dead[0]["attempts"] == 1
    time.sleep(1.0)  # a retry would come after 0.6 s
    assert len(collector.of("start", rid)) == 1


def test_destinations_on_success_and_on_failure(svc, collector):
    sink = create_event_function(svc, collector, unique_name("sink"))
    name = create_event_function(svc, collector)
    svc.client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": function_arn(sink)},
                           "OnFailure": {"Destination": function_arn(sink)}})
    ok = send_event(svc, name, {"n": 1})
    bad = send_event(svc, name, {"n": 2, "fail": True})
    collector.wait(lambda: len(collector.of("end", fn=sink)) == 2, 20, "two records at the sink")
    records = {r["event"]["requestContext"]["requestId"]: r["event"]
               for r in collector.of("start", fn=sink)}
    s = records[ok]
    assert s["version"] == "1.0" and s["timestamp"].endswith("Z")
    assert s["requestContext"] == {"requestId": ok, "functionArn": function_arn(name) + ":$LATEST",
                                   "condition": "Success", "approximateInvokeCount": 1}
    assert s["requestPayload"] == {"n": 1}
    assert s["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert s["responsePayload"] == {"n": 1, "ok": True}
    f = records[bad]
    assert f["requestContext"]["condition"] == "RetriesExhausted"
    assert f["requestContext"]["approximateInvokeCount"] == 1
    assert f["responseContext"]["functionError"] == "Unhandled"
    assert f["responsePayload"]["errorType"] == "RuntimeError"
    assert f["requestPayload"] == {"n": 2, "fail": True}


def test_destinations_that_are_not_local_functions_are_kept(svc, collector):
    name = create_event_function(svc, collector)
    queue = "arn:aws:sqs:us-east-1:000000000000:failures"
    svc.client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue}})
    svc.client.update_function_configuration(
        FunctionName=name, DeadLetterConfig={"TargetArn": "arn:aws:sns:us-east-1:000000000000:dlq"})
    cfg = svc.client.get_function_configuration(FunctionName=name)
    assert cfg["DeadLetterConfig"] == {"TargetArn": "arn:aws:sns:us-east-1:000000000000:dlq"}
    rid = send_event(svc, name, {"fail": True})
    kept = wait_listing(svc, name, "records", 2)
    by_dest = {k["destination"]: k for k in kept}
    assert by_dest[queue]["condition"] == "RetriesExhausted"
    assert by_dest[queue]["record"]["requestContext"]["requestId"] == rid
    dlq = by_dest["arn:aws:sns:us-east-1:000000000000:dlq"]
    assert dlq["condition"] == "DeadLetterQueue"
    assert dlq["record"]["attributes"]["RequestID"] == rid
    assert json.loads(dlq["record"]["body"]) == {"fail": True}


def test_event_age_exceeded_without_running(svc, collector):
    """Reserved concurrency 0: every delivery is throttled, so the event waits until its age runs
    out (60 s, scaled to 0.6 s); it never runs, and the failure destination hears of it."""
    sink = create_event_function(svc, collector, unique_name("sink"))
    name = create_event_function(svc, collector)
    assert svc.invoke(name, {"n": "warm"}).status == 200  # an idle warm environment exists...
    svc.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    r = svc.invoke(name, {"n": "sync"})  # ...and still, nothing may run
    assert r.status == 429, r.describe()
    svc.client.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": function_arn(sink)}})
    rid = send_event(svc, name, {"n": 1})
    dead = wait_listing(svc, name, "dead", 1, timeout=20)
    assert dead[0]["reason"] == "EventAgeExceeded" and dead[0]["attempts"] == 0, dead
    collector.wait(lambda: collector.of("end", fn=sink), 20, "the age record at the sink")
    rec = collector.of("start", fn=sink)[0]["event"]
    assert rec["requestContext"]["condition"] == "EventAgeExceeded"
    assert rec["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in rec
    assert collector.of("start", rid) == []


def test_events_wait_for_the_one_environment_they_may_use(svc, collector):
    """Reserved concurrency 1: events queue behind each other instead of failing; each runs, one
    at a time."""
    name = create_event_function(svc, collector)
    svc.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    rids = [send_event(svc, name, {"n": i, "sleep": 0.25}) for i in range(6)]
    collector.wait(lambda: len(collector.of("end", fn=name)) == 6, 30, "all six ran")
    spans = sorted((s["t"], e["t"]) for rid in rids
                   for s, e in [(collector.of("start", rid)[0], collector.of("end", rid)[0])])
    for (s1, e1), (s2, _) in zip(spans, spans[1:]):
        assert s2 >= e1 - 0.01, f"two events ran at once: {spans}"
    assert len({r["pid"] for r in collector.of("start", fn=name)}) == 1
    assert listing(svc, name, "dead") == []


def test_async_payload_limit_is_1_mb(svc, collector):
    name = create_event_function(svc, collector)
    limit = 1048576
    exact = b'"' + b"a" * (limit - 2) + b'"'
    send_event(svc, name, exact)
    over = b'"' + b"a" * (limit - 1) + b'"'
    r = svc.invoke(name, over, invocation_type="Event", log_type=None)
    assert r.status == 413, r.describe()
    assert r.headers["x-amzn-errortype"].startswith("RequestEntityTooLargeException")
    assert b"1048576" in r.body
    with pytest.raises(botocore.exceptions.ClientError) as e:
        svc.client.invoke(FunctionName=name, InvocationType="Event", Payload=over)
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    # The synchronous limit is unchanged (6 MB).
    assert svc.invoke(name, over, log_type=None).status == 200


def test_dry_run_is_unchanged(svc, collector):
    name = create_event_function(svc, collector)
    r = svc.invoke(name, {"n": 1}, invocation_type="DryRun", log_type=None)
    assert r.status == 204, r.describe()
    time.sleep(0.3)
    assert collector.of(fn=name) == []


def test_deleted_functions_events_are_dropped_not_given_to_a_new_one(svc, collector):
    name = create_event_function(svc, collector)
    svc.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    for i in range(5):
        send_event(svc, name, {"n": i})
    assert len(listing(svc, name, "queued")) == 5
    svc.client.delete_function(FunctionName=name)
    svc.wait_for_log(rf"\[{name}\] lambdakit: DeleteFunction dropped 5 queued event\(s\)")
    create_event_function(svc, collector, name)  # same name, room to run
    rid = send_event(svc, name, {"n": "new"})
    collector.wait(lambda: collector.of("end", rid), 20, "the new function's own event")
    time.sleep(1.0)
    assert [s["event"] for s in collector.of("start", fn=name)] == [{"n": "new"}]
    assert listing(svc, name, "queued") == []


def test_event_invoke_config_api(svc, collector):
    c = svc.client
    name = create_event_function(svc, collector)
    other = function_arn(create_event_function(svc, collector))
    arn = function_arn(name)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function_event_invoke_config(FunctionName=name)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    put = c.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1,
                                             DestinationConfig={"OnSuccess": {"Destination": other}})
    assert put["FunctionArn"] == arn + ":$LATEST"
    assert put["MaximumRetryAttempts"] == 1 and "MaximumEventAgeInSeconds" not in put
    assert put["DestinationConfig"] == {"OnSuccess": {"Destination": other}, "OnFailure": {}}
    assert abs(put["LastModified"].timestamp() - time.time()) < 60
    up = c.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=3600)
    assert up["MaximumRetryAttempts"] == 1 and up["MaximumEventAgeInSeconds"] == 3600
    assert up["DestinationConfig"]["OnSuccess"] == {"Destination": other}
    got = c.get_function_event_invoke_config(FunctionName=arn)
    assert got["MaximumEventAgeInSeconds"] == 3600
    # Put replaces: what it does not name goes back to the default.
    again = c.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=120)
    assert "MaximumRetryAttempts" not in again and again["DestinationConfig"]["OnSuccess"] == {}
    listed = c.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert len(listed) == 1 and listed[0]["MaximumEventAgeInSeconds"] == 120
    c.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.delete_function_event_invoke_config(FunctionName=name)
    assert c.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"] == []
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.put_function_event_invoke_config(FunctionName="no-such-fn", MaximumRetryAttempts=1)


@pytest.mark.parametrize("body, code, words", [
    ({"MaximumRetryAttempts": 3}, "ValidationException", "less than or equal to 2"),
    ({"MaximumRetryAttempts": -1}, "ValidationException", "greater than or equal to 0"),
    ({"MaximumEventAgeInSeconds": 59}, "ValidationException", "greater than or equal to 60"),
    ({"MaximumEventAgeInSeconds": 21601}, "ValidationException", "less than or equal to 21600"),
    ({"MaximumRetryAttempts": 9223372036854775808}, "ValidationException", "less than or equal"),
    ({"MaximumRetryAttempts": "1"}, "InvalidRequestContentException", "must be an integer"),
    ({}, "InvalidParameterValueException", "at least one"),
    ({"Bogus": 1}, "InvalidRequestContentException", "Unknown field \"Bogus\""),
    ({"DestinationConfig": {"OnSuccess": {"Destination": "not-an-arn"}}}, "ValidationException",
     "destinationConfig.onSuccess.destination"),
    ({"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}},
     "InvalidParameterValueException", "S3 buckets"),
    ({"DestinationConfig": {"OnFailure": {"Destination": "SELF"}}},
     "InvalidParameterValueException", "destination for itself"),
])
def test_event_invoke_config_refuses_bad_values(svc, collector, body, code, words):
    name = create_event_function(svc, collector)
    if body.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination") == "SELF":
        body = {"DestinationConfig": {"OnFailure": {"Destination": function_arn(name)}}}
    raw = json.dumps(body).encode()
    r = svc.http("PUT", f"/2019-09-25/functions/{name}/event-invoke-config", raw,
                 {"Content-Type": "application/json"})
    assert r.status == 400, r.describe()
    assert r.headers["x-amzn-errortype"].startswith(code), r.describe()
    assert words in r.json()["message"], r.json()
    # Nothing was stored.
    assert svc.http("GET", f"/2019-09-25/functions/{name}/event-invoke-config").status == 404


def test_dead_letter_config_is_validated(svc, collector):
    name = create_event_function(svc, collector)
    with pytest.raises(svc.client.exceptions.InvalidParameterValueException) as e:
        svc.client.update_function_configuration(
            FunctionName=name, DeadLetterConfig={"TargetArn": "arn:aws:lambda:us-east-1:000000000000:function:x"})
    assert "SQS queue or an SNS topic" in str(e.value)
    assert "DeadLetterConfig" not in svc.client.get_function_configuration(FunctionName=name)


def test_event_with_the_aws_sdk_for_javascript(svc, collector):
    """@aws-sdk/client-lambda (v3), installed by scripts/install-deps into .deps/jssdk."""
    from lkzips import REPO_ROOT
    import os
    modules = os.environ.get("LAMBDAKIT_JS_SDK", str(REPO_ROOT / ".deps/jssdk/node_modules"))
    assert os.path.isdir(os.path.join(modules, "@aws-sdk/client-lambda")), \
        f"no AWS SDK for JavaScript in {modules} (make deps installs it)"
    sink = create_event_function(svc, collector, unique_name("sink"))
    name = create_event_function(svc, collector)
    script = REPO_ROOT / "tests/service/js/event_invoke.cjs"
    out = subprocess.run(["node", str(script), modules, svc.endpoint, name, function_arn(sink)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["status"] == 202 and got["payloadBytes"] == 0, got
    assert got["putRetries"] == 1 and got["destination"] == function_arn(sink)
    assert got["lastModifiedIsDate"] and abs(got["lastModified"] / 1000 - time.time()) < 60, got
    assert got["tooLarge"] == "RequestEntityTooLargeException", got
    rid = got["requestId"]
    collector.wait(lambda: collector.of("end", rid), 20, "the JS SDK's event ran")
    collector.wait(lambda: collector.of("end", fn=sink), 20, "its success record at the sink")
    assert collector.of("start", fn=sink)[0]["event"]["requestContext"]["requestId"] == rid
