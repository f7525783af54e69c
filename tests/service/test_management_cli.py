"""`lambdakit serve` driven end to end by the real aws CLI (`aws lambda ... --endpoint-url`).

Run: python3 -m pytest -q tests/service/test_management_cli.py   (needs `make build` and `aws`)
"""

import base64
import json
import re

from lkserve import (ACCOUNT, REGION, ROLE, code_sha256, example_zip, function_arn,
                      unique_name)

HELLO = b'{"message":"Hello World"}'


def _zip_file(service, example: str):
    path = service.workdir / f"{example}.zip"
    path.write_bytes(example_zip(example))
    return path


def _create(service, example: str = "hello", name: str | None = None, *extra: str) -> tuple[str, dict]:
    name = name or unique_name(example)
    out = service.aws_json(
        "create-function", "--function-name", name, "--runtime", "provided.al2023",
        "--handler", "bootstrap", "--role", ROLE,
        "--zip-file", f"fileb://{_zip_file(service, example)}", *extra)
    return name, out


def _invoke(service, name: str, payload: str | None = None, *extra: str) -> tuple[dict, bytes]:
    outfile = service.workdir / f"out-{unique_name('invoke')}.json"
    args = ["invoke", "--function-name", name]
    if payload is not None:
        args += [*service.cli_raw_payload_args(), "--payload", payload]
    meta = service.aws_json(*args, *extra, str(outfile))
    return meta, outfile.read_bytes()


def test_create_function_from_zip(service):
    zip_bytes = example_zip("hello")
    name, cfg = _create(service)
    assert cfg["FunctionName"] == name
    assert cfg["FunctionArn"] == function_arn(name)
    assert cfg["Runtime"] == "provided.al2023"
    assert cfg["Handler"] == "bootstrap"
    assert cfg["Role"] == ROLE
    assert cfg["CodeSize"] == len(zip_bytes)
    assert cfg["CodeSha256"] == code_sha256(zip_bytes)
    assert cfg["Version"] == "$LATEST"
    assert cfg["Timeout"] == 3
    assert cfg["MemorySize"] == 128
    assert cfg["State"] == "Active"
    assert cfg["LastUpdateStatus"] == "Successful"
    assert cfg["PackageType"] == "Zip"


def test_invoke_writes_output_file(service):
    name, _ = _create(service)
    meta, body = _invoke(service, name, '{"name":"Bob"}')
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in meta
    assert body == HELLO


def test_invoke_without_payload(service):
    name, _ = _create(service)
    meta, body = _invoke(service, name)
    assert meta["StatusCode"] == 200
    assert body == HELLO


def test_invoke_payload_reaches_the_function_unchanged(service):
    name, _ = _create(service, "echo")
    payload = '{"name":"Bob","list":[1,2,3],"nested":{"k":"caf\u00e9"}}'
    meta, body = _invoke(service, name, payload)
    assert meta["StatusCode"] == 200
    assert body == payload.encode()


def test_invoke_log_type_tail(service):
    name, _ = _create(service)
    meta, body = _invoke(service, name, "{}", "--log-type", "Tail")
    assert meta["StatusCode"] == 200 and body == HELLO
    log = base64.b64decode(meta["LogResult"]).decode()
    assert len(base64.b64decode(meta["LogResult"])) <= 4096
    start = re.search(r"^START RequestId: (\S+) Version: \$LATEST$", log, re.M)
    assert start, log
    rid = start.group(1)
    assert re.search(rf"^END RequestId: {re.escape(rid)}$", log, re.M), log
    assert re.search(rf"^REPORT RequestId: {re.escape(rid)}\tDuration: \d+\.\d\d ms\t", log, re.M), log


def test_invoke_function_error(service):
    name, _ = _create(service, "fail")
    meta, body = _invoke(service, name, "{}")
    assert meta["StatusCode"] == 200
    assert meta["FunctionError"] == "Unhandled"
    err = json.loads(body)
    assert err["errorType"] == "examples::payment_declined"
    assert err["errorMessage"] == "card 4242 was declined"


def test_list_functions_follows_markers(service):
    names = [_create(service)[0] for _ in range(3)]
    # --page-size 1 makes the CLI ask with MaxItems=1 and follow NextMarker until it is gone.
    out = service.aws_json("list-functions", "--page-size", "1")
    listed = [f["FunctionName"] for f in out["Functions"]]
    assert sorted(listed) == sorted(names), listed
    by_name = {f["FunctionName"]: f for f in out["Functions"]}
    for name in names:
        assert by_name[name]["FunctionArn"] == function_arn(name)
        assert by_name[name]["Runtime"] == "provided.al2023"


def test_update_function_code(service):
    name, _ = _create(service, "hello")
    meta, body = _invoke(service, name, '{"x":1}')
    assert body == HELLO  # a warm hello environment now exists
    echo_zip = example_zip("echo")
    cfg = service.aws_json("update-function-code", "--function-name", name,
                           "--zip-file", f"fileb://{_zip_file(service, 'echo')}")
    assert cfg["FunctionName"] == name
    assert cfg["CodeSha256"] == code_sha256(echo_zip)
    assert cfg["CodeSize"] == len(echo_zip)
    assert cfg["LastUpdateStatus"] == "Successful"
    meta, body = _invoke(service, name, '{"x":1}')
    assert meta["StatusCode"] == 200
    assert body == b'{"x":1}', "the new code is not in effect"


def test_get_function_and_update_configuration(service):
    name, created = _create(service)
    got = service.aws_json("get-function", "--function-name", name)
    cfg = got["Configuration"]
    assert cfg["FunctionName"] == name
    assert cfg["FunctionArn"] == function_arn(name)
    assert cfg["CodeSha256"] == created["CodeSha256"]
    assert "Code" in got
    updated = service.aws_json("update-function-configuration", "--function-name", name,
                               "--timeout", "10", "--memory-size", "256",
                               "--environment", "Variables={GREETING=hi,OTHER=x}")
    assert updated["Timeout"] == 10
    assert updated["MemorySize"] == 256
    assert updated["Environment"]["Variables"] == {"GREETING": "hi", "OTHER": "x"}
    cfg = service.aws_json("get-function", "--function-name", name)["Configuration"]
    assert cfg["Timeout"] == 10
    assert cfg["MemorySize"] == 256
    assert cfg["Environment"]["Variables"] == {"GREETING": "hi", "OTHER": "x"}
    assert cfg["CodeSha256"] == created["CodeSha256"]  # configuration changes leave code alone


def test_delete_function(service):
    name, _ = _create(service)
    keep, _ = _create(service)
    proc = service.aws("delete-function", "--function-name", name)
    assert proc.returncode == 0
    gone = service.aws("get-function", "--function-name", name, check=False)
    assert gone.returncode != 0
    assert "ResourceNotFoundException" in gone.stderr
    listed = [f["FunctionName"] for f in service.aws_json("list-functions")["Functions"]]
    assert name not in listed and keep in listed


def test_missing_function_is_404(service):
    name = unique_name("missing")
    outfile = service.workdir / "never.json"
    proc = service.aws("invoke", "--function-name", name, str(outfile), check=False)
    assert proc.returncode != 0
    assert "ResourceNotFoundException" in proc.stderr
    assert f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" in proc.stderr
    proc = service.aws("get-function", "--function-name", name, check=False)
    assert proc.returncode != 0 and "ResourceNotFoundException" in proc.stderr
    proc = service.aws("delete-function", "--function-name", name, check=False)
    assert proc.returncode != 0 and "ResourceNotFoundException" in proc.stderr
