"""The example binaries against a misbehaving Runtime API.

Each test serves a scripted fake Runtime API (tests/interop/fake_runtime_api.py) on 127.0.0.1
port 0, runs a real example binary (hello or echo) against it with AWS_LAMBDA_RUNTIME_API set,
and checks the action docs/runtime.md defines for that case ("When things go wrong"): the exit
code (1 api failed, 2 bad environment, 3 init failed), the message on stderr (every line
prefixed `lambdakit: `) and what the runtime sent to the API.

Configuration: LAMBDAKIT_BIN_DIR (default <repo>/build/bin). A missing binary fails the test.
Run: python3 -m pytest -q tests/interop/test_bad_runtime_api.py
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_runtime_api import (  # noqa: E402
    FakeRuntimeApi, Reply, deadline_in, hang_up, in_order, invocation, reset, response)

REPO_ROOT = Path(__file__).resolve().parents[2]
API = "/2018-06-01/runtime"
NEXT = f"{API}/invocation/next"

EXIT_API_FAILED = 1
EXIT_BAD_ENVIRONMENT = 2

RUN_TIMEOUT_S = 15.0        # no case needs more than ~1.3 s; this only bounds a hung binary
RETRY_TOTAL_S = 1.27        # 10 + 20 + ... + 640 ms of backoff over 8 tries (docs/runtime.md)
PREFIX = "lambdakit: "


# --- running a binary ----------------------------------------------------------------------------

def bin_dir() -> Path:
    return Path(os.environ.get("LAMBDAKIT_BIN_DIR", REPO_ROOT / "build" / "bin"))


def binary(name: str) -> Path:
    path = bin_dir() / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"example binary {name!r} not found/executable at {path}. "
                    "Run `make build` or set LAMBDAKIT_BIN_DIR.", pytrace=False)
    return path


@dataclass
class Run:
    name: str
    returncode: int
    stdout: str
    stderr: str
    elapsed_s: float

    def describe(self) -> str:
        return (f"{self.name}: exit {self.returncode} after {self.elapsed_s:.2f}s\n"
                f"--- stderr ---\n{self.stderr}--- stdout ---\n{self.stdout}")


_UNSET = object()


def run_binary(name: str, runtime_api=_UNSET, *, vmem_limit_kib: int | None = None,
               timeout: float = RUN_TIMEOUT_S) -> Run:
    """Runs build/bin/<name> to its end with AWS_LAMBDA_RUNTIME_API=runtime_api (unset when not
    given). A binary still running after `timeout` is killed and the test fails."""
    exe = binary(name)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_LAMBDA_") and k not in ("_X_AMZN_TRACE_ID", "_HANDLER")}
    if runtime_api is not _UNSET:
        env["AWS_LAMBDA_RUNTIME_API"] = runtime_api
    argv = [str(exe)]
    if vmem_limit_kib is not None:  # cap the address space; exec keeps the pid
        argv = ["/bin/sh", "-c", f'ulimit -v {vmem_limit_kib} && exec "$0"', str(exe)]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        run = Run(name, proc.returncode, out.decode(errors="replace"),
                  err.decode(errors="replace"), time.monotonic() - t0)
        pytest.fail(f"{name} still running after {timeout}s (killed)\n{run.describe()}",
                    pytrace=False)
    return Run(name, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
               time.monotonic() - t0)


def assert_outcome(run: Run, code: int, *needles: str, api: FakeRuntimeApi | None = None):
    """Exit code `code`, every stderr line prefixed, and each needle somewhere on stderr."""
    context = run.describe() + ("\n" + api.describe() if api else "")
    assert run.returncode == code, f"expected exit {code}\n{context}"
    lines = run.stderr.splitlines()
    assert lines, f"nothing on stderr\n{context}"
    bad = [line for line in lines if not line.startswith(PREFIX)]
    assert not bad, f"stderr lines without the {PREFIX!r} prefix: {bad}\n{context}"
    for needle in needles:
        assert needle in run.stderr, f"stderr does not mention {needle!r}\n{context}"


def assert_requests(api: FakeRuntimeApi, run: Run, expected: list[tuple[str, str]]):
    got = [(r.method, r.path) for r in api.snapshot()]
    assert got == expected, f"requests seen by the API differ\n{run.describe()}\n{api.describe()}"


@pytest.fixture
def fake_api():
    """Factory: `fake_api(script)` -> a started FakeRuntimeApi, stopped (and checked) at teardown."""
    servers: list[FakeRuntimeApi] = []

    def start(script, lifetime: float = 60.0) -> FakeRuntimeApi:
        api = FakeRuntimeApi(script, lifetime=lifetime).start()
        servers.append(api)
        return api

    yield start
    for api in servers:
        assert api.stop(), f"fake Runtime API threads did not stop\n{api.describe()}"
        assert not api.errors, api.describe()


def closed_port() -> int:
    """A loopback port that was just bound and released: nobody listens on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- /next answers that end the runtime at once --------------------------------------------------

