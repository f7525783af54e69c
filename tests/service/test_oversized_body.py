"""A request body over the service's transport limit (80 MiB: the largest CreateFunction zip,
base64) gets a 413 the client can read, not a reset connection (issue 13, item 7): the service
refuses it from Content-Length before reading the body, then drains what the client still sends
before it closes."""

from __future__ import annotations

import json
import socket
import threading

LIMIT = 80 * 1024 * 1024


def _send_and_read(port: int, length: int, send: int, expect_continue: bool = False) -> bytes:
    """POST a CreateFunction of `length` announced bytes, `send` of them actually sent (in a thread,
    as a client does that writes its body without looking); returns what the service answered."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    head = (f"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n" + ("Expect: 100-continue\r\n" if expect_continue else "")
            + "\r\n").encode()
    s.sendall(head)
    errors = []

    def body():
        chunk = b"x" * (1 << 20)
        left = send
        try:
            while left > 0:
                n = min(left, len(chunk))
                s.sendall(chunk[:n])
                left -= n
        except OSError as e:  # the service may stop reading once it answered: fine
            errors.append(e)

    t = threading.Thread(target=body)
    t.start()
    got = b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            got += data
    except ConnectionResetError:
        raise AssertionError(f"the connection was reset; read so far: {got[:200]!r}")
    t.join(30)
    s.close()
    return got


def test_a_body_announced_over_the_limit_gets_a_readable_413(service):
    got = _send_and_read(service.port, LIMIT + 1, LIMIT + 1)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    body = json.loads(got.split(b"\r\n\r\n", 1)[1])
    assert body["errorType"] == "RequestEntityTooLarge", body
    assert str(LIMIT) in body["errorMessage"], body


def test_with_expect_100_continue_the_body_is_never_invited(service):
    got = _send_and_read(service.port, LIMIT + 1, 0, expect_continue=True)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    assert b"100 Continue" not in got


def test_the_service_is_unharmed(service):
    _send_and_read(service.port, LIMIT * 2, LIMIT + (4 << 20))
    name = service.create_example("hello")
    r = service.invoke(name, b"{}")
    assert r.status == 200 and r.json() == {"message": "Hello World"}, r.describe()
