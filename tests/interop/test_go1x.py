"""The go1.x path: function binaries answering Go's net/rpc (gob) on _LAMBDA_SERVER_PORT.

Each scenario runs twice: against lambdakit's C++ example binaries ("cpp": $LAMBDAKIT_BIN_DIR,
default <repo>/build/bin) and against real aws-lambda-go functions ("go-control":
tests/interop/go1x/cmd/hello and cmd/echo), which proves the driver itself against the real
thing. The driver is tests/interop/go1x/cmd/rpcdrive (Go's own net/rpc client with aws-lambda-go's
message types). The vectors tests regenerate tests/data/go1x-vectors*.txt with real Go.
Protocol: go1x-rpc.md (wire format) and tests/data/go1x-vectors.txt (recorded messages).

A missing binary or Go toolchain FAILS (never skips). Run: python3 -m pytest -q tests/interop/test_go1x.py
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import go1x_build  # noqa: E402
from go1x_process import Function, drive, free_port  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "tests" / "data"
HELLO = '{"message":"Hello World"}'
IMPLS = [pytest.param("cpp", id="cpp"), pytest.param("go", id="go-control")]

# What stands in for each C++ example in the Go control (the event differs where noted below).
GO_TWIN = {"hello": "hello", "echo": "echo", "fail": "hello", "crash": "hello", "sleep": "hello"}


def bin_dir() -> Path:
    return Path(os.environ.get("LAMBDAKIT_BIN_DIR", REPO_ROOT / "build" / "bin"))


@pytest.fixture(scope="session")
def go1x():
    """(directory of the built Go programs, go env)."""
    return go1x_build.build()


@pytest.fixture
def start(go1x, tmp_path):
    """Factory: `start("cpp", "echo")` -> a started Function (stopped at teardown)."""
    started: list[Function] = []

    def _start(impl: str, example: str, env: dict[str, str] | None = None,
               wait_listen: bool = True) -> Function:
        if impl == "cpp":
            exe = bin_dir() / example
            if not (exe.is_file() and os.access(exe, os.X_OK)):
                pytest.fail(f"example binary {example!r} not found/executable at {exe}. "
                            "Run `make build` or set LAMBDAKIT_BIN_DIR.", pytrace=False)
        else:
            exe = go1x[0] / GO_TWIN[example]
        workdir = tmp_path / f"{impl}-{example}-{len(started)}"
        workdir.mkdir()
        fn = Function(f"{impl}:{example}", exe, workdir, dict(env or {}))
        started.append(fn)
        return fn.start(wait_listen=wait_listen)

    yield _start
    for fn in started:
        fn.stop()


@pytest.fixture
def rpc(go1x):
    """rpc(function_or_addr, scenario, *flags) -> Drive."""
    return lambda target, scenario, *args, **kw: drive(go1x[0] / "rpcdrive", target, scenario, *args, **kw)


def _json_string(size: int) -> bytes:
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"
    return b'"' + bytes(alphabet[(i * 7 + i // 97) % len(alphabet)] for i in range(size - 2)) + b'"'


def _invoke(rpc, fn, payload: bytes, tmp_path: Path, *args: str):
    path = tmp_path / f"payload-{hashlib.sha256(payload).hexdigest()[:12]}"
    path.write_bytes(payload)
    return rpc(fn, "invoke", "-payload-file", str(path), *args)


# --- connecting and Ping -----------------------------------------------------------------------

@pytest.mark.parametrize("impl", IMPLS)
def test_ping(impl, start, rpc):
    d = rpc(start(impl, "hello"), "ping", "-n", "3").expect_ok()
    assert d["pings"] == 3, d.why()


@pytest.mark.parametrize("impl", IMPLS)
def test_dial_before_listen(impl, start, rpc):
    # The host dials right after exec and retries until the listener is up.
    rpc(start(impl, "hello", wait_listen=False), "ping").expect_ok()


@pytest.mark.parametrize("impl", IMPLS)
def test_connections_one_after_another(impl, start, rpc):
    fn = start(impl, "hello")
    for _ in range(3):  # each run: a new connection, a new gob stream (type definitions again)
        d = rpc(fn, "invoke", "-payload", "{}").expect_ok()
        assert d["payload"] == HELLO, d.why()
    assert fn.alive(), fn.log_tail()


@pytest.mark.parametrize("impl", IMPLS)
def test_server_port_wins_over_runtime_api(impl, start, rpc):
    # Both set, as aws-lambda-go checks _LAMBDA_SERVER_PORT first. The Runtime API address is a
    # closed port: a binary that chose it would fail its requests and never listen.
    fn = start(impl, "hello", env={"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{free_port()}"})
    d = rpc(fn, "invoke", "-payload", "{}").expect_ok()
    assert d["payload"] == HELLO and d["error"] is None, d.why()
    time.sleep(0.3)
    assert fn.alive(), fn.log_tail()


# --- Invoke: answers and errors ----------------------------------------------------------------

@pytest.mark.parametrize("impl", IMPLS)
def test_invoke_hello(impl, start, rpc):
    d = rpc(start(impl, "hello"), "invoke", "-payload", '{"name":"go1.x"}').expect_ok()
    assert d["rpc_error"] is None and d["error"] is None, d.why()
    assert d["payload"] == HELLO, d.why()


ECHO_PAYLOADS = {
    "empty": b"",
    "json": b'{"a":1,"b":[true,false,null],"c":"x"}',
    "unicode": json.dumps("héllo wörld — 日本語テキスト 🚀 𝄞 עברית", ensure_ascii=False).encode(),
    "controls": json.dumps("".join(chr(c) for c in range(0x20)) + '\x7f"\\\u2028\ufeff').encode(),
    "len-127": _json_string(127),
    "len-128": _json_string(128),
    "len-65536": _json_string(65536),
    "1mb": _json_string(1024 * 1024),
}


@pytest.mark.parametrize("case", list(ECHO_PAYLOADS))
@pytest.mark.parametrize("impl", IMPLS)
def test_echo_payload(impl, case, start, rpc, tmp_path):
    payload = ECHO_PAYLOADS[case]
    d = _invoke(rpc, start(impl, "echo"), payload, tmp_path).expect_ok()
    assert d["error"] is None, d.why()
    assert (d["payload_len"], d["payload_sha256"]) == (len(payload), hashlib.sha256(payload).hexdigest()), \
        d.why()


@pytest.mark.parametrize("impl", IMPLS)
def test_echo_5mb(impl, start, rpc):
    d = rpc(start(impl, "echo"), "big", "-size", "5000000").expect_ok()
    assert d["size"] == 5_000_000, d.why()


# A function error travels in InvokeResponse.Error; the RPC call itself succeeds.
FAIL_CASES = {
    "cpp": ("fail", b'{"amount":42}', "examples::payment_declined"),
    "go": ("fail", b'{"fail":"card 4242 was declined"}', "errorString"),  # errors.New's type
}


@pytest.mark.parametrize("impl", IMPLS)
def test_function_error(impl, start, rpc, tmp_path):
    example, event, error_type = FAIL_CASES[impl]
    fn = start(impl, example)
    for _ in range(2):  # not fatal: the process answers the next invoke the same way
        d = _invoke(rpc, fn, event, tmp_path).expect_ok()
        assert d["rpc_error"] is None, d.why()
        assert d["error"] == {"message": "card 4242 was declined", "type": error_type,
                              "stack_trace": [], "should_exit": False}, d.why()
        assert d["payload"] == "", d.why()
    assert fn.alive(), fn.log_tail()


def test_panic_go_control(start, rpc, tmp_path):
    # aws-lambda-go recovers a panic into Error with a stack trace and ShouldExit (restart me).
    d = _invoke(rpc, start("go", "hello"), b'{"panic":"kaboom"}', tmp_path).expect_ok()
    err = d["error"]
    assert err["message"] == "kaboom" and err["type"] == "string" and err["should_exit"] is True, d.why()
    assert any(f["label"] == "handle" and f["path"].endswith("main.go") for f in err["stack_trace"]), d.why()


EXIT_CASES = {"cpp": ("crash", b'{"code":3}'), "go": ("crash", b'{"exit":3}')}


@pytest.mark.parametrize("impl", IMPLS)
def test_exit_during_invoke(impl, start, rpc, tmp_path):
    # The process dies mid-call: the host sees the connection end (an RPC failure, not a
    # Response.Error) and the exit status.
    example, event = EXIT_CASES[impl]
    fn = start(impl, example)
    d = _invoke(rpc, fn, event, tmp_path)
    assert d.returncode == 1 and d["ok"] is False, d.why()
    assert d["rpc_error"] and d["rpc_error_from_server"] is False, d.why()
    assert fn.wait_exit(5.0) == 3, fn.log_tail()


SLEEP_CASES = {"cpp": (b'{"ms":300}', '{"slept_ms":300}'), "go": (b'{"sleep_ms":300}', HELLO)}


@pytest.mark.parametrize("impl", IMPLS)
def test_sleep(impl, start, rpc, tmp_path):
    event, answer = SLEEP_CASES[impl]
    d = _invoke(rpc, start(impl, "sleep"), event, tmp_path).expect_ok()
    assert d["payload"] == answer and d["error"] is None, d.why()
    assert d["elapsed_ms"] >= 300, d.why()


# --- RPC-level errors: the call cannot be routed ----------------------------------------------

@pytest.mark.parametrize("scenario", ["unknown-method", "unknown-service", "ill-formed"])
@pytest.mark.parametrize("impl", IMPLS)
def test_unroutable_call(impl, scenario, start, rpc):
    # rpcdrive checks the exact Response.Error text and that the connection then still works.
    fn = start(impl, "hello")
    d = rpc(fn, scenario).expect_ok()
    assert d["ping_after"] == 2, d.why()
    assert fn.alive(), fn.log_tail()


# --- volume ------------------------------------------------------------------------------------

@pytest.mark.parametrize("impl", IMPLS)
def test_sequential_1000_echo(impl, start, rpc):
    d = rpc(start(impl, "echo"), "sequential", "-n", "1000").expect_ok()
    assert d["invokes"] == 1000, d.why()


@pytest.mark.parametrize("impl", IMPLS)
def test_sequential_hello(impl, start, rpc):
    d = rpc(start(impl, "hello"), "sequential", "-n", "200", "-expect-payload", HELLO).expect_ok()
    assert d["invokes"] == 200, d.why()


@pytest.mark.parametrize("impl", IMPLS)
def test_concurrent_8_connections(impl, start, rpc):
    d = rpc(start(impl, "echo"), "concurrent", "-conns", "8", "-n", "50").expect_ok()
    assert d["invokes"] == 400, d.why()


@pytest.mark.parametrize("impl", IMPLS)
def test_pipelined_calls(impl, start, rpc):
    # Several calls outstanding on one connection; replies are matched by Seq.
    d = rpc(start(impl, "echo"), "concurrent", "-conns", "2", "-n", "100", "-inflight", "8").expect_ok()
    assert d["invokes"] == 200, d.why()


# --- the driver can fail -----------------------------------------------------------------------

def test_driver_detects_a_wrong_answer(start, rpc):
    d = rpc(start("go", "echo"), "sequential", "-n", "3", "-expect-payload", "nope")
    assert d.returncode == 1 and d["ok"] is False and "payload mismatch" in d["failure"], d.why()


def test_driver_reports_no_listener(rpc):
    d = rpc(f"127.0.0.1:{free_port()}", "ping", "-wait", "200ms")
    assert d.returncode == 1 and "no listener" in d["failure"], d.why()


# --- the gob vectors, regenerated with real Go -------------------------------------------------

def _sections(text: str) -> list[tuple[str, list[str]]]:
    """[(header, message lines)] of a vector file; comment lines are left out."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            out.append((line, []))
        elif line.startswith("  ") and out:
            out[-1][1].append(line)
    return out


