"""Service errors of `lambdakit serve` as boto3 sees them: each must map to botocore's modelled
exception class (code from x-amzn-ErrorType, message from the body) with the right HTTP status,
and a rejected request must leave no trace (no function created, nothing invoked).

The boto3 client has retries off (see lkserve.Service.client), so a 429 is seen once, as sent.
"""

import io
import json
import os
import threading
import zipfile

import pytest
from botocore.exceptions import ClientError

from lkserve import (ROLE, SYNC_REQUEST_LIMIT, code_sha256, example_binary, example_zip,
                     function_arn, json_string_payload, make_zip, peer_zip, unique_name)

HELLO = b'{"message":"Hello World"}'
MB = 1024 * 1024


def _status(exc) -> int:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"]


def _message(exc) -> str:
    return exc.response["Error"].get("Message", "")


def _assert_code(exc: ClientError, code: str, status: int):
    assert exc.response["Error"]["Code"] == code, exc.response["Error"]
    assert _status(exc) == status, exc.response["ResponseMetadata"]


def _assert_not_created(service, name):
    c = service.client
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName=name)
    listed = [f["FunctionName"] for f in c.list_functions()["Functions"]]
    assert name not in listed


def _hello_bootstrap() -> bytes:
    return example_binary("hello").read_bytes()


# --- ResourceNotFoundException (404) ------------------------------------------------------------

@pytest.mark.parametrize("operation", ["invoke", "get_function", "delete_function",
                                       "update_function_code", "update_function_configuration"])
def test_unknown_function_raises_resource_not_found(service, operation):
    c = service.client
    name = unique_name("missing")
    kwargs = {"FunctionName": name}
    if operation == "invoke":
        kwargs["Payload"] = b"{}"
    elif operation == "update_function_code":
        kwargs["ZipFile"] = example_zip("hello")
    elif operation == "update_function_configuration":
        kwargs["Timeout"] = 5
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        getattr(c, operation)(**kwargs)
    assert _status(ei.value) == 404
    assert function_arn(name) in _message(ei.value)


def test_unknown_function_by_arn_raises_resource_not_found(service):
    c = service.client
    service.create_example("hello", name="present")
    arn = function_arn("absent")
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.invoke(FunctionName=arn, Payload=b"{}")
    assert _status(ei.value) == 404


# --- TooManyRequestsException (429) -------------------------------------------------------------

def test_concurrency_limit_raises_too_many_requests(start_service, gate):
    service = start_service(max_concurrency=1)
    c = service.client
    name = service.create_peer("counter")
    held = {}

    def hold():
        held["r"] = service.invoke(name, {"gate_port": gate.port}, timeout=60)

    t = threading.Thread(target=hold, daemon=True)
    t.start()
    try:
        gate.wait_started(1)
        with pytest.raises(c.exceptions.TooManyRequestsException) as ei:
            c.invoke(FunctionName=name, Payload=b"{}")
        assert _status(ei.value) == 429
        assert ei.value.response.get("Reason") in (
            "ConcurrentInvocationLimitExceeded", "ReservedFunctionConcurrentInvocationLimitExceeded")
    finally:
        gate.release()
        t.join(timeout=30)
    assert not t.is_alive(), "the held invoke never finished"
    assert held["r"].status == 200, held["r"].describe()
    assert held["r"].json()["count"] == 1
    # The slot is free again, and the rejected call never reached the function.
    out = c.invoke(FunctionName=name, Payload=b"{}")
    assert out["StatusCode"] == 200
    assert json.loads(out["Payload"].read())["count"] == 2


# --- InvalidRequestContentException (400) -------------------------------------------------------

@pytest.mark.parametrize("payload", [b"this is not json", b'{"unterminated": ', b"{'a': 1}",
                                     b'{"a":1} trailing', b"\xff\xfe{}"],
                         ids=["text", "truncated", "single-quotes", "trailing-garbage", "not-utf8"])
def test_non_json_payload_raises_invalid_request_content(service, payload):
    c = service.client
    name = service.create_peer("counter")
    with pytest.raises(c.exceptions.InvalidRequestContentException) as ei:
        c.invoke(FunctionName=name, Payload=payload)
    assert _status(ei.value) == 400
    out = c.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(out["Payload"].read())["count"] == 1, \
        "the rejected payload reached the function"


# --- RequestEntityTooLargeException (413) -------------------------------------------------------
# botocore's Lambda model has no RequestEntityTooLargeException class (AWS answers this code from
# its front end, outside the model), so boto3 raises the generic ClientError carrying the code.

def test_oversized_invoke_payload_raises_request_entity_too_large(service):
    c = service.client
    name = service.create_peer("counter")
    with pytest.raises(ClientError) as ei:
        c.invoke(FunctionName=name, Payload=json_string_payload(SYNC_REQUEST_LIMIT + 1))
    _assert_code(ei.value, "RequestEntityTooLargeException", 413)
    assert "6291456" in _message(ei.value)
    out = c.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(out["Payload"].read())["count"] == 1