FATAL_NEXT_ANSWERS = {
    # case 1: not HTTP at all (a TLS ClientHello prefix and garbage)
    "garbage": (Reply(b"\x16\x03\x01garbage\r\n\r\n"), ["malformed"]),
    # case 5: the spec's container error
    "status-500": (response(500, b'{"errorMessage":"boom"}'), ["container error"]),
    # case 6: no id to report against
    "no-request-id": (invocation(None, b'{"a":1}'), ["Lambda-Runtime-Aws-Request-Id"]),
    # case 8: LF line ends
    "bare-lf": (Reply(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n"), ["bare LF"]),
    # further rows of the same table in docs/runtime.md
    "status-404": (response(404, b"no such route"), ["404", "no such route"]),
    "request-id-unusable-in-path": (invocation("a/../b", b"{}"),
                                    ["Lambda-Runtime-Aws-Request-Id"]),
}


@pytest.mark.parametrize("name", ["hello", "echo"])
@pytest.mark.parametrize("case", list(FATAL_NEXT_ANSWERS))
def test_fatal_next_answer(fake_api, name, case):
    """The answer to the first GET /next ends the runtime with exit 1 and a message; it is not
    retried (the connection stays open, so nothing but the bytes themselves can end it)."""
    reply, needles = FATAL_NEXT_ANSWERS[case]
    api = fake_api(lambda req, api: reply)
    run = run_binary(name, api.address)
    assert_outcome(run, EXIT_API_FAILED, *needles, api=api)
    assert_requests(api, run, [("GET", NEXT)])


# --- case 2: a Content-Length of 10 GB -------------------------------------------------------------

@pytest.mark.parametrize("name", ["hello", "echo"])
def test_content_length_10gb_refused_before_reading(fake_api, name):
    # Only the head is sent and the connection stays open: a runtime that tried to read (or
    # allocate) the body would hang or die. The address space is capped at 1 GiB, so a 10 GB
    # allocation fails instead of being overcommitted.
    api = fake_api(lambda req, api: Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n"
                                          b"Lambda-Runtime-Aws-Request-Id: req-big\r\n"
                                          b"Lambda-Runtime-Deadline-Ms: " + deadline_in().encode()
                                          + b"\r\n\r\n"))
    run = run_binary(name, api.address, vmem_limit_kib=1024 * 1024)
    assert_outcome(run, EXIT_API_FAILED, "exceeds the limit", api=api)
    assert run.elapsed_s < 5.0, run.describe()
    assert_requests(api, run, [("GET", NEXT)])


# --- case 3: the peer closes mid-answer, every time ------------------------------------------------

def test_partial_answer_every_time_retried_8_times(fake_api):
    api = fake_api(lambda req, api: Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
                                          close=True))
    run = run_binary("hello", api.address)
    assert_outcome(run, EXIT_API_FAILED, "failed 8 times", api=api)
    assert_requests(api, run, [("GET", NEXT)] * 8)
    # Every try went out on a fresh connection, after the documented backoff.
    assert api.connections == 8, api.describe()
    assert RETRY_TOTAL_S * 0.9 <= run.elapsed_s < RETRY_TOTAL_S + 5.0, run.describe()


# --- case 4: closed twice without an answer, then a good invocation --------------------------------

@pytest.mark.parametrize("hang", [hang_up, reset], ids=["close", "reset"])
def test_reconnects_then_serves_the_invocation(fake_api, hang):
    api = fake_api(in_order(
        hang(),
        hang(),
        invocation("req-1", b'{"a":1}'),
        response(202, b'{"status":"OK"}'),       # the POST /response
        response(500, b'{"errorMessage":"container going away"}'),
    ))
    run = run_binary("echo", api.address)
    assert_outcome(run, EXIT_API_FAILED, "container error", api=api)
    assert_requests(api, run, [("GET", NEXT)] * 3
                    + [("POST", f"{API}/invocation/req-1/response"), ("GET", NEXT)])
    post = api.snapshot()[3]
    assert post.body == b'{"a":1}', api.describe()


# --- case 7: an invocation without a usable deadline -----------------------------------------------

@pytest.mark.parametrize("deadline", [None, "soon"], ids=["missing", "non-numeric"])
def test_bad_deadline_reported_as_malformed_invocation(fake_api, deadline):
    api = fake_api(in_order(
        invocation("req-7", b'{"a":1}', deadline=deadline),
        response(202, b'{"status":"OK"}'),       # the POST /error
        response(500, b'{"errorMessage":"stop"}'),
    ))
    run = run_binary("echo", api.address)
    assert_outcome(run, EXIT_API_FAILED, "container error", api=api)
    assert_requests(api, run, [("GET", NEXT), ("POST", f"{API}/invocation/req-7/error"),
                               ("GET", NEXT)])
    post = api.snapshot()[1]
    assert post.header("Lambda-Runtime-Function-Error-Type") == "Runtime.MalformedInvocation", \
        api.describe()
    assert json.loads(post.body)["errorType"] == "Runtime.MalformedInvocation", post.body


