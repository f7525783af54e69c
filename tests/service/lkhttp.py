"""Raw HTTP to the service and the parsing of what it answers: Invoke responses and the REPORT
lines of their log tails."""

from __future__ import annotations

import base64
import http.client
import json
import math
import re
import time
from dataclasses import dataclass

HTTP_TIMEOUT_S = 60.0      # every HTTP call is bounded

# One REPORT line, exactly as Lambda writes it (fields end in a tab). `Init Duration` only on a
# cold start, after `Max Memory Used`; `Status: timeout` only after a timeout (tolerated with or
# without a separating/ending tab, see the report).
REPORT_RX = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\t"
    r"Duration: (?P<duration>\d+\.\d{2}) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\t"
    r"Memory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<max_memory>\d+) MB\t"
    r"(?:Init Duration: (?P<init>\d+\.\d{2}) ms\t)?"
    r"(?P<timeout>\t?Status: timeout\t?)?"
    r"$",
    re.M,
)


# --- HTTP ---------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    elapsed_s: float = 0.0

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body)

    @property
    def function_error(self) -> str | None:
        return self.header("X-Amz-Function-Error")

    @property
    def request_id(self) -> str | None:
        return self.header("x-amzn-RequestId")

    @property
    def error_type(self) -> str | None:
        """x-amzn-ErrorType cut at ':' (as botocore reads it)."""
        value = self.header("x-amzn-ErrorType")
        return value.split(":")[0] if value else None

    @property
    def log_tail(self) -> str | None:
        value = self.header("X-Amz-Log-Result")
        return None if value is None else base64.b64decode(value).decode("utf-8", "replace")

    def describe(self) -> str:
        return f"HTTP {self.status} {self.headers} {self.body[:400]!r}"


def http_request(port: int, method: str, path: str, body: bytes = b"",
                 headers: dict[str, str] | None = None, timeout: float = HTTP_TIMEOUT_S) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.monotonic()
    try:
        try:
            conn.request(method, path, body=body if (body or method in ("POST", "PUT")) else None,
                         headers=headers or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early (e.g. 413) and closed; its answer may still be readable
        r = conn.getresponse()
        data = r.read()
        hdrs: dict[str, str] = {}
        for k, v in r.getheaders():
            k = k.lower()
            hdrs[k] = f"{hdrs[k]}, {v}" if k in hdrs else v
        return Response(r.status, hdrs, data, time.monotonic() - t0)
    finally:
        conn.close()


def json_string_payload(size: int) -> bytes:
    """A valid JSON string literal of exactly `size` bytes whose content does not repeat in a way
    that would hide a dropped or reordered chunk."""
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"
    n = size - 2
    pattern = bytes(alphabet[(i * 7 + i // 97) % len(alphabet)] for i in range(6790))
    body = (pattern * (n // len(pattern) + 1))[:n]
    out = b'"' + body + b'"'
    assert len(out) == size
    return out


# --- REPORT lines -------------------------------------------------------------------------------

@dataclass
class Report:
    request_id: str
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None
    timed_out: bool
    line: str


def find_report(log: str, request_id: str) -> Report:
    """The REPORT line of request_id in log text; fails if it is missing or malformed."""
    for m in REPORT_RX.finditer(log):
        if m["id"] == request_id:
            return Report(m["id"], float(m["duration"]), int(m["billed"]), int(m["memory"]),
                          int(m["max_memory"]), float(m["init"]) if m["init"] else None,
                          bool(m["timeout"]), m.group(0))
    lines = [ln for ln in log.splitlines() if "REPORT" in ln and request_id in ln]
    raise AssertionError(f"no well-formed REPORT line for {request_id}; REPORT lines seen: "
                         f"{[ln for ln in lines] or 'none'}\n--- log ---\n{log}")


def billed_matches(duration_ms: float, billed_ms: int) -> bool:
    """Billed Duration = ceil(Duration). Duration is printed rounded to 0.01 ms, so when the
    printed value is a whole number the true value may have been just above it (ceil = n + 1)."""
    if round(duration_ms * 100) % 100 == 0:
        return billed_ms in (round(duration_ms), round(duration_ms) + 1)
    return billed_ms == math.ceil(duration_ms)
