"""A scripted, deliberately misbehaving Lambda Runtime API for tests (standard library only).

`FakeRuntimeApi(script)` listens on 127.0.0.1, port 0 (the kernel picks; read it back from
`.port` / `.address`), and serves every connection it accepts (the runtime may reconnect) on a
thread of its own. Each HTTP request is read in full (head, then a Content-Length or chunked
body), recorded as a `Request`, and answered with whatever `script(request, api)` returns:

    Reply(data=b"...")               send these bytes, keep the connection open
    Reply(data=[b"a", b"b"])         send each piece with its own sendall, in order
    Reply(data=b"...", close=True)   send, then close (FIN)
    Reply(close=True, reset=True)    close with RST (SO_LINGER 0)
    hang_up() / reset()              close without answering

`response()` and `invocation()` build well-formed answers; `in_order(r0, r1, ...)` is a script
that answers the n-th request (over all connections) with the n-th reply.

Every thread stops by itself: sockets poll with a short timeout and give up when `stop()` was
called or when `lifetime` seconds have passed since `start()`. A script that raises is answered
with 500, and the exception is kept in `.errors` (the test fixture fails the test on it).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Sequence, Union

POLL_S = 0.1               # how often a blocked socket op re-checks whether to stop
MAX_HEAD = 64 * 1024       # a request head larger than this is a client bug
MAX_BODY = 64 * 1024 * 1024


# --- what the server records and sends ---------------------------------------------------------

@dataclass
class Request:
    index: int                      # order of arrival over all connections, from 0
    conn: int                       # which accepted connection it came on, from 0
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]  # in order, names as sent
    body: bytes
    chunked: bool = False           # the body came with Transfer-Encoding: chunked

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def __repr__(self) -> str:  # short, for assertion messages
        body = self.body if len(self.body) <= 80 else self.body[:80] + b"..."
        return f"<#{self.index} conn{self.conn} {self.method} {self.target} body={body!r}>"


@dataclass
class Reply:
    data: Union[bytes, Sequence[bytes]] = b""
    close: bool = False   # close the connection after sending `data`
    reset: bool = False   # ...with an RST instead of a FIN


Script = Callable[[Request, "FakeRuntimeApi"], Reply]

REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           413: "Request Entity Too Large", 500: "Internal Server Error"}


def response(status: int, body: bytes = b"", headers: Sequence[tuple[str, str]] = (),
             *, content_type: str | None = "application/json", close: bool = False) -> Reply:
    """A well-formed HTTP/1.1 response with Content-Length."""
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    if content_type is not None:
        head.append(f"Content-Type: {content_type}")
    head += [f"{k}: {v}" for k, v in headers]
    head.append(f"Content-Length: {len(body)}")
    return Reply((("\r\n".join(head)) + "\r\n\r\n").encode("latin-1") + body, close=close)


def deadline_in(ms: int = 60_000) -> str:
    """A Lambda-Runtime-Deadline-Ms value `ms` milliseconds from now (epoch ms)."""
    return str(int(time.time() * 1000) + ms)


def invocation(request_id: str | None, body: bytes = b"{}", *, deadline: str | None = "auto",
               extra: Sequence[tuple[str, str]] = ()) -> Reply:
    """A 200 answer to GET /next. `request_id=None` / `deadline=None` leave that header out."""
    headers: list[tuple[str, str]] = []
    if request_id is not None:
        headers.append(("Lambda-Runtime-Aws-Request-Id", request_id))
    if deadline == "auto":
        deadline = deadline_in()
    if deadline is not None:
        headers.append(("Lambda-Runtime-Deadline-Ms", deadline))
    headers.append(("Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:test"))
    headers += list(extra)
    return response(200, body, headers)


def hang_up() -> Reply:
    """Close the connection without answering."""
    return Reply(close=True)


def reset() -> Reply:
    """Reset the connection (RST) without answering."""
    return Reply(close=True, reset=True)


def in_order(*replies: Reply, then: Reply | None = None) -> Script:
    """A script answering the n-th request with replies[n]; later ones get `then` (default: a 500
    whose body says the script ran out, so an unexpected extra request cannot go unnoticed)."""
    extra = then or response(500, b'{"errorMessage":"fake_runtime_api: script exhausted"}')

    def script(req: Request, api: "FakeRuntimeApi") -> Reply:
        return replies[req.index] if req.index < len(replies) else extra
    return script


# --- the server --------------------------------------------------------------------------------

class _Stop(Exception):
    """The server is stopping (stop() or lifetime over)."""


class _Gone(Exception):
    """The client closed or reset the connection."""


class _Conn:
    """A buffered reader over one accepted socket that gives up when the server stops."""

    def __init__(self, sock: socket.socket, api: "FakeRuntimeApi"):
        self.sock = sock
        self.api = api
        self.buf = bytearray()

    def _fill(self) -> None:
        while True:
            if self.api._should_stop():
                raise _Stop
            try:
                data = self.sock.recv(256 * 1024)
            except socket.timeout:
                continue
            except OSError as e:
                raise _Gone from e
            if not data:
                raise _Gone
            self.buf += data
            return

    def until(self, delim: bytes, limit: int) -> bytes:
        """Bytes up to and including `delim`."""
        start = 0
        while True:
            i = self.buf.find(delim, start)
            if i >= 0:
                out = bytes(self.buf[: i + len(delim)])
                del self.buf[: i + len(delim)]
                return out
            if len(self.buf) > limit:
                raise ValueError(f"no {delim!r} within {limit} bytes: {bytes(self.buf[:200])!r}")
            start = max(0, len(self.buf) - len(delim) + 1)
            self._fill()

    def exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def idle(self) -> bool:
        return not self.buf


class FakeRuntimeApi:
    def __init__(self, script: Script, *, lifetime: float = 60.0):
        self.script = script
        self.lifetime = lifetime
        self.requests: list[Request] = []
        self.errors: list[str] = []        # script exceptions and malformed client requests
        self.connections = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._deadline = 0.0
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(POLL_S)
        self.port = self._listener.getsockname()[1]

    @property
    def address(self) -> str:
        """The value for AWS_LAMBDA_RUNTIME_API."""
        return f"127.0.0.1:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakeRuntimeApi":
        self._deadline = time.monotonic() + self.lifetime
        t = threading.Thread(target=self._accept_loop, name=f"fake-api-{self.port}", daemon=True)
        self._threads.append(t)
        t.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Stops every thread; True when all of them ended within `timeout`."""
        self._stop.set()
        end = time.monotonic() + timeout
        # The accept thread first: once it has ended, no connection thread can be added.
        if self._threads:
            self._threads[0].join(max(0.0, end - time.monotonic()))
        for t in list(self._threads[1:]):
            t.join(max(0.0, end - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def __enter__(self) -> "FakeRuntimeApi":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _should_stop(self) -> bool:
        return self._stop.is_set() or time.monotonic() >= self._deadline

    # -- queries --------------------------------------------------------------------------------

    def snapshot(self) -> list[Request]:
        with self._cond:
            return list(self.requests)

    def matching(self, method: str, path_suffix: str = "") -> list[Request]:
        return [r for r in self.snapshot() if r.method == method and r.path.endswith(path_suffix)]

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[Request]:
        """Blocks until at least `n` requests were recorded (or `timeout`); returns them all."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.requests) >= n, timeout)
            return list(self.requests)

    def describe(self) -> str:
        lines = [f"fake Runtime API on {self.address}: {self.connections} connection(s), "
                 f"{len(self.requests)} request(s)"]
        lines += [f"  {r!r}" for r in self.snapshot()]
        lines += [f"  server error: {e}" for e in self.errors]
        return "\n".join(lines)

    # -- serving --------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        try:
            while not self._should_stop():
                try:
                    sock, _ = self._listener.accept()
                except socket.timeout:
                    continue
                except OSError:
                    break
                with self._cond:
                    conn_id = self.connections
                    self.connections += 1
                t = threading.Thread(target=self._serve, args=(sock, conn_id),
                                     name=f"fake-api-{self.port}-conn{conn_id}", daemon=True)
                self._threads.append(t)
                t.start()
        finally:
            self._listener.close()

    def _serve(self, sock: socket.socket, conn_id: int) -> None:
        sock.settimeout(POLL_S)
        conn = _Conn(sock, self)
        rst = False
        try:
            while True:
                req = self._read_request(conn, conn_id)
                if req is None:
                    return
                try:
                    reply = self.script(req, self)
                except Exception:  # noqa: BLE001 - reported through .errors
                    self.errors.append(f"script raised on {req!r}:\n{traceback.format_exc()}")
                    reply = response(500, b'{"errorMessage":"fake_runtime_api: script raised"}',
                                     close=True)
                pieces = [reply.data] if isinstance(reply.data, (bytes, bytearray)) else reply.data
                for piece in pieces:
                    if piece:
                        self._send(sock, piece)
                if reply.close:
                    rst = reply.reset
                    return
        except (_Stop, _Gone):
            pass
        except ValueError as e:
            self.errors.append(f"conn{conn_id}: malformed request: {e}")
        finally:
            try:
                if rst:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            except OSError:
                pass

    def _send(self, sock: socket.socket, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._should_stop():
                raise _Stop
            try:
                n = sock.send(view)
            except socket.timeout:
                continue
            except OSError as e:
                raise _Gone from e
            view = view[n:]

    def _read_request(self, conn: _Conn, conn_id: int) -> Request | None:
        """The next request on `conn`, or None when the client closed between requests."""
        try:
            head = conn.until(b"\r\n\r\n", MAX_HEAD)
        except _Gone:
            if conn.idle():
                return None
            raise
        lines = head[:-4].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise ValueError(f"bad request line {lines[0]!r}")
        method, target, version = parts
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise ValueError(f"bad header line {line!r}")
            headers.append((name, value.strip()))
        req = Request(-1, conn_id, method, target, version, headers, b"")
        te = req.header("Transfer-Encoding")
        cl = req.header("Content-Length")
        if te is not None:
            if te.lower() != "chunked":
                raise ValueError(f"unsupported Transfer-Encoding {te!r}")
            req.body, req.chunked = self._read_chunked(conn), True
        elif cl is not None:
            if not cl.isdigit() or int(cl) > MAX_BODY:
                raise ValueError(f"bad Content-Length {cl!r}")
            req.body = conn.exactly(int(cl))
        with self._cond:
            req.index = len(self.requests)
            self.requests.append(req)
            self._cond.notify_all()
        return req

    def _read_chunked(self, conn: _Conn) -> bytes:
        body = bytearray()
        while True:
            line = conn.until(b"\r\n", 1024)[:-2]
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ValueError(f"bad chunk size line {line!r}") from None
            if size == 0:
                while conn.until(b"\r\n", MAX_HEAD) != b"\r\n":  # trailers, up to the blank line
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise ValueError("chunked body too large")
            body += conn.exactly(size)
            if conn.exactly(2) != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