# --- case 9: nobody listening ----------------------------------------------------------------------

def test_nobody_listening():
    run = run_binary("hello", f"127.0.0.1:{closed_port()}")
    assert_outcome(run, EXIT_API_FAILED, "check AWS_LAMBDA_RUNTIME_API")
    assert RETRY_TOTAL_S * 0.9 <= run.elapsed_s < 3.0, run.describe()


# --- case 10: a bad environment ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["hello", "echo"])
@pytest.mark.parametrize("value, needles", [
    (_UNSET, ["AWS_LAMBDA_RUNTIME_API", "host:port"]),
    ("http://127.0.0.1:9001", ["AWS_LAMBDA_RUNTIME_API", "expected host:port"]),
    ("127.0.0.1", ["AWS_LAMBDA_RUNTIME_API", "expected host:port"]),
], ids=["unset", "with-scheme", "no-port"])
def test_bad_environment(name, value, needles):
    run = run_binary(name, value)
    assert_outcome(run, EXIT_BAD_ENVIRONMENT, *needles)


# --- case 11: a post answered with an error status -------------------------------------------------

@pytest.mark.parametrize("status", [413, 400, 403])
def test_rejected_post_is_logged_and_polling_goes_on(fake_api, status):
    api = fake_api(in_order(
        invocation("req-11", b"{}"),
        response(status, b'{"errorMessage":"rejected by the fake"}'),
        response(500, b'{"errorMessage":"stop"}'),
    ))
    run = run_binary("hello", api.address)
    assert_outcome(run, EXIT_API_FAILED, str(status), "container error", api=api)
    assert_requests(api, run, [("GET", NEXT), ("POST", f"{API}/invocation/req-11/response"),
                               ("GET", NEXT)])
    assert api.snapshot()[1].body == b'{"message":"Hello World"}'


def test_post_answered_500_is_a_container_error(fake_api):
    api = fake_api(in_order(
        invocation("req-500", b"{}"),
        response(500, b'{"errorMessage":"container error"}'),
    ))
    run = run_binary("hello", api.address)
    assert_outcome(run, EXIT_API_FAILED, "container error", api=api)
    assert_requests(api, run, [("GET", NEXT), ("POST", f"{API}/invocation/req-500/response")])


# --- case 12: a 1 MiB event, chunked --------------------------------------------------------------

def binary_safe_json_string(size: int) -> bytes:
    """A JSON string literal of exactly `size` bytes: escapes (\\u0000, \\", \\\\, \\r\\n),
    multi-byte UTF-8, DEL, text that looks like HTTP framing, and a counter so that a dropped,
    doubled or reordered piece shows."""
    pieces = [b"\\u0000", b'\\"', b"\\\\", b"\\r\\n\\r\\n", b"0\\r\\n", b"\x7f",
              "é日本🚀\u2028".encode(), b"HTTP/1.1 200 OK", b"Content-Length: 5", b"{}[],:"]
    out = bytearray(b'"')
    i = 0
    while True:
        piece = pieces[i % len(pieces)] + b"%x;" % i
        if len(out) + len(piece) > size - 1:
            break
        out += piece
        i += 1
    out += b"." * (size - 1 - len(out)) + b'"'
    data = bytes(out)
    assert len(data) == size
    json.loads(data)  # valid JSON (and valid UTF-8)
    return data


def test_echo_chunked_1mib_event_byte_for_byte(fake_api):
    payload = binary_safe_json_string(1024 * 1024)
    cuts = [0, 1, 3, 4096, 70000, 70001, 200000, 655360, len(payload)]
    chunks = [payload[a:b] for a, b in zip(cuts, cuts[1:])]
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Lambda-Runtime-Aws-Request-Id: req-12\r\n"
            f"Lambda-Runtime-Deadline-Ms: {deadline_in()}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    pieces = [head] + [b"%X\r\n" % len(c) + c + b"\r\n" for c in chunks] + [b"0\r\n\r\n"]
    api = fake_api(in_order(
        Reply(pieces),                         # each chunk leaves in its own send
        response(202, b'{"status":"OK"}'),
        response(500, b'{"errorMessage":"stop"}'),
    ))
    run = run_binary("echo", api.address)
    assert_outcome(run, EXIT_API_FAILED, "container error", api=api)
    assert_requests(api, run, [("GET", NEXT), ("POST", f"{API}/invocation/req-12/response"),
                               ("GET", NEXT)])
    got = api.snapshot()[1].body
    if got != payload:
        first = next((i for i, (a, b) in enumerate(zip(got, payload)) if a != b),
                     min(len(got), len(payload)))
        pytest.fail(f"echo mismatch: sent {len(payload)} bytes, got {len(got)}; first difference "
                    f"at byte {first}: sent {payload[first:first + 40]!r}, "
                    f"got {got[first:first + 40]!r}", pytrace=False)
