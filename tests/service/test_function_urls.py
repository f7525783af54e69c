"""Function URLs, end to end: the *FunctionUrlConfig calls (boto3 and both aws CLI majors), and the
URLs themselves driven by curl and Python's http.client: the payload format 2.0 event (headers,
cookies, query strings, binary bodies), the answer mapped back (statusCode, headers, cookies,
isBase64Encoded, the plain-JSON shortcut), errors, CORS, aliases, and RESPONSE_STREAM.

Run: python3 -m pytest -q tests/service/test_function_urls.py   (needs `make build`)
"""

import base64
import http.client
import json
import subprocess
import time
import urllib.parse

import pytest

from lkserve import client_error, function_arn, make_zip, unique_name

ECHO_EVENT = b"""import base64, json
def handler(event, context):
    q = event.get("queryStringParameters") or {}
    if q.get("mode") == "string":
        return "Hello, world!"
    if q.get("mode") == "dict":
        return {"message": "Hello, world!"}
    if q.get("mode") == "binary":
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    if q.get("mode") == "fail":
        raise RuntimeError("failed on purpose")
    if q.get("mode") == "text":
        return {"statusCode": 200, "body": "plain"}
    return {"statusCode": 201,
            "headers": {"content-type": "application/json", "x-custom": "custom value",
                        "access-control-allow-origin": "https://evil.example"},
            "cookies": ["a=1; Path=/", "b=2; Max-Age=60"],
            "body": json.dumps({"event": event, "version": context.function_version})}
"""

NODE_HTTP_STREAM = b"""const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = awslambda.streamifyResponse(async (event, responseStream, _context) => {
  const status = Number((event.queryStringParameters || {}).status || 202);
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: status, headers: {"content-type": "text/plain", "x-streamed": "yes"},
    cookies: ["s=1"]});
  // The prelude goes out before the first write: a 204 writes bytes too, which HTTP drops.
  if (status === 204) { out.write("dropped"); out.end(); return; }
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(300);
    out.write(`part ${i}\\n`);
  }
  out.end();
});
"""


def _python_url(service, **url_kw) -> tuple[str, dict]:
    name = unique_name("url")
    service.create_function(name, make_zip({"app.py": ECHO_EVENT}), runtime="python3.12",
                            handler="app.handler")
    cfg = service.client.create_function_url_config(FunctionName=name, AuthType="NONE", **url_kw)
    return name, cfg


def _split(url: str) -> tuple[str, int, str]:
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port, u.path


