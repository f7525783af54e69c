"""`lambdakit package --runtime go1.x` and `lambdakit deploy` of the zip (the go1.x path): the
binary goes into the zip under its Handler's name, checked against Amazon Linux 2018.03's glibc
2.17, and the zip runs on `lambdakit serve` as a go1.x function."""

import hashlib
import zipfile

from lkpackage import deploy_and_invoke, local_service
from test_package import BIN, binary, lambdakit


def test_go1x_zip_holds_the_binary_under_its_file_name_deterministically(tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (a, b):
        r = lambdakit("package", binary("hello"), "--runtime", "go1.x", "--output", out)
        assert r.returncode == 0, r.stderr
        assert "handler    hello" in r.stderr, r.stderr
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with zipfile.ZipFile(a) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["hello"]
        assert (infos[0].external_attr >> 16) & 0o777 == 0o755
        assert z.read("hello") == binary("hello").read_bytes()


def test_go1x_handler_option_names_the_entry(tmp_path):
    out = tmp_path / "f.zip"
    r = lambdakit("package", binary("hello"), "--runtime", "go1.x", "--handler", "main", "--output", out)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["main"]


def test_go1x_refusals_name_the_fix(tmp_path):
    out = tmp_path / "f.zip"
    r = lambdakit("package", binary("hello"), "--runtime", "go1.x", "--arch", "arm64", "--output", out)
    assert r.returncode == 1 and "go1.x runs on x86_64 only" in r.stderr, r.stderr
    assert "provided.al2023" in r.stderr
    for bad in ("../x", "a/b", "..", "lib"):
        r = lambdakit("package", binary("hello"), "--runtime", "go1.x", "--handler", bad, "--output", out)
        assert r.returncode == 1 and "must be a plain file name" in r.stderr, (bad, r.stderr)
    r = lambdakit("package", binary("hello"), "--runtime", "provided.al2023", "--handler", "main",
                  "--output", out)
    assert r.returncode == 1 and "--handler is for go1.x" in r.stderr, r.stderr
    # bench_hello_dynamic links this machine's glibc dynamically: far past Amazon Linux 1's 2.17.
    r = lambdakit("package", binary("bench_hello_dynamic"), "--runtime", "go1.x", "--output", out)
    assert r.returncode == 1, r.stderr
    assert "Amazon Linux 2018.03 (go1.x) has at most GLIBC_2.17" in r.stderr, r.stderr
    assert not out.exists()


def test_go1x_zip_answers_on_the_local_service(tmp_path):
    z = tmp_path / "hello.zip"
    assert lambdakit("package", binary("hello"), "--runtime", "go1.x", "--output", z).returncode == 0
    with local_service(BIN / "lambdakit", tmp_path / "state") as (_, lam):
        got = deploy_and_invoke(lam, "hello-go1x", "go1.x", z, b"{}", handler="hello")
        assert got == b'{"message":"Hello World"}'
        assert lam.get_function(FunctionName="hello-go1x")["Configuration"]["Runtime"] == "go1.x"


def test_deploy_go1x_needs_the_handler_and_runs_with_it(tmp_path):
    z = tmp_path / "hello.zip"
    assert lambdakit("package", binary("hello"), "--runtime", "go1.x", "--output", z).returncode == 0
    with local_service(BIN / "lambdakit", tmp_path / "state") as (endpoint, lam):
        r = lambdakit("deploy", z, "--function-name", "d", "--runtime", "go1.x", "--endpoint-url", endpoint)
        assert r.returncode == 2 and "needs --handler NAME" in r.stderr, r.stderr
        r = lambdakit("deploy", z, "--function-name", "d", "--runtime", "go1.x", "--handler", "hello",
                      "--endpoint-url", endpoint)
        assert r.returncode == 0, r.stderr
        out = lam.invoke(FunctionName="d", Payload=b"{}")
        assert out["Payload"].read() == b'{"message":"Hello World"}'

