"""InvokeWithResponseStream (POST /2021-11-15/functions/NAME/response-streaming-invocations) on
`lambdakit serve`, read with the AWS SDKs' own event-stream decoders: boto3's
`invoke_with_response_stream` and the JS SDK's `InvokeWithResponseStreamCommand`. Neither aws CLI
major has the operation (the CLI leaves event-stream operations out), so no CLI here.

Functions: examples/stream (C++, the Runtime API's streaming mode), a nodejs20.x
`awslambda.streamifyResponse` handler run by AWS's aws-lambda-ric
(tests/service/functions/node_stream), buffered python3.12 (awslambdaric) and go1.x functions,
whose whole answer comes as chunks at the end.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import pytest

from lkgo1x import example_go1x_zip
from lkserve import FUNCTIONS_DIR, make_zip, unique_name
from lkzips import REPO_ROOT

MIB = 1024 * 1024


def stream(svc, name: str, payload: dict, **kw) -> tuple[dict, list[tuple[float, dict]]]:
    """boto3's invoke_with_response_stream: (the response without its stream, [(seconds since
    the call, event)])."""
    started = time.monotonic()
    r = svc.client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps(payload), **kw)
    events = [(time.monotonic() - started, e) for e in r.pop("EventStream")]
    return r, events


def chunks(events) -> bytes:
    return b"".join(e["PayloadChunk"]["Payload"] for _, e in events if "PayloadChunk" in e)


def complete(events) -> dict:
    assert events and "InvokeComplete" in events[-1][1], events[-3:]
    assert sum("InvokeComplete" in e for _, e in events) == 1, events
    return events[-1][1]["InvokeComplete"]


def create_node(svc, **kw) -> str:
    name = unique_name("nodestream")
    code = (FUNCTIONS_DIR / "node_stream" / "index.js").read_bytes()
    svc.create_function(name, make_zip({"index.js": code}), runtime="nodejs20.x",
                        handler="index.handler", **kw)
    return name


# -- chunks arrive as they are written ------------------------------------------------------------

def test_cpp_chunks_arrive_as_written(service):
    name = service.create_example("stream", timeout=10)
    meta, events = stream(service, name, {"chunks": 3, "delay_ms": 400})
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST", meta
    assert meta["ResponseStreamContentType"] == "application/vnd.amazon.eventstream", meta
    assert meta["ResponseMetadata"]["HTTPHeaders"]["x-lambdakit-content-type"] == "text/plain"
    parts = [(at, e["PayloadChunk"]["Payload"]) for at, e in events if "PayloadChunk" in e]
    assert [p for _, p in parts] == [b"chunk 0\n", b"chunk 1\n", b"chunk 2\n"], events
    # Buffered, all three would arrive together after ~0.8 s; streamed, 0.4 s apart.
    assert parts[2][0] - parts[0][0] >= 0.6, parts
    assert complete(events) == {}, events


def test_node_streamify_response_chunks_arrive_as_written(service):
    name = create_node(service, timeout=10)
    _, events = stream(service, name, {"chunks": 3, "delay_ms": 400})
    parts = [(at, e["PayloadChunk"]["Payload"]) for at, e in events if "PayloadChunk" in e]
    assert b"".join(p for _, p in parts) == b"part 0\npart 1\npart 2\n", events
    assert parts[-1][0] - parts[0][0] >= 0.6, parts
    assert complete(events) == {}


def test_the_js_sdk_reads_the_stream(service):
    modules = os.environ.get("LAMBDAKIT_JS_SDK", str(REPO_ROOT / ".deps/jssdk/node_modules"))
    assert os.path.isdir(os.path.join(modules, "@aws-sdk/client-lambda")), \
        f"no AWS SDK for JavaScript in {modules} (make deps installs it)"
    name = service.create_example("stream", timeout=10)
    script = REPO_ROOT / "tests/service/js/stream_invoke.cjs"

    def run(payload):
        out = subprocess.run(["node", str(script), modules, service.endpoint, name,
                              json.dumps(payload)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    got = run({"chunks": 3, "delay_ms": 400})
    assert got["status"] == 200 and got["executedVersion"] == "$LATEST", got
    assert got["contentType"] == "application/vnd.amazon.eventstream", got
    parts = [e for e in got["events"] if "chunk" in e]
    assert "".join(e["chunk"] for e in parts) == "chunk 0\nchunk 1\nchunk 2\n", got
    assert parts[-1]["at"] - parts[0]["at"] >= 600, got
    end = got["events"][-1]["complete"]
    assert "ErrorCode" not in end and "END RequestId" in __import__("base64").b64decode(
        end["LogResult"]).decode(), got

    failed = run({"chunks": 3, "fail_at": 2})
    assert "".join(e.get("chunk", "") for e in failed["events"]) == "chunk 0\nchunk 1\n", failed
    end = failed["events"][-1]["complete"]
    assert end["ErrorCode"] == "std::runtime_error", failed
    assert end["ErrorDetails"] == "stream failed after 2 chunks", failed


# -- errors and the end of the stream --------------------------------------------------------------

def test_mid_stream_errors_become_error_code_and_details(service):
    cpp = service.create_example("stream", timeout=10)
    _, events = stream(service, cpp, {"chunks": 5, "fail_at": 2}, LogType="Tail")
    assert chunks(events) == b"chunk 0\nchunk 1\n"
    end = complete(events)
    assert end["ErrorCode"] == "std::runtime_error", end
    assert end["ErrorDetails"] == "stream failed after 2 chunks", end
    import base64
    log = base64.b64decode(end["LogResult"]).decode()
    assert "REPORT RequestId" in log, log

    node = create_node(service, timeout=10)
    _, events = stream(service, node, {"chunks": 5, "fail_at": 1})
    assert chunks(events) == b"part 0\n"
    end = complete(events)
    assert end == {"ErrorCode": "Error", "ErrorDetails": "failed on purpose after 1 parts"}, end


def test_timeout_mid_stream_ends_with_sandbox_timedout(service):
    name = service.create_example("stream", timeout=1)
    _, events = stream(service, name, {"chunks": 3, "delay_ms": 1500})
    assert chunks(events) == b"chunk 0\n"
    end = complete(events)
    assert end["ErrorCode"] == "Sandbox.Timedout", end
    assert "Task timed out after 1.00 seconds" in end["ErrorDetails"], end
    # The environment was reset; the next call starts a new one and streams whole.
    _, events = stream(service, name, {"chunks": 2})
    assert chunks(events) == b"chunk 0\nchunk 1\n" and complete(events) == {}


def test_plain_invoke_of_a_streaming_function_gets_the_whole_body(service):
    name = service.create_example("stream", timeout=10)
    r = service.client.invoke(FunctionName=name, Payload=json.dumps({"chunks": 3}))
    assert r["Payload"].read() == b"chunk 0\nchunk 1\nchunk 2\n" and "FunctionError" not in r


@pytest.mark.managed_runtime
def test_buffered_python_answer_comes_as_chunks_then_complete(service):
    name = unique_name("pybuffered")
    code = (FUNCTIONS_DIR / "python_app" / "app.py").read_bytes()
    service.create_function(name, make_zip({"app.py": code}), runtime="python3.12",
                            handler="app.handler", timeout=10)
    _, events = stream(service, name, {"hello": "stream"})
    body = json.loads(chunks(events))
    assert body["event"] == {"hello": "stream"} and body["function_name"] == name, body
    assert complete(events) == {}
    _, events = stream(service, name, {"fail": True})
    assert chunks(events) == b""
    assert complete(events) == {"ErrorCode": "ValueError", "ErrorDetails": "failed on purpose"}


def test_go1x_answer_comes_whole_at_the_end(service):
    name = unique_name("go1xstream")
    service.create_function(name, example_go1x_zip("echo"), runtime="go1.x", handler="echo",
                            timeout=10)
    _, events = stream(service, name, {"n": 1})
    assert json.loads(chunks(events)) == {"n": 1}, events
    assert complete(events) == {}


# -- limits: AWS's burst, bandwidth and size ---------------------------------------------------------

def test_after_6_mib_the_stream_is_paced_at_2_mib_per_second(service):
    name = service.create_example("stream", timeout=30, memory=512)
    _, events = stream(service, name, {"chunks": 10, "size": MIB})  # 10 MiB: 4 MiB past the burst
    body = chunks(events)
    assert len(body) == 10 * MIB and body.startswith(b"chunk 0") and complete(events) == {}
    # The frames are cut at 1 MiB of payload at most (the SDKs accept up to 24 MiB a frame).
    assert max(len(e["PayloadChunk"]["Payload"]) for _, e in events if "PayloadChunk" in e) <= MIB
    # Find when the 6 MiB burst ran out, and how long the remaining 4 MiB took: >= ~2 s at 2 MiB/s.
    seen, burst_end = 0, None
    for at, e in events:
        if "PayloadChunk" in e:
            seen += len(e["PayloadChunk"]["Payload"])
            if burst_end is None and seen >= 6 * MIB:
                burst_end = at
    assert events[-1][0] - burst_end >= 1.6, (burst_end, events[-1][0])


def test_a_stream_past_200_mib_ends_with_response_size_too_large(start_service):
    svc = start_service(extra_args=["--stream-bandwidth", "0"])  # uncapped: 200 MiB in seconds
    name = svc.create_example("stream", timeout=60, memory=512)
    started = time.monotonic()
    r = svc.client.invoke_with_response_stream(FunctionName=name,
                                               Payload=json.dumps({"chunks": 210, "size": MIB}))
    total, last = 0, None
    for e in r["EventStream"]:
        if "PayloadChunk" in e:
            total += len(e["PayloadChunk"]["Payload"])
        last = e
    assert total == 200 * MIB, total
    end = last["InvokeComplete"]
    assert end["ErrorCode"] == "Function.ResponseSizeTooLarge", end
    assert "209715200 bytes" in end["ErrorDetails"], end
    assert time.monotonic() - started < 50
    # The function got 413 for its answer and its environment lives on.
    _, events = stream(svc, name, {"chunks": 1})
    assert chunks(events) == b"chunk 0\n" and complete(events) == {}


# -- what is refused before a stream begins -----------------------------------------------------------

def test_refusals_come_as_plain_errors_before_any_stream(service):
    c = service.client
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.invoke_with_response_stream(FunctionName="no-such-function", Payload=b"{}")
    name = service.create_example("stream", timeout=10)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.invoke_with_response_stream(FunctionName=name, Qualifier="7", Payload=b"{}")
    with pytest.raises(c.exceptions.InvalidRequestContentException):
        c.invoke_with_response_stream(FunctionName=name, Payload=b"{not json")
    with pytest.raises(c.exceptions.ClientError) as e:
        c.invoke_with_response_stream(FunctionName=name, Payload=b'"' + b"a" * 6291456 + b'"')
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLargeException", e.value.response
    r = c.invoke_with_response_stream(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert r["StatusCode"] == 204, r
    # Event is not an invocation type of this operation (botocore's model lists only
    # RequestResponse and DryRun, so send it raw).
    r = service.http("POST", f"/2021-11-15/functions/{name}/response-streaming-invocations", b"{}",
                     {"X-Amz-Invocation-Type": "Event"})
    assert r.status == 400 and r.headers.get("x-amzn-errortype", "").startswith(
        "ValidationException"), r.describe()
    assert "[RequestResponse, DryRun]" in r.json()["message"]
    c.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(c.exceptions.TooManyRequestsException):
        c.invoke_with_response_stream(FunctionName=name, Payload=b"{}")
    assert service.invocations(name) == []


def test_a_caller_that_leaves_mid_stream_harms_nothing(service):
    name = service.create_example("stream", timeout=10)
    body = json.dumps({"chunks": 4, "delay_ms": 300}).encode()
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as s:
        s.sendall(b"POST /2021-11-15/functions/" + name.encode() +
                  b"/response-streaming-invocations HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                  str(len(body)).encode() + b"\r\n\r\n" + body)
        got = b""
        while b"chunk 0" not in got:
            data = s.recv(65536)
            assert data, got
            got += data
        assert b"Transfer-Encoding: chunked" in got and b"application/vnd.amazon.eventstream" in got
    # The function finishes its invoke (its writes dropped); the environment serves the next.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        recs = service.invocations(name)
        if recs and recs[0]["status"] == "success":
            break
        time.sleep(0.1)
    assert recs and recs[0]["status"] == "success", recs
    _, events = stream(service, name, {"chunks": 2})
    assert chunks(events) == b"chunk 0\nchunk 1\n" and complete(events) == {}
    assert len(service.invocations(name)) == 2 and not service.invocations(name)[1]["cold"]


def test_an_empty_streamed_answer_with_content_length_0_ends_at_once(service):
    """A runtime's streamed /response with `Content-Length: 0` (the probe peer, raw HTTP): the
    body is over with its head, so the stream ends now, not at the function's timeout."""
    name = service.create_peer("probe", timeout=10)
    t0 = time.monotonic()
    meta, events = stream(service, name, {"steps": [
        {"op": "post", "kind": "response", "id": "current", "body": "",
         "headers": {"Lambda-Runtime-Function-Response-Mode": "streaming",
                     "Content-Type": "text/plain"}}]})
    took = time.monotonic() - t0
    assert chunks(events) == b""
    assert complete(events) == {}, events
    assert took < 5, f"the stream took {took:.1f}s: it waited for a body that never comes"
