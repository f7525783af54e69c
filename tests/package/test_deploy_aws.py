"""`lambdakit deploy` to AWS: TLS, SigV4 signing and credentials as the aws CLI finds them.

AWS itself cannot be reached from here, so `fake_aws_lambda.FakeLambda` stands in for the Lambda
control plane over TLS and verifies each request's signature with botocore's signer."""

import os
import subprocess
import zipfile

import pytest
from fake_aws_lambda import FakeLambda

KEY_ID, SECRET = "AKIDLAMBDAKITTEST", "lambdakit/secret+key"
ROLE = "arn:aws:iam::123456789012:role/lambda-basic"


@pytest.fixture
def fake(tmp_path):
    f = FakeLambda(tmp_path, {KEY_ID: SECRET})
    yield f
    f.close()


@pytest.fixture
def zip_path(tmp_path):
    p = tmp_path / "fn.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("bootstrap", b"#!/bin/sh\n")
    return p


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path)  # no ~/.aws of the machine's
    env.update(extra)
    return env


def deploy(prefix, *args, env):
    return subprocess.run([str(prefix / "bin" / "lambdakit"), "deploy", *map(str, args)], capture_output=True,
                          text=True, timeout=60, env=env)


def test_create_then_update_are_signed_as_botocore_signs(prefix, fake, zip_path, tmp_path):
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN="tok",
                    AWS_REGION="eu-west-1", AWS_CA_BUNDLE=str(fake.cert))
    url = f"https://127.0.0.1:{fake.port}"
    r = deploy(prefix, zip_path, "--function-name", "fn", "--role", ROLE, "--endpoint-url", url, env=env)
    assert r.returncode == 0, r.stderr
    assert "fn created" in r.stdout
    r = deploy(prefix, zip_path, "--function-name", "fn", "--endpoint-url", url, env=env)
    assert r.returncode == 0, r.stderr
    assert "fn updated" in r.stdout
    assert [(s["method"], s["verdict"]) for s in fake.seen] == [
        ("GET", "ok"), ("POST", "ok"), ("GET", "ok"), ("PUT", "ok")], fake.seen
    assert all(s["scope"].endswith("/eu-west-1/lambda") and s["token"] == "tok" for s in fake.seen)
    assert fake.functions["fn"]["Role"] == ROLE


def test_a_function_named_by_its_arn_is_signed_right(prefix, fake, zip_path, tmp_path):
    """The ARN's ':' are percent-encoded in the path, and SigV4 encodes the path once more."""
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1",
                    AWS_CA_BUNDLE=str(fake.cert))
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    fake.functions[arn] = {"FunctionName": "fn", "CodeSha256": ""}  # GetFunction by ARN finds it
    r = deploy(prefix, zip_path, "--function-name", arn, "--endpoint-url", f"https://127.0.0.1:{fake.port}", env=env)
    assert r.returncode == 0, r.stderr
    assert [s["verdict"] for s in fake.seen] == ["ok", "ok"], fake.seen
    assert "%3A" in fake.seen[0]["path"]


def test_credentials_and_region_come_from_the_aws_files(prefix, fake, zip_path, tmp_path):
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = WRONG\naws_secret_access_key = x\n\n"
        f"[ci]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    (tmp_path / ".aws" / "config").write_text("[profile ci]\nregion = ap-south-1\n")
    env = clean_env(tmp_path, AWS_PROFILE="ci", AWS_CA_BUNDLE=str(fake.cert))
    r = deploy(prefix, zip_path, "--function-name", "fn", "--role", ROLE, "--endpoint-url",
               f"https://127.0.0.1:{fake.port}", env=env)
    assert r.returncode == 0, r.stderr
    assert fake.seen and all(s["verdict"] == "ok" and "/ap-south-1/" in s["scope"] for s in fake.seen), fake.seen


def test_a_wrong_secret_is_refused_by_the_server(prefix, fake, zip_path, tmp_path):
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY="not-the-secret",
                    AWS_REGION="us-east-1", AWS_CA_BUNDLE=str(fake.cert))
    r = deploy(prefix, zip_path, "--function-name", "fn", "--role", ROLE, "--endpoint-url",
               f"https://127.0.0.1:{fake.port}", env=env)
    assert r.returncode == 1
    assert "403" in r.stderr and "InvalidSignatureException" in r.stderr, r.stderr
    assert fake.seen[0]["verdict"] == "signature mismatch"


def test_an_untrusted_certificate_is_refused(prefix, fake, zip_path, tmp_path):
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1")
    r = deploy(prefix, zip_path, "--function-name", "fn", "--role", ROLE, "--endpoint-url",
               f"https://127.0.0.1:{fake.port}", env=env)
    assert r.returncode == 2
    assert "certificate verify failed" in r.stderr, r.stderr
    assert not fake.seen


@pytest.mark.parametrize("env_extra,args,message", [
    ({"AWS_REGION": "us-east-1"}, [], "no AWS credentials"),
    ({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}, [], "no AWS region"),
    ({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}, ["--region", "us-east-1", "--endpoint-url",
                                                                      "ftp://x y"], "not an http(s)://"),
])
def test_aws_without_what_it_needs_names_the_fix(prefix, zip_path, tmp_path, env_extra, args, message):
    r = deploy(prefix, zip_path, "--function-name", "fn", *args, env=clean_env(tmp_path, **env_extra))
    assert r.returncode == 2
    assert message in r.stderr, r.stderr


def _closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["deploy", "invoke"])
def test_an_endpoint_nobody_listens_on_is_a_clear_error(prefix, zip_path, tmp_path, command):
    """The HTTP client returns its failure (no exception crosses the CLI): the message names the
    endpoint, the step that failed and the fix; the exit status is 2."""
    url = f"http://127.0.0.1:{_closed_port()}"
    args = ([zip_path, "--function-name", "fn"] if command == "deploy" else ["fn"]) + ["--endpoint-url", url]
    r = subprocess.run([str(prefix / "bin" / "lambdakit"), command, *map(str, args)], capture_output=True,
                       text=True, timeout=60, env=clean_env(tmp_path))
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"lambdakit {command}: cannot reach {url}: 127.0.0.1:" in r.stderr, r.stderr
    assert "connecting: Connection refused" in r.stderr, r.stderr
    assert "is `lambdakit serve` running?" in r.stderr, r.stderr