def test_zip_over_50_mb_raises_request_entity_too_large(service):
    c = service.client
    name = unique_name("bigzip")
    # Random data does not compress: the zip itself is ~52 MB (its base64 ~70 MB, past AWS's
    # 69905067-byte CreateFunction request limit too), while unzipped it stays far below 250 MB.
    zip_bytes = make_zip({"bootstrap": (_hello_bootstrap(), 0o755), "blob.bin": os.urandom(52 * MB)},
                         compression=zipfile.ZIP_STORED)
    assert len(zip_bytes) > 50 * MB
    with pytest.raises(ClientError) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": zip_bytes})
    _assert_code(ei.value, "RequestEntityTooLargeException", 413)
    _assert_not_created(service, name)


# --- ResourceConflictException (409) ------------------------------------------------------------

def test_create_twice_raises_resource_conflict(service):
    c = service.client
    name = service.create_example("hello")
    with pytest.raises(c.exceptions.ResourceConflictException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": example_zip("echo")})
    assert _status(ei.value) == 409
    # The first definition is untouched.
    cfg = c.get_function(FunctionName=name)["Configuration"]
    assert cfg["CodeSha256"] == code_sha256(example_zip("hello"))
    assert c.invoke(FunctionName=name, Payload=b'{"x":1}')["Payload"].read() == HELLO


# --- InvalidParameterValueException (400) -------------------------------------------------------

@pytest.mark.parametrize("role", [
    "not-an-arn",
    "arn:aws:iam::123:role/too-short-account",
    "arn:aws:iam::000000000000:user/not-a-role",
    "arn:aws:s3:::000000000000:role/wrong-service",
])
def test_bad_role_raises_validation_exception(service, role):
    # AWS checks Role against its pattern before anything else and answers 400 ValidationException
    # ("1 validation error detected: Value '...' at 'role' failed to satisfy constraint: Member must
    # satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"),
    # as users of the real service report (e.g. aarondfrancis/sidecar#147).
    c = service.client
    name = unique_name("badrole")
    with pytest.raises(ClientError) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=role,
                          Handler="bootstrap", Code={"ZipFile": example_zip("hello")})
    _assert_code(ei.value, "ValidationException", 400)
    assert "at 'role' failed to satisfy constraint" in _message(ei.value), _message(ei.value)
    _assert_not_created(service, name)


