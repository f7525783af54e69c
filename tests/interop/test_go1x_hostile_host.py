"""The C++ function side of go1.x against a host that misbehaves: garbage, a length that lies, a
type definition stream that never ends, a 100 MB call, a connection dropped mid-message. Each
time the function closes that one connection with a `lambdakit: go1.x: closing the connection`
line (or, for a message still arriving, simply waits for it) and goes on serving: a real Go
net/rpc client (rpcdrive) pings it on a fresh connection afterwards, and one opened before the
hostile one keeps working.

Uses the fixtures of test_go1x.py (the Go programs, built and cached by go1x_build.py)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from test_go1x import go1x, rpc, start  # noqa: F401  (fixtures)

DATA = Path(__file__).resolve().parents[1] / "data"
CLOSING = "lambdakit: go1.x: closing the connection from 127.0.0.1:"


def recorded_ping() -> bytes:
    """The host's first call, Ping with Seq 0, as Go's net/rpc sends it (vectors section 1)."""
    lines = (DATA / "go1x-vectors.txt").read_text().splitlines()
    start = lines.index("## 1 Ping seq0 host->fn")
    out = b""
    for line in lines[start + 1:]:
        if line.startswith("##"):
            break
        out += bytes.fromhex(line.split()[-1])
    return out


def uint(n: int) -> bytes:
    """gob's unsigned integer encoding."""
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([256 - len(raw)]) + raw


def connect(fn) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", fn.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_peer(s: socket.socket, timeout: float = 5.0) -> bool:
    s.settimeout(timeout)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def wait_for_log(fn, text: str, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = fn.read_log()
        if text in log:
            return log
        time.sleep(0.02)
    pytest.fail(f"{text!r} not in the function's log\n{fn.log_tail()}", pytrace=False)


def typedefs_forever(s: socket.socket) -> None:
    # Definitions of struct types 64, 65, 66, ... each {StructT: {CommonType{Name "T", Id}}}.
    for i in range(64, 64 + 5000):
        common = b"\x01" + uint(1) + b"T" + b"\x01" + uint(i * 2) + b"\x00"  # Name, Id
        neg = uint(((i - 1) << 1) | 1)  # gob int -i: (~(-i) << 1) | 1
        wire = b"\x03" + b"\x01" + common + b"\x00" + b"\x00"
        msg = neg + wire
        try:
            s.sendall(uint(len(msg)) + msg)
        except (BrokenPipeError, ConnectionResetError):
            return


CASES = {
    "garbage": lambda s: s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 4),
    "endless-definitions": typedefs_forever,
    "100MB-call": lambda s: s.sendall(uint(100 * 1024 * 1024) + b"\x02" * 65536),
    "zero-length": lambda s: s.sendall(b"\x00"),
    "nine-byte-length": lambda s: s.sendall(b"\xf7" + b"\x01" * 9),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_connection_is_closed_and_the_others_go_on(case, start, rpc):
    fn = start("cpp", "echo")
    bystander = connect(fn)  # opened before the hostile one, used after it
    hostile = connect(fn)
    CASES[case](hostile)
    assert closed_by_peer(hostile), f"the function kept a {case} connection open\n{fn.log_tail()}"
    log = wait_for_log(fn, CLOSING)
    assert "not a Go net/rpc gob stream" in log, log
    assert fn.alive(), fn.log_tail()
    bystander.sendall(recorded_ping())
    bystander.settimeout(5)
    assert b"Function.Ping" in bystander.recv(65536), "the earlier connection stopped being served"
    rpc(fn, "ping").expect_ok()
    rpc(fn, "sequential", "-n", "20").expect_ok()


def test_a_length_that_lies_stalls_only_its_own_connection(start, rpc):
    fn = start("cpp", "echo")
    liar = connect(fn)
    liar.sendall(uint(1000) + b"\x02" * 10)  # says 1,000 bytes, sends 10, waits
    rpc(fn, "ping").expect_ok()
    rpc(fn, "sequential", "-n", "20").expect_ok()
    liar.close()  # dropped mid-message: closed with a line saying how much was left unread
    log = wait_for_log(fn, "in the middle of a message")
    assert CLOSING in log, log
    rpc(fn, "ping").expect_ok()


def test_a_connection_dropped_mid_invoke_header_leaves_the_function_serving(start, rpc):
    fn = start("cpp", "echo")
    ping = recorded_ping()
    s = connect(fn)
    s.sendall(ping[: len(ping) // 2])  # half a call, then gone
    s.close()
    wait_for_log(fn, "in the middle of a message")
    assert fn.alive(), fn.log_tail()
    rpc(fn, "ping").expect_ok()
