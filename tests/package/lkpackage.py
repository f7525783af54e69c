"""Helpers for the package tests: a `lambdakit serve` to deploy to, and one deploy-and-invoke."""

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import boto3
from botocore.config import Config


@contextlib.contextmanager
def local_service(cli: Path, state_dir: Path, *extra: str):
    """`lambdakit serve` on a free port: yields (endpoint, boto3 Lambda client); stopped on exit."""
    proc = subprocess.Popen([str(cli), "serve", "--port", "0", "--state-dir", str(state_dir), "--log-level", "error",
                             *extra],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"listening on (\S+)", line)
        assert m, f"lambdakit serve did not start: {line!r}"
        client = boto3.client("lambda", endpoint_url=m.group(1), region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x", config=Config(retries={"max_attempts": 0}))
        yield m.group(1), client
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def deploy_and_invoke(client, name: str, runtime: str, zip_path: Path, payload: bytes,
                      arch: str = "x86_64", handler: str = "bootstrap") -> bytes:
    """CreateFunction from the zip, one invoke that must succeed; returns the answer's bytes."""
    client.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Architectures=[arch],
                           Role="arn:aws:iam::000000000000:role/x", Code={"ZipFile": zip_path.read_bytes()})
    out = client.invoke(FunctionName=name, Payload=payload)
    assert out["StatusCode"] == 200 and "FunctionError" not in out, out
    return out["Payload"].read()