def _corrupt_zips() -> dict[str, bytes]:
    good = example_zip("hello")
    return {
        "random-bytes": os.urandom(4096),
        "text": b"this is not a zip file at all",
        "truncated": good[: len(good) // 2],
        "bad-central-directory": good[:-22] + b"PK\x05\x06" + b"\xff" * 18,
    }


@pytest.mark.parametrize("kind", list(_corrupt_zips()))
def test_corrupt_zip_raises_invalid_parameter_value(service, kind):
    c = service.client
    name = unique_name("corrupt")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": _corrupt_zips()[kind]})
    assert _status(ei.value) == 400
    _assert_not_created(service, name)


ESCAPE_KINDS = ["dotdot", "nested-dotdot", "absolute", "symlink-dotdot", "symlink-then-file"]


def _escaping_zip(kind: str, token: str = "escaped") -> bytes:
    boot = (_hello_bootstrap(), 0o755)
    return {
        "dotdot": lambda: make_zip({"bootstrap": boot, f"../{token}.txt": b"x"}),
        "nested-dotdot": lambda: make_zip({"bootstrap": boot, f"lib/../../../{token}.txt": b"x"}),
        "absolute": lambda: make_zip({"bootstrap": boot, f"/tmp/{token}.txt": b"x"}),
        "symlink-dotdot": lambda: make_zip({"bootstrap": boot},
                                           symlinks={"escape": "../../../../../../../../etc"}),
        "symlink-then-file": lambda: make_zip({"bootstrap": boot},
                                              symlinks={"lib/up": "../.."}),
    }[kind]()


@pytest.mark.parametrize("kind", ESCAPE_KINDS)
def test_zip_escaping_the_code_root_raises_invalid_parameter_value(service, kind):
    c = service.client
    name = unique_name("escape")
    token = unique_name("lambdakit-escaped")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": _escaping_zip(kind, token)})
    assert _status(ei.value) == 400
    _assert_not_created(service, name)
    written = [p for p in (f"/tmp/{token}.txt",) if os.path.exists(p)]
    written += [str(p) for p in service.workdir.parent.rglob(f"{token}.txt")]
    assert not written, f"a rejected zip still wrote {written}"


def test_zip_escaping_on_update_is_rejected_and_keeps_old_code(service):
    c = service.client
    name = service.create_example("hello")
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        c.update_function_code(FunctionName=name, ZipFile=_escaping_zip("dotdot"))
    cfg = c.get_function(FunctionName=name)["Configuration"]
    assert cfg["CodeSha256"] == code_sha256(example_zip("hello"))
    assert c.invoke(FunctionName=name, Payload=b"{}")["Payload"].read() == HELLO


def test_symlink_inside_the_code_is_accepted(service):
    """Control for the escape tests: a link that stays inside the code root is fine (zip -y)."""
    zip_bytes = make_zip({"bin/hello": (_hello_bootstrap(), 0o755)},
                         symlinks={"bootstrap": "bin/hello"})
    name = unique_name("innerlink")
    service.create_function(name, zip_bytes)
    out = service.client.invoke(FunctionName=name, Payload=b"{}")
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    assert out["Payload"].read() == HELLO


def _big_unzipped_zip() -> bytes:
    """A few hundred KB of zip that unpacks to 3 x 90 MiB = 270 MiB (> 250 MB), each
    file below the limit on its own, so only the total can trip it."""
    buf = io.BytesIO()
    chunk = b"\0" * MB
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 3, (0o100755 << 16)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, _hello_bootstrap())
        for i in range(3):
            info = zipfile.ZipInfo(f"data/part{i}.bin", date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, (0o100644 << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                for _ in range(90):
                    f.write(chunk)
    return buf.getvalue()


def test_unzipped_over_250_mb_raises_invalid_parameter_value(service):
    c = service.client
    zip_bytes = _big_unzipped_zip()
    assert len(zip_bytes) < 5 * MB
    name = unique_name("bigunzip")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": zip_bytes})
    assert _status(ei.value) == 400
    _assert_not_created(service, name)


def test_valid_zip_with_the_same_layout_is_accepted(service):
    """Control for the size tests: bootstrap plus data files well inside the limits."""
    zip_bytes = make_zip({"bootstrap": (_hello_bootstrap(), 0o755),
                          "data/part0.bin": b"\0" * (8 * MB)})
    name = unique_name("okzip")
    cfg = service.create_function(name, zip_bytes)
    assert cfg["CodeSize"] == len(zip_bytes)
    assert service.client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read() == HELLO


def test_peer_zip_builds(service):
    """The Python peers are valid provided.al2023 functions (guards the fixtures themselves)."""
    name = unique_name("counter")
    service.create_function(name, peer_zip("counter"))
    out = service.client.invoke(FunctionName=name, Payload=b"{}")
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    assert json.loads(out["Payload"].read())["count"] == 1


# --- numbers in the query are parsed strictly ---------------------------------------------------
# ("10abc" once read as 10 and "-1" wrapped around to a huge unsigned limit.)

@pytest.mark.parametrize("path, field", [
    ("/2015-03-31/functions/?MaxItems={}", "maxItems"),
    ("/lambdakit/v1/invocations?limit={}", "limit"),
])
@pytest.mark.parametrize("value", ["10abc", "-1", "0", "", "+5", "99999999999999999999"])
def test_numeric_query_parameters_are_parsed_strictly(service, path, field, value):
    r = service.http("GET", path.format(value))
    assert r.status == 400, (r.status, r.body)
    assert r.header("x-amzn-ErrorType", "").startswith("ValidationException"), r.headers
    assert f"'{field}' failed to satisfy constraint" in r.json().get("message", r.json().get("Message", "")), r.body


def test_numeric_query_parameters_in_range_are_accepted(service):
    assert service.http("GET", "/2015-03-31/functions/?MaxItems=5").status == 200
    assert service.http("GET", "/lambdakit/v1/invocations?limit=5").status == 200


@pytest.mark.parametrize("entry, says", [
    ("a" * 5000, "is 5000 bytes long; entry names may be at most 1024"),
    ("d/" * 2000 + "f", "is 4001 bytes long"),
    ("d/" * 100 + "f", "is nested more than 64 folders deep"),
    ("x" * 300, "has a file or folder name of 300 bytes; Linux allows at most 255"),
])
def test_names_too_long_or_too_deep_are_400_with_no_internal_path(service, entry, says):
    """issue 13, item 7: these gave a 500 that showed the service's own paths."""
    c = service.client
    name = unique_name("names")
    zip_bytes = make_zip({"bootstrap": (_hello_bootstrap(), 0o755), entry: b"x"})
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                          Handler="bootstrap", Code={"ZipFile": zip_bytes})
    assert _status(ei.value) == 400
    message = ei.value.response["Error"]["Message"]
    assert says in message, message
    assert str(service.workdir) not in message and "/code/" not in message, message
    assert len(message) < 600, message
    _assert_not_created(service, name)
