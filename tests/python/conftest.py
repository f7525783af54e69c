"""The Python-extension path in plain CPython: lambdakit's example modules (build/<preset>/python,
made by `make build`) imported straight into the interpreter that runs pytest. `make python`
runs this suite under Python 3.11 (the cpython-311 modules) and 3.12 and 3.13 (the abi3 ones).

A missing module FAILS the test (never skips)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import python_build  # noqa: E402

ABI = "cp311" if sys.version_info[:2] == (3, 11) else "abi3"
if sys.version_info[:2] < (3, 11):
    raise pytest.UsageError("tests/python needs Python 3.11 or later (the modules' ABIs)")
MODULE_DIR = python_build.in_tree(ABI)
sys.path.insert(0, str(MODULE_DIR))


class FakeContext:
    """What awslambdaric passes as `context`, with the attributes a handler may read."""

    def __init__(self, request_id="req-1", remaining_ms=3000, client_context=None, identity=None):
        self.aws_request_id = request_id
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
        self.function_name = "f"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = "128"
        self.log_group_name = "/aws/lambda/f"
        self.log_stream_name = "2026/12/02/[$LATEST]abc"
        self.client_context = client_context
        self.identity = identity
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@pytest.fixture
def ctx():
    return FakeContext()