def _request(url: str, method: str = "GET", path: str = "", body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """`method` on the function URL `url` plus `path` (which may hold a query): (status, header
    list with repeats, body)."""
    host, port, root = _split(url)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, root.rstrip("/") + (path or "/"), body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def _header(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


@pytest.mark.managed_runtime
def test_request_becomes_the_2_0_event_and_the_answer_maps_back(service):
    name, cfg = _python_url(service)
    assert cfg["FunctionUrl"].endswith("/") and cfg["AuthType"] == "NONE"
    assert cfg["FunctionArn"] == function_arn(name) and cfg["InvokeMode"] == "BUFFERED"
    status, headers, body = _request(
        cfg["FunctionUrl"], "POST", "/a/b%20c?x=1&x=2&y=h%20i&flag",
        body=b'{"k": "v"}',
        headers={"Content-Type": "application/json", "Cookie": "c1=v1; c2=v2",
                 "X-Multi": "one", "User-Agent": "lk-test/1"})
    assert status == 201
    assert _header(headers, "x-custom") == ["custom value"]
    assert _header(headers, "Set-Cookie") == ["a=1; Path=/", "b=2; Max-Age=60"]
    out = json.loads(body)
    event = out["event"]
    assert out["version"] == "$LATEST"
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/a/b%20c"
    assert event["rawQueryString"] == "x=1&x=2&y=h%20i&flag"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "h i", "flag": ""}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "one" and event["headers"]["content-type"] == \
        "application/json"
    assert event["body"] == '{"k": "v"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    url_id = _split(cfg["FunctionUrl"])[2].strip("/").split("/")[-1]
    assert ctx["apiId"] == url_id and ctx["domainPrefix"] == url_id
    assert ctx["domainName"] == f"{url_id}.lambda-url.us-east-1.on.aws"
    assert ctx["http"] == {"method": "POST", "path": "/a/b c", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "lk-test/1"}
    assert ctx["stage"] == "$default" and abs(ctx["timeEpoch"] / 1000 - time.time()) < 60


@pytest.mark.managed_runtime
def test_binary_bodies_both_ways_with_curl(service):
    name, cfg = _python_url(service)
    blob = bytes(range(256)) * 4
    out = subprocess.run(
        ["curl", "-sS", "-X", "PUT", "-H", "Content-Type: application/octet-stream",
         "--data-binary", "@-", cfg["FunctionUrl"] + "bin"],
        input=blob, capture_output=True, timeout=30, check=True).stdout
    event = json.loads(out)["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == blob
    got = subprocess.run(["curl", "-sS", "-D", "-", cfg["FunctionUrl"] + "?mode=binary"],
                         capture_output=True, timeout=30, check=True).stdout
    head, _, data = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"application/octet-stream" in head
    assert data == bytes(range(256))


@pytest.mark.managed_runtime
def test_answers_without_status_code_errors_and_limits(service):
    _, cfg = _python_url(service)
    url = cfg["FunctionUrl"]
    status, headers, body = _request(url, path="/?mode=string")
    assert status == 200 and body == b"Hello, world!", "AWS answers a JSON string as its text"
    assert _header(headers, "Content-Type") == ["application/json"]
    status, _, body = _request(url, path="/?mode=dict")
    assert status == 200 and json.loads(body) == {"message": "Hello, world!"}
    status, headers, body = _request(url, path="/?mode=text")
    assert status == 200 and body == b"plain"
    assert _header(headers, "Content-Type") == ["application/json"], "AWS's default"
    status, _, body = _request(url, path="/?mode=fail")
    assert status == 502 and body == b"Internal Server Error"
    status, _, _ = _request(url, "POST", body=b"x" * (6 * 1024 * 1024 + 1),
                            headers={"Content-Type": "text/plain"})
    assert status == 413
    host, port, _ = _split(url)
    status, headers, body = _request(f"http://{host}:{port}/lambda-url/{'0' * 32}/")
    assert status == 403 and json.loads(body) == {"Message": None}
    assert _header(headers, "x-amzn-ErrorType") == ["AccessDeniedException"]


def test_a_cpp_function_behind_a_url_and_the_host_form(service):
    """The hello example (C++, provided.al2023) answers plain JSON: 200 application/json. The
    URL's host form (<id>.lambda-url.<region>.localhost) reaches it too."""
    name = service.create_example("hello")
    cfg = service.client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    status, headers, body = _request(cfg["FunctionUrl"])
    assert status == 200 and json.loads(body) == {"message": "Hello World"}
    url_id = _split(cfg["FunctionUrl"])[2].strip("/").split("/")[-1]
    r = service.http("GET", "/anything?q=1",
                     headers={"Host": f"{url_id}.lambda-url.us-east-1.localhost:{service.port}"})
    assert r.status == 200 and json.loads(r.body) == {"message": "Hello World"}
    assert r.header("x-amzn-RequestId")


@pytest.mark.managed_runtime
def test_cors_preflight_and_simple_requests(service):
    _, cfg = _python_url(service, Cors={
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["x-token"], "ExposeHeaders": ["x-custom"], "MaxAge": 600,
        "AllowCredentials": True})
    url = cfg["FunctionUrl"]
    assert cfg["Cors"]["AllowOrigins"] == ["https://app.example"]
    pre = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    status, headers, body = _request(url, "OPTIONS", headers=pre)
    assert status == 200 and body == b""
    assert _header(headers, "Access-Control-Allow-Origin") == ["https://app.example"]
    assert _header(headers, "Access-Control-Allow-Methods") == ["GET,POST"]
    assert _header(headers, "Access-Control-Allow-Headers") == ["x-token"]
    assert _header(headers, "Access-Control-Max-Age") == ["600"]
    assert _header(headers, "Access-Control-Allow-Credentials") == ["true"]
    status, headers, _ = _request(url, "OPTIONS", headers={**pre, "Origin": "https://other"})
    assert status == 200 and not _header(headers, "Access-Control-Allow-Origin")
    status, headers, _ = _request(url, "GET", headers={"Origin": "https://app.example"})
    assert status == 201
    # The function's own Access-Control-* header is replaced by the URL's CORS.
    assert _header(headers, "Access-Control-Allow-Origin") == ["https://app.example"]
    assert _header(headers, "Access-Control-Expose-Headers") == ["x-custom"]


@pytest.mark.managed_runtime
def test_url_config_calls_and_an_alias_url(service):
    c = service.client
    name, cfg = _python_url(service)
    arn = function_arn(name)
    msg = client_error(lambda: c.create_function_url_config(FunctionName=name, AuthType="NONE"),
                 "ResourceConflictException")
    assert msg == (f"Failed to create function url config for [functionArn = {arn}]. Error "
                   "message:  FunctionUrlConfig exists for this Lambda function")
    got = c.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == cfg["FunctionUrl"] and got["LastModifiedTime"]
    up = c.update_function_url_config(FunctionName=name, InvokeMode="RESPONSE_STREAM",
                                      Cors={"AllowOrigins": ["*"]})
    assert up["InvokeMode"] == "RESPONSE_STREAM" and up["Cors"]["AllowOrigins"] == ["*"]
    assert up["FunctionUrl"] == cfg["FunctionUrl"], "a URL never changes"
    client_error(lambda: c.create_function_url_config(FunctionName=name, AuthType="OPEN"),
           "ValidationException")

    c.publish_version(FunctionName=name)
    c.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    live = c.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")
    assert live["FunctionArn"] == arn + ":live" and live["FunctionUrl"] != cfg["FunctionUrl"]
    status, _, body = _request(live["FunctionUrl"])
    assert status == 201 and json.loads(body)["version"] == "1"
    client_error(lambda: c.create_function_url_config(FunctionName=name, Qualifier="1",
                                                AuthType="NONE"), "ValidationException")
    client_error(lambda: c.create_function_url_config(FunctionName=name, Qualifier="nope",
                                                AuthType="NONE"), "ResourceNotFoundException")
    listed = c.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert sorted(x["FunctionArn"] for x in listed) == [arn, arn + ":live"]
    assert client_error(lambda: c.get_function_url_config(FunctionName=unique_name("none")),
                        "ResourceNotFoundException") == "The resource you requested does not exist."
    assert client_error(lambda: c.create_function_url_config(FunctionName=unique_name("none"),
                                                             AuthType="NONE"),
                        "ResourceNotFoundException") == "Function does not exist"

    c.delete_function_url_config(FunctionName=name)
    assert client_error(lambda: c.get_function_url_config(FunctionName=name),
                  "ResourceNotFoundException") == "The resource you requested does not exist."
    assert _request(cfg["FunctionUrl"])[0] == 403, "AWS answers 403 for a URL that is gone"
    c.delete_alias(FunctionName=name, Name="live")
    status, _, body = _request(live["FunctionUrl"])
    assert status == 403 and json.loads(body)["Message"].startswith("Forbidden."), \
        "an alias's URL outlives the alias, refused"
    c.delete_function(FunctionName=name)
    assert _request(live["FunctionUrl"])[0] == 403, "deleting the function deletes its URLs"


def _timed_chunks(url: str, path: str = "/") -> tuple[int, list[tuple[str, str]], list[tuple[float, bytes]]]:
    host, port, root = _split(url)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    t0 = time.monotonic()
    conn.request("GET", root.rstrip("/") + path)
    r = conn.getresponse()
    chunks = []
    while True:
        data = r.read1(65536)
        if not data:
            break
        chunks.append((time.monotonic() - t0, data))
    conn.close()
    return r.status, r.getheaders(), chunks


def test_response_stream_sends_chunks_as_the_cpp_function_writes(service):
    c = service.client
    name = service.create_example("stream")
    cfg = c.create_function_url_config(FunctionName=name, AuthType="NONE",
                                       InvokeMode="RESPONSE_STREAM")
    # The C++ stream example reads its options from the event's body.
    status, headers, chunks = _timed_chunks(cfg["FunctionUrl"])
    assert status == 200 and _header(headers, "Content-Type") == ["text/plain"]
    assert b"".join(d for _, d in chunks) == b"chunk 0\nchunk 1\nchunk 2\n"


@pytest.mark.managed_runtime
def test_response_stream_with_the_http_prelude_from_node(service):
    name = unique_name("nodeurl")
    service.create_function(name, make_zip({"index.js": NODE_HTTP_STREAM}), runtime="nodejs20.x",
                            handler="index.handler")
    cfg = service.client.create_function_url_config(FunctionName=name, AuthType="NONE",
                                                    InvokeMode="RESPONSE_STREAM")
    status, headers, chunks = _timed_chunks(cfg["FunctionUrl"])
    assert status == 202
    assert _header(headers, "x-streamed") == ["yes"] and _header(headers, "Set-Cookie") == ["s=1"]
    assert b"".join(d for _, d in chunks) == b"part 0\npart 1\npart 2\n"
    # The first part arrives before the last is written (300 ms apart).
    assert chunks[-1][0] - chunks[0][0] > 0.4, chunks
    # A streamed 204 has no body, so no chunked framing: the connection's next answer is read
    # right (a stray "0\r\n\r\n" would be taken for the start of it).
    host, port, root = _split(cfg["FunctionUrl"])
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", root + "?status=204")
        r = conn.getresponse()
        assert r.status == 204 and r.read() == b"" and r.getheader("Transfer-Encoding") is None
        conn.request("GET", root)
        r = conn.getresponse()
        assert r.status == 202 and r.read() == b"part 0\npart 1\npart 2\n"
        conn.request("HEAD", root)
        r = conn.getresponse()
        assert r.status == 202 and r.read() == b""
        conn.request("GET", root)
        assert conn.getresponse().read() == b"part 0\npart 1\npart 2\n", "after a HEAD"
    finally:
        conn.close()


def test_url_config_with_the_aws_cli(service, cli):
    """Each aws CLI major (the `cli` fixture: v1 from pip, v2 at /usr/bin/aws)."""
    name = service.create_example("hello")
    cfg = service.aws_json("create-function-url-config", "--function-name", name,
                           "--auth-type", "NONE", "--cors", '{"AllowOrigins":["*"]}', cli=cli)
    assert cfg["FunctionUrl"].startswith("http://") and cfg["Cors"]["AllowOrigins"] == ["*"]
    got = service.aws_json("get-function-url-config", "--function-name", name, cli=cli)
    assert got["FunctionUrl"] == cfg["FunctionUrl"]
    status, _, body = _request(cfg["FunctionUrl"])
    assert status == 200 and json.loads(body) == {"message": "Hello World"}
    service.aws("delete-function-url-config", "--function-name", name, cli=cli)
    listed = service.aws_json("list-function-url-configs", "--function-name", name, cli=cli)
    assert listed["FunctionUrlConfigs"] == []
