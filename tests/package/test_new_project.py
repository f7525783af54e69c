"""`lambdakit new` → build → test → package → deploy to the local service → invoke, as a new user
would, with an installed lambdakit."""

import subprocess

import pytest
from lkpackage import local_service


def run(*args, cwd=None, timeout=600):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_new_project_builds_tests_deploys_and_answers(prefix, tmp_path):
    cli = prefix / "bin" / "lambdakit"
    r = run(cli, "new", "hello-user", "--dir", tmp_path)
    assert r.returncode == 0, r.stderr
    project = tmp_path / "hello-user"
    assert r.stdout.strip() == str(project)
    assert f"-DCMAKE_PREFIX_PATH={prefix}" in r.stderr, r.stderr  # the exact next command
    for f in ("CMakeLists.txt", "src/handler.h", "src/handler.cc", "src/main.cc", "test/handler_test.cc", "README.md"):
        assert (project / f).is_file(), f
    r = run("cmake", "-S", project, "-B", project / "build", "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_PREFIX_PATH={prefix}")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("cmake", "--build", project / "build")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("ctest", "--test-dir", project / "build", "--output-on-failure")
    assert r.returncode == 0 and "100% tests passed, 0 tests failed out of 1" in r.stdout, r.stdout
    r = run(project / "build" / "hello-user_test")
    assert r.returncode == 0 and r.stdout.strip() == "3 passed, 0 failed", r.stdout
    zip_path = project / "build" / "hello-user.zip"
    assert zip_path.exists()

    with local_service(cli, tmp_path / "state") as (endpoint, _):
        r = run(cli, "deploy", zip_path, "--function-name", "hello-user", "--endpoint-url", endpoint)
        assert r.returncode == 0, r.stderr
        assert "hello-user created" in r.stdout
        assert "aws lambda create-function --function-name hello-user" in r.stderr
        r = run(cli, "invoke", "hello-user", '{"hello":"world"}', "--endpoint-url", endpoint)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == '{"message":"Hello from hello-user","event_bytes":17}'
        r = run(cli, "deploy", zip_path, "--function-name", "hello-user", "--endpoint-url", endpoint)
        assert r.returncode == 0 and "hello-user updated" in r.stdout, r.stderr


@pytest.mark.parametrize("name, message", [
    ("1abc", "not a usable name"),
    ("has space", "not a usable name"),
    ("../escape", "not a usable name"),
])
def test_new_refuses_bad_names(prefix, tmp_path, name, message):
    r = run(prefix / "bin" / "lambdakit", "new", name, "--dir", tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_an_existing_folder(prefix, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    r = run(prefix / "bin" / "lambdakit", "new", "taken", "--dir", tmp_path)
    assert r.returncode == 1 and "already exists" in r.stderr
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"


def test_deploy_errors_name_the_fix(prefix, tmp_path):
    cli = prefix / "bin" / "lambdakit"
    r = run(cli, "deploy", tmp_path / "missing.zip", "--function-name", "f")
    assert r.returncode == 1 and "make one with `lambdakit package`" in r.stderr, r.stderr
    (tmp_path / "f.zip").write_bytes(b"PK")
    r = run(cli, "deploy", tmp_path / "f.zip", "--function-name", "f", "--endpoint-url", "http://127.0.0.1:1")
    assert r.returncode == 2 and "is `lambdakit serve` running?" in r.stderr, r.stderr
