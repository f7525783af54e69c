"""go1.x functions for the service tests: zips whose Handler names the executable, the real
aws-lambda-go programs of tests/interop/go1x (built and cached by tests/interop/go1x_build.py,
imported from there), and the hand-written go1.x fake in functions/go1x_fake.

A missing binary or Go toolchain FAILS the test (never skips)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from lkzips import FUNCTIONS_DIR, REPO_ROOT, example_binary, make_zip, python_script_bytes

INTEROP_DIR = REPO_ROOT / "tests" / "interop"
if str(INTEROP_DIR) not in sys.path:
    sys.path.append(str(INTEROP_DIR))  # appended: nothing there shadows a tests/service module
import go1x_build  # noqa: E402

FAKE = FUNCTIONS_DIR / "go1x_fake" / "fake"


def go1x_zip(executable: bytes, handler: str) -> bytes:
    """A go1.x zip: `executable` at the root under the Handler's name, mode 0755."""
    return make_zip({handler: (executable, 0o755)})


@lru_cache(maxsize=None)
def example_go1x_zip(example: str) -> bytes:
    """build/bin/<example> as a go1.x function whose Handler is `example`."""
    return go1x_zip(example_binary(example).read_bytes(), example)


@lru_cache(maxsize=None)
def go_programs_dir() -> Path:
    """The built tests/interop/go1x programs (hello, echo, rpcdrive, vectors)."""
    return go1x_build.build()[0]


@lru_cache(maxsize=None)
def go_function_zip(program: str) -> bytes:
    """tests/interop/go1x/cmd/<program> (a real aws-lambda-go function) as a go1.x function
    whose Handler is `program`."""
    return go1x_zip((go_programs_dir() / program).read_bytes(), program)


@lru_cache(maxsize=None)
def fake_zip() -> bytes:
    """functions/go1x_fake/fake as a go1.x function whose Handler is `fake`."""
    return go1x_zip(python_script_bytes(FAKE), "fake")
