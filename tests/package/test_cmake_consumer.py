"""find_package(lambdakit) and lambdakit_add_function() in an out-of-tree project (fmt's
find-package test, done our way): install lambdakit, build tests/cmake/consumer against it, and run
the zip it made on lambdakit serve."""

import os
import subprocess
from pathlib import Path

import pytest
from lkpackage import deploy_and_invoke, local_service

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = ROOT / "tests" / "cmake" / "consumer"


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)


def configure_and_build(prefix, build_dir, *defs):
    r = run("cmake", "-S", CONSUMER, "-B", build_dir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_PREFIX_PATH={prefix}", *defs)
    assert r.returncode == 0, r.stdout + r.stderr
    return run("cmake", "--build", build_dir)


def test_consumer_builds_and_its_zip_answers_on_the_local_service(prefix, tmp_path):
    b = configure_and_build(prefix, tmp_path / "build")
    assert b.returncode == 0, b.stdout + b.stderr
    z = tmp_path / "build" / "greeter.zip"
    assert z.exists()
    with local_service(prefix / "bin/lambdakit", tmp_path / "state") as (_, lam):
        answer = deploy_and_invoke(lam, "greeter", "provided.al2", z, b'{"a":1}')
        assert answer == b'{"greeting":"hello from a consumer","bytes":7}'


def test_a_dynamic_build_for_amazon_linux_2_fails_at_packaging(prefix, tmp_path):
    b = configure_and_build(prefix, tmp_path / "build", "-DCONSUMER_DYNAMIC=ON")
    assert b.returncode != 0
    out = b.stdout + b.stderr
    assert "has at most GLIBC_2.26" in out, out
    assert not (tmp_path / "build" / "greeter.zip").exists()


def test_add_subdirectory_builds_only_the_runtime_and_the_function(tmp_path):
    b = tmp_path / "build"
    r = run("cmake", "-S", ROOT / "tests" / "cmake" / "subdirectory", "-B", b, "-G", "Ninja",
            "-DCMAKE_BUILD_TYPE=Release", f"-DLAMBDAKIT_SOURCE_DIR={ROOT}")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("cmake", "--build", b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (b / "vendored").exists()
    # The function is a static Linux executable, ready to be `bootstrap`.
    head = (b / "vendored").read_bytes()[:4]
    assert head == b"\x7fELF"
