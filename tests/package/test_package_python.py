"""`lambdakit package --runtime python3.X` (the Python-extension path): a module built by `lambdakit
build` goes into the zip under its own file name, checked for the runtime's Python ABI, libpython,
its PyInit_ and the runtime's glibc; `lambdakit deploy` creates it on `lambdakit serve`, where
awslambdaric imports it."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lkpackage import local_service
from test_package import BIN, binary, lambdakit

sys.path.append(str(Path(__file__).resolve().parents[1] / "python"))
import python_build  # noqa: E402

CP311 = "hello.cpython-311-x86_64-linux-gnu.so"


def readelf(path: Path, *flags: str) -> str:
    r = subprocess.run(["readelf", "-W", *flags, str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def newest_glibc(path: Path) -> tuple[int, ...]:
    versions = set(re.findall(r"GLIBC_(\d+(?:\.\d+)+)", readelf(path, "-V")))
    return max(tuple(int(x) for x in v.split(".")) for v in versions)


@pytest.mark.parametrize("runtime, limit", [("python3.11", (2, 26)), ("python3.12", (2, 34))])
def test_the_built_module_needs_no_newer_glibc_and_no_libpython(runtime, limit):
    module = python_build.module_file(runtime, "hello")
    assert newest_glibc(module) <= limit, (runtime, newest_glibc(module))
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", readelf(module, "-d"))
    assert needed and not [n for n in needed if n.startswith("libpython")], needed
    assert not [n for n in needed if n.startswith("libstdc++")], needed  # static
    exported = re.findall(r"\s(\S+)$", readelf(module, "--dyn-syms"), re.M)
    assert "PyInit_hello" in exported


def test_the_zip_holds_the_module_under_its_own_name(tmp_path):
    module = python_build.module_file("python3.11", "hello")
    out = tmp_path / "f.zip"
    r = lambdakit("package", module, "--runtime", "python3.11", "--output", out)
    assert r.returncode == 0, r.stderr
    assert "handler    hello.handler" in r.stderr, r.stderr
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == [CP311]
        assert z.read(CP311) == module.read_bytes()


def _copy(tmp_path: Path, src: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copy(src, dst)
    return dst


def test_refusals_name_the_problem_and_the_fix(tmp_path):
    out = tmp_path / "f.zip"
    abi3 = python_build.module_file("python3.12", "hello")
    cp311 = python_build.module_file("python3.11", "hello")
    cases = [
        (abi3, "python3.11", "is built for the stable ABI of Python 3.12"),
        (cp311, "python3.12", "is built for cpython-311-x86_64-linux-gnu, but python3.12 on x86_64 "
                              "loads cpython-312-x86_64-linux-gnu or abi3 modules"),
        (_copy(tmp_path, abi3, "hello.so"), "python3.12",
         "does not say which Python ABI it is built for: name it hello.cpython-312"),
        (_copy(tmp_path, abi3, "json.abi3.so"), "python3.12",
         "the module name json is taken by the Python runtime"),
        (_copy(tmp_path, abi3, "other.abi3.so"), "python3.12", "does not export PyInit_other"),
        (_copy(tmp_path, abi3, "my-mod.abi3.so"), "python3.12", "is not a Python module name"),
        (binary("hello"), "python3.12", "is an executable, not a shared library"),
        (python_build.in_tree("abi3") / "hello.abi3.so", "python3.12",
         "has at most GLIBC_2.34: build against glibc 2.34 or older (lambdakit build uses zig"),
    ]
    for path, runtime, text in cases:
        r = lambdakit("package", path, "--runtime", runtime, "--output", out)
        assert r.returncode == 1 and text in r.stderr, (path.name, runtime, r.stderr)
        assert not out.exists()
    r = lambdakit("package", abi3, "--runtime", "python3.12", "--handler", "hello.main", "--output", out)
    assert r.returncode == 1 and "so the Handler is hello.handler" in r.stderr, r.stderr
    r = lambdakit("package", abi3, "--runtime", "python3.12", "--bundle-libraries", "--output", out)
    assert r.returncode == 1 and "--bundle-libraries is for executables" in r.stderr, r.stderr


def test_a_module_that_links_libpython_is_refused(tmp_path):
    py = subprocess.run([str(python_build.REPO_ROOT / "scripts" / "find-python"), "3.11"],
                        capture_output=True, text=True, check=True).stdout.strip()
    libdir = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    src = tmp_path / "m.c"
    src.write_text("void* PyInit_m(void) { return 0; }\n")
    so = tmp_path / "m.cpython-311-x86_64-linux-gnu.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(src), "-o", str(so), "-Wl,--no-as-needed",
                    f"-L{libdir}", "-lpython3.11"], check=True)
    assert "libpython3.11.so" in readelf(so, "-d")
    r = lambdakit("package", so, "--runtime", "python3.11", "--output", tmp_path / "f.zip")
    assert r.returncode == 1, r.stderr
    assert "links libpython3.11.so" in r.stderr and "do not link libpython" in r.stderr, r.stderr


def test_deploy_creates_it_and_awslambdaric_imports_it(tmp_path):
    out = tmp_path / "f.zip"
    r = lambdakit("package", python_build.module_file("python3.12", "hello"), "--runtime", "python3.12",
                  "--output", out)
    assert r.returncode == 0, r.stderr
    with local_service(BIN / "lambdakit", tmp_path / "state") as (endpoint, client):
        r = lambdakit("deploy", out, "--function-name", "py-hello", "--runtime", "python3.12",
                      "--endpoint-url", endpoint)
        assert r.returncode == 2 and "needs --handler MODULE.handler" in r.stderr, r.stderr
        r = lambdakit("deploy", out, "--function-name", "py-hello", "--runtime", "python3.12",
                      "--handler", "hello.handler", "--endpoint-url", endpoint)
        assert r.returncode == 0, r.stderr
        got = client.invoke(FunctionName="py-hello", Payload=b"{}")
        assert got["StatusCode"] == 200 and "FunctionError" not in got, got
        assert got["Payload"].read() == b'{"message": "Hello World"}'


def test_the_python_examples_project_builds_as_its_readme_says(tmp_path):
    """examples/python (the example folder of this path) is a project of its own: `lambdakit
    build` makes a module and a zip per example, checked for python3.12."""
    project = tmp_path / "python"
    shutil.copytree(python_build.REPO_ROOT / "examples" / "python", project)
    # the project names its sources relative to itself (../hello/main.cc): give it its neighbours
    for d in ("hello", "echo", "fail", "context", "common"):
        shutil.copytree(python_build.REPO_ROOT / "examples" / d, tmp_path / d)
    r = subprocess.run([str(BIN / "lambdakit"), "build", "-C", str(project), "--runtime", "python3.12"],
                       capture_output=True, text=True, timeout=python_build.BUILD_TIMEOUT_S)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = [l.split() for l in r.stdout.splitlines() if len(l.split()) == 3]
    names = {l[0]: (Path(l[1]), Path(l[2])) for l in lines}
    assert set(names) >= {"hello", "echo", "fail", "context"}, r.stdout
    module, zip_path = names["context"]
    assert module.name == "context.abi3.so" and zip_path.exists()
    with zipfile.ZipFile(zip_path) as z:
        assert z.namelist() == ["context.abi3.so"]
