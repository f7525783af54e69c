"""Helpers for the Event-invoke tests: a collector the event_app function reports to, and the
service's /lambdakit/v1/events listing."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lkserve import FUNCTIONS_DIR, make_zip, unique_name

EVENT_APP = make_zip({"app.py": (FUNCTIONS_DIR / "event_app" / "app.py").read_bytes()})
# Every async delay and age runs 100 times faster: AWS's 1-minute retry is 0.6 s.
FAST = ["--event-time-scale", "0.01"]


class Collector:
    """An HTTP listener on loopback; event_app POSTs one JSON report per phase of each attempt.
    A report is recorded before the function's request returns, so whatever the function did
    before it answered is known here before the service can record the answer."""

    def __init__(self):
        self.reports: list[dict] = []
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                doc = json.loads(self.rfile.read(n))
                doc["received"] = time.monotonic()
                with collector.lock:
                    collector.reports.append(doc)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def of(self, kind: str | None = None, rid: str | None = None, fn: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.reports if (kind is None or r["kind"] == kind)
                    and (rid is None or r["rid"] == rid) and (fn is None or r["fn"] == fn)]

    def wait(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        with self.lock:
            seen = [(r["kind"], r["fn"], r["rid"][:8]) for r in self.reports]
        raise AssertionError(f"{what} within {timeout}s; reports: {seen[-40:]}")


def create_event_function(svc, collector: Collector, name: str | None = None, **kw) -> str:
    name = name or unique_name("ev")
    env = {"COLLECTOR": collector.url}
    svc.create_function(name, EVENT_APP, runtime="python3.12", handler="app.handler", env=env,
                        **kw)
    return name


def send_event(svc, name: str, payload: dict | bytes) -> str:
    """One raw Event invoke; returns the request id of its 202."""
    r = svc.invoke(name, payload, invocation_type="Event", log_type=None)
    assert r.status == 202, r.describe()
    assert r.body == b"", r.body
    rid = r.headers.get("x-amzn-requestid", "")
    assert rid, r.headers
    return rid


def listing(svc, function: str = "", state: str = "dead") -> list[dict]:
    r = svc.http("GET", "/lambdakit/v1/events?state=" + state + "&function=" +
                 urllib.parse.quote(function))
    assert r.status == 200, r.describe()
    doc = r.json()
    return doc["records" if state == "records" else "events"]


def wait_listing(svc, function: str, state: str, n: int, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    got: list[dict] = []
    while time.monotonic() < deadline:
        got = listing(svc, function, state)
        if len(got) >= n:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{len(got)} of {n} {state} events of {function} within {timeout}s: {got}")
