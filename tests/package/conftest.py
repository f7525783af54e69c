"""Shared fixtures: lambdakit installed into a temporary prefix, as a user would install it."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("LAMBDAKIT_BUILD_DIR", ROOT / "build" / "release"))


@pytest.fixture(scope="session")
def prefix(tmp_path_factory):
    if not (BUILD / "CMakeCache.txt").exists():
        pytest.fail(f"{BUILD} is not configured: run make build")
    p = tmp_path_factory.mktemp("prefix")
    r = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(p)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert (p / "lib/cmake/lambdakit/lambdakitConfig.cmake").exists()
    assert (p / "bin/lambdakit").exists()
    return p
