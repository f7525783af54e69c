"""`lambdakit package --runtime nodejs*` (the stdio path): the binary goes into the zip as
`function`, beside lambdakit's Node.js host (index.mjs, host.mjs: the files of hosts/nodejs,
compiled into the CLI), checked against the runtime's OS like any binary; the Handler is
index.handler, and `lambdakit deploy` sets it without being told."""

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from lkpackage import deploy_and_invoke, local_service
from test_package import BIN, ROOT, binary, lambdakit

HOST = ROOT / "hosts" / "nodejs"


@pytest.mark.parametrize("runtime", ["nodejs24.x", "nodejs22.x", "nodejs20.x", "nodejs18.x"])
def test_the_zip_holds_the_binary_and_the_host_files_as_they_are(tmp_path, runtime):
    out = tmp_path / "f.zip"
    r = lambdakit("package", binary("hello"), "--runtime", runtime, "--output", out)
    assert r.returncode == 0, r.stderr
    assert "handler    index.handler" in r.stderr, r.stderr
    with zipfile.ZipFile(out) as z:
        infos = {i.filename: i for i in z.infolist()}
        assert sorted(infos) == ["function", "host.mjs", "index.mjs"]
        assert (infos["function"].external_attr >> 16) & 0o777 == 0o755
        assert (infos["index.mjs"].external_attr >> 16) & 0o777 == 0o644
        assert z.read("function") == binary("hello").read_bytes()
        for name in ("index.mjs", "host.mjs"):
            assert z.read(name) == (HOST / name).read_bytes(), f"{name} is not hosts/nodejs/{name}"


def test_the_zip_is_deterministic(tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (a, b):
        assert lambdakit("package", binary("hello"), "--runtime", "nodejs22.x", "--output", out).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_another_handler_is_refused_with_the_right_one_named(tmp_path):
    r = lambdakit("package", binary("hello"), "--runtime", "nodejs22.x", "--handler", "hello",
                  "--output", tmp_path / "f.zip")
    assert r.returncode == 1
    assert "the Handler is index.handler" in r.stderr, r.stderr
    assert not (tmp_path / "f.zip").exists()
    r = lambdakit("package", binary("hello"), "--runtime", "nodejs22.x", "--handler", "index.handler",
                  "--output", tmp_path / "f.zip")
    assert r.returncode == 0, r.stderr


def test_the_binary_is_checked_against_the_runtimes_glibc(tmp_path):
    # bench_hello_dynamic is linked against this machine's glibc (2.36 on Debian 12).
    r = lambdakit("package", BIN / "bench_hello_dynamic", "--runtime", "nodejs18.x",
                  "--output", tmp_path / "f.zip")
    assert r.returncode == 1, r.stderr
    assert "Amazon Linux 2" in r.stderr and "GLIBC_2.26" in r.stderr, r.stderr


def test_deploy_sets_index_handler_and_aws_lambda_ric_runs_it(tmp_path):
    out = tmp_path / "f.zip"
    assert lambdakit("package", binary("hello"), "--runtime", "nodejs20.x", "--output", out).returncode == 0
    with local_service(BIN / "lambdakit", tmp_path / "state") as (endpoint, client):
        r = lambdakit("deploy", out, "--function-name", "node-hello", "--runtime", "nodejs20.x",
                      "--endpoint-url", endpoint)
        assert r.returncode == 0, r.stderr
        cfg = client.get_function_configuration(FunctionName="node-hello")
        assert cfg["Handler"] == "index.handler" and cfg["Runtime"] == "nodejs20.x", cfg
        got = client.invoke(FunctionName="node-hello", Payload=b"{}")
        assert got["StatusCode"] == 200 and "FunctionError" not in got, got
        assert got["Payload"].read() == b'{"message":"Hello World"}'


def test_the_stdio_examples_project_builds_as_its_readme_says(tmp_path):
    """examples/stdio (the example folder of this path) is a project of its own: `lambdakit
    build` makes a binary and a nodejs22.x zip per example, which answers on lambdakit serve."""
    project = tmp_path / "stdio"
    shutil.copytree(ROOT / "examples" / "stdio", project)
    for d in ("hello", "echo", "fail", "context", "sleep", "crash", "common"):
        shutil.copytree(ROOT / "examples" / d, tmp_path / d)
    r = subprocess.run([str(BIN / "lambdakit"), "build", "-C", str(project), "--runtime", "nodejs22.x"],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    zips = {line.split(" ")[0]: line.split(" ")[2] for line in r.stdout.splitlines()}
    assert set(zips) == {"hello", "echo", "fail", "context", "sleep", "crash"}, r.stdout
    assert "/nodejs22.x-x86_64-zig/" in zips["hello"], zips
    with zipfile.ZipFile(zips["echo"]) as z:
        assert sorted(z.namelist()) == ["function", "host.mjs", "index.mjs"]
    with local_service(BIN / "lambdakit", tmp_path / "state") as (_, client):
        got = deploy_and_invoke(client, "echo", "nodejs22.x", Path(zips["echo"]), b'{"a":[1,"x"]}',
                                handler="index.handler")
    assert got == b'{"a":[1,"x"]}'
