"""lambdakit's examples as CPython extension modules, two ways, for every suite that needs them.

  in_tree(abi)     build/<preset>/python/<abi>/: made by `make build` (examples/CMakeLists.txt,
                   this machine's compiler and glibc): for importing into this machine's Pythons.
  for_lambda(rt)   `lambdakit build --runtime <rt>` of a project made of the examples' unchanged
                   sources (zig, the runtime's glibc): the modules and zips a user deploys,
                   built once per session (the build is incremental: an unchanged tree is a
                   no-op) under build/python-functions/.

A missing module, CLI or failed build FAILS the test (never skips).
"""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("hello", "echo", "fail", "sleep", "crash", "alloc", "stream", "context")
# runtime -> the module file's ABI tag
RUNTIMES = {"python3.11": "cpython-311-x86_64-linux-gnu", "python3.12": "abi3"}
BUILD_TIMEOUT_S = 900.0


def bin_dir() -> Path:
    return Path(os.environ.get("LAMBDAKIT_BIN_DIR", REPO_ROOT / "build" / "bin")).resolve()


def in_tree(abi: str) -> Path:
    """The folder of the in-tree modules for `abi` ("cp311" or "abi3")."""
    d = bin_dir().parent / "python" / abi
    if not (d / ("hello." + ("abi3" if abi == "abi3" else RUNTIMES["python3.11"]) + ".so")).exists():
        pytest.fail(f"no example modules in {d}: run `make build` (it builds them where Python "
                    "3.11/3.12 headers and nanobind are installed: scripts/install-deps)",
                    pytrace=False)
    return d


PROJECT = """cmake_minimum_required(VERSION 3.25)
project(lambdakit_python_examples CXX)
find_package(lambdakit REQUIRED)
foreach(example {examples})
  lambdakit_add_function(${{example}} SOURCES {root}/examples/${{example}}/main.cc)
  target_include_directories(${{example}} PRIVATE {root}/examples/common)
endforeach()
foreach(fn {test_functions})
  lambdakit_add_function(${{fn}} SOURCES {root}/tests/functions/${{fn}}/main.cc)
endforeach()
"""
TEST_FUNCTIONS = ("chatty", "respond")


@lru_cache(maxsize=None)
def for_lambda(runtime: str) -> Path:
    """The folder where `lambdakit build --runtime <runtime>` left <example>.<tag>.so and
    <example>.zip for every example."""
    project = REPO_ROOT / "build" / "python-functions"
    project.mkdir(parents=True, exist_ok=True)
    text = PROJECT.format(examples=" ".join(EXAMPLES), test_functions=" ".join(TEST_FUNCTIONS),
                          root=REPO_ROOT)
    lists = project / "CMakeLists.txt"
    if not lists.exists() or lists.read_text() != text:
        lists.write_text(text)
    cli = bin_dir() / "lambdakit"
    if not cli.exists():
        pytest.fail(f"no {cli}: run `make build`", pytrace=False)
    r = subprocess.run([str(cli), "build", "-C", str(project), "--runtime", runtime],
                       capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    if r.returncode != 0:
        pytest.fail(f"lambdakit build --runtime {runtime} failed ({r.returncode}):\n"
                    f"{r.stdout[-4000:]}\n{r.stderr[-4000:]}", pytrace=False)
    out = None
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "hello":
            out = Path(parts[2]).parent
    if out is None:
        pytest.fail(f"lambdakit build printed no `hello BINARY ZIP` line:\n{r.stdout}", pytrace=False)
    return out


def module_file(runtime: str, example: str) -> Path:
    return for_lambda(runtime) / f"{example}.{RUNTIMES[runtime]}.so"


def zip_bytes(runtime: str, example: str) -> bytes:
    return (for_lambda(runtime) / f"{example}.zip").read_bytes()