def _assert_same_vectors(got: str, want_path: Path):
    got_s, want_s = _sections(got), _sections(want_path.read_text())
    assert [h for h, _ in got_s] == [h for h, _ in want_s], f"sections differ from {want_path}"
    for (header, got_lines), (_, want_lines) in zip(got_s, want_s):
        for i, (g, w) in enumerate(zip(got_lines, want_lines)):
            assert g == w, f"{want_path.name}: {header}: message {i + 1} differs\n got: {g}\nwant: {w}"
        assert len(got_lines) == len(want_lines), f"{want_path.name}: {header}: message count differs"
    assert len(got_s) == 15, "expected sections 1-7 (each way) and the rust decoder stream"


def _vectors(go1x, *args: str) -> str:
    r = subprocess.run([str(go1x[0] / "vectors"), *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"vectors {' '.join(args)} failed:\n{r.stderr}"
    return r.stdout


def test_vectors_reproduce_the_recording(go1x):
    # Numbered as the recording's Go (1.19) numbered types, today's Go and aws-lambda-go produce
    # the recorded streams byte for byte.
    _assert_same_vectors(_vectors(go1x, "-first-id", "65"), DATA / "go1x-vectors.txt")


def test_vectors_as_this_go_numbers_them(go1x):
    # Go >= 1.21 numbers user types from 64 (Go <= 1.20: 65): same streams, other ids, and so
    # other bytes (-64 is the one-byte 7f; 64 is ff 80) and message lengths.
    want = "go1x-vectors-go1.21.txt" if go1x_build.go_minor(go1x[1]) >= 21 else "go1x-vectors.txt"
    _assert_same_vectors(_vectors(go1x), DATA / want)
