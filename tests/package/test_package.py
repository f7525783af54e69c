"""`lambdakit package`: deterministic, checked deployment zips (issue 4, first part).

Runs the real CLI on the real example binaries; the zip it makes is deployed to `lambdakit serve`
with boto3 and invoked, as a user would."""

import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lkpackage import deploy_and_invoke, local_service

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LAMBDAKIT_BIN_DIR", ROOT / "build" / "bin"))


def lambdakit(*args, check=False):
    exe = BIN / "lambdakit"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: run make build")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=60, check=check)


def binary(name):
    p = BIN / name
    if not p.exists():
        pytest.fail(f"{p} is missing: run make build")
    return p


def test_package_is_deterministic_with_an_executable_bootstrap(tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (a, b):
        r = lambdakit("package", binary("hello"), "--runtime", "provided.al2023", "--output", out)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == str(out)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with zipfile.ZipFile(a) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["bootstrap"]
        assert (infos[0].external_attr >> 16) & 0o777 == 0o755
        assert infos[0].date_time == (1980, 1, 1, 0, 0, 0)
        assert z.read("bootstrap") == binary("hello").read_bytes()
        assert z.testzip() is None
    assert "static" in lambdakit("package", binary("hello"), "--output", a).stderr


@pytest.mark.parametrize("runtime", ["provided.al2023", "provided.al2", "provided"])
def test_static_binaries_pass_every_runtime(tmp_path, runtime):
    r = lambdakit("package", binary("hello"), "--runtime", runtime, "--output", tmp_path / "f.zip")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("runtime, os_name, limit", [
    ("provided.al2", "Amazon Linux 2", "GLIBC_2.26"),
    ("provided.al2023", "Amazon Linux 2023", "GLIBC_2.34"),
])
def test_binary_built_against_this_glibc_is_refused_for_older_ones(tmp_path, runtime, os_name, limit):
    # bench_hello_dynamic links this machine's glibc 2.36 dynamically: it needs GLIBC_2.35 at least.
    out = tmp_path / "f.zip"
    r = lambdakit("package", binary("bench_hello_dynamic"), "--runtime", runtime, "--output", out)
    assert r.returncode == 1
    assert f"({runtime}) has at most {limit}" in r.stderr, r.stderr
    assert re.search(r"needs GLIBC_2\.3[5-9] from libc\.so\.6", r.stderr), r.stderr
    assert "link fully static (-static)" in r.stderr
    assert not out.exists() and not list(tmp_path.iterdir()), "nothing is left behind"


def test_wrong_architecture_is_named(tmp_path):
    r = lambdakit("package", binary("hello"), "--arch", "arm64", "--output", tmp_path / "f.zip")
    assert r.returncode == 1
    assert "is built for x86_64, but the function's architecture is arm64" in r.stderr, r.stderr


@pytest.mark.parametrize("content, message", [
    (b"#!/bin/sh\necho hi\n", "does not start with the ELF magic"),
    (b"", "does not start with the ELF magic"),
    (b"\x7fELF", "cut short"),
])
def test_not_a_binary(tmp_path, content, message):
    f = tmp_path / "notelf"
    f.write_bytes(content)
    r = lambdakit("package", f, "--output", tmp_path / "f.zip")
    assert r.returncode == 1
    assert message in r.stderr, r.stderr
    assert not (tmp_path / "f.zip").exists()


def test_bad_arguments_name_the_fix(tmp_path):
    r = lambdakit("package", binary("hello"), "--runtime", "java21", "--output", tmp_path / "f.zip")
    assert r.returncode == 1 and "provided.al2023, provided.al2, provided, go1.x, python3.14" in r.stderr, r.stderr
    r = lambdakit("package", tmp_path / "missing", "--output", tmp_path / "f.zip")
    assert r.returncode == 1 and "missing: No such file or directory" in r.stderr
    r = lambdakit("package", binary("hello"), "--output", tmp_path / "no" / "such" / "dir.zip")
    assert r.returncode == 1 and "cannot write the package" in r.stderr
    assert not (tmp_path / "no").exists()


def test_packaged_zip_deploys_to_the_local_service_and_answers(tmp_path):
    z = tmp_path / "hello.zip"
    assert lambdakit("package", binary("hello"), "--output", z).returncode == 0
    with local_service(BIN / "lambdakit", tmp_path / "state") as (_, lam):
        assert deploy_and_invoke(lam, "packaged", "provided.al2023", z, b"{}") == b'{"message":"Hello World"}'


def _cc(*args):
    r = subprocess.run(["cc", *map(str, args)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_bundle_refuses_a_library_linked_by_path_and_leaves_no_zip(tmp_path):
    """A shared library without a SONAME, linked by its path, is recorded as that path in
    DT_NEEDED: it cannot be moved into lib/, and the error says how to fix the link."""
    (tmp_path / "lib.c").write_text("int answer(void) { return 42; }\n")
    (tmp_path / "main.c").write_text("int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n")
    _cc("-shared", "-fPIC", "-o", tmp_path / "libanswer.so", tmp_path / "lib.c")
    _cc("-o", tmp_path / "fn", tmp_path / "main.c", tmp_path / "libanswer.so")
    out = tmp_path / "fn.zip"
    r = lambdakit("package", tmp_path / "fn", "--bundle-libraries", "--output", out)
    assert r.returncode == 1
    assert str(tmp_path / "libanswer.so") in r.stderr and "SONAME" in r.stderr, r.stderr
    assert not out.exists()


def test_bundle_names_a_library_missing_on_this_machine(tmp_path):
    (tmp_path / "lib.c").write_text("int answer(void) { return 42; }\n")
    (tmp_path / "main.c").write_text("int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n")
    _cc("-shared", "-fPIC", "-Wl,-soname,libanswer-lambdakit-test.so", "-o",
        tmp_path / "libanswer-lambdakit-test.so", tmp_path / "lib.c")
    _cc("-o", tmp_path / "fn", tmp_path / "main.c", "-L", tmp_path, "-lanswer-lambdakit-test")
    out = tmp_path / "fn.zip"
    r = lambdakit("package", tmp_path / "fn", "--bundle-libraries", "--output", out)
    assert r.returncode == 1
    assert "libanswer-lambdakit-test.so" in r.stderr and "not on this machine" in r.stderr, r.stderr
    assert not out.exists()


def test_layer_of_an_extension_puts_it_in_extensions_and_checks_it(tmp_path):
    out = tmp_path / "ext.zip"
    ext = binary("bench_idle_extension")  # static C: passes every runtime's check
    r = lambdakit("package", "--layer", "extension", ext, "--output", out)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["extensions/bench_idle_extension"]
        assert (infos[0].external_attr >> 16) & 0o777 == 0o755
        assert z.read(infos[0].filename) == ext.read_bytes()
    # A script may be an extension; a library may not; an unknown kind names the two there are.
    script = tmp_path / "agent.sh"
    script.write_text("#!/bin/sh\nexec sleep 1\n")
    assert lambdakit("package", "--layer", "extension", script, "--output", out).returncode == 0
    lib = BIN.resolve().parent / "layer" / "libgreeting.so"
    r = lambdakit("package", "--layer", "extension", lib, "--output", tmp_path / "no.zip")
    assert r.returncode != 0 and "--layer lib" in r.stderr, r.stderr
    assert not (tmp_path / "no.zip").exists()
    r = lambdakit("package", "--layer", "plugin", ext, "--output", tmp_path / "no.zip")
    assert r.returncode != 0 and "lib or extension" in r.stderr, r.stderr


def test_a_function_needing_a_layers_library_says_so_with_from_layer(tmp_path):
    fn = binary("layer")  # linked against libgreeting.so
    r = lambdakit("package", fn, "--runtime", "provided.al2023", "--output", tmp_path / "f.zip")
    assert r.returncode != 0, r.stderr
    assert "--from-layer libgreeting.so" in r.stderr, r.stderr  # the fix, named
    r = lambdakit("package", fn, "--from-layer", "libgreeting.so", "--output", tmp_path / "f.zip")
    # Whatever else this machine's glibc makes it say, the library is no longer missing.
    assert "needs libgreeting.so" not in r.stderr, r.stderr
