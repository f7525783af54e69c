"""Event invokes on lambdakit serve: how many are accepted per second and how long one waits
from its 202 to its START, with the queue synced to disk on every commit (--event-sync full,
the default) and with SQLite's normal sync (--event-sync normal), beside synchronous invokes of
the same function by the same clients.

    python3 bench/events/queue_bench.py [BIN_DIR] [--clients 8] [--seconds 3] [--latency 200]

Accept rate: CLIENTS threads on keep-alive connections send Event invokes for SECONDS to a
function with reserved concurrency 0, so the figure is the queue's (store + 202), not delivery.
Sync rate: the same clients, RequestResponse invokes of the `hello` example, warm.
Latency: one event at a time to a warm function; 202 to START is the invocation record's
start time minus the moment before the request was sent (one clock: this machine's)."""
from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def hello_zip(bin_dir: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.create_system = 3
        info.external_attr = 0o100755 << 16
        z.writestr(info, open(os.path.join(bin_dir, "hello"), "rb").read())
    return buf.getvalue()


class Serve:
    def __init__(self, bin_dir: str, sync: str):
        self.state = tempfile.mkdtemp(prefix="lk-events-bench-")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "lambdakit"), "serve", "--port", "0", "--state-dir", self.state,
             "--event-sync", sync, "--log-level", "warn"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.rsplit(":", 1)[1])

    def call(self, method, path, body=b"", headers=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body, headers or {})
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, dict(r.getheaders()), data

    def create(self, name: str, zip_bytes: bytes):
        body = json.dumps({"FunctionName": name, "Runtime": "provided.al2023", "Handler": "x",
                           "Role": "arn:aws:iam::000000000000:role/bench",
                           "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}})
        st, _, data = self.call("POST", "/2015-03-31/functions", body.encode())
        assert st == 201, data

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)
        subprocess.run(["rm", "-rf", self.state])


def rate(serve: Serve, name: str, clients: int, seconds: float, event: bool) -> float:
    count = [0] * clients
    stop = time.monotonic() + seconds
    headers = {"X-Amz-Invocation-Type": "Event"} if event else {}
    want = 202 if event else 200

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
        while time.monotonic() < stop:
            st, _, _ = serve.call("POST", f"/2015-03-31/functions/{name}/invocations",
                                  b'{"bench":1}', headers, conn)
            assert st == want, st
            count[k] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / (time.monotonic() - t0)


def latency(serve: Serve, name: str, n: int) -> tuple[list[float], list[float]]:
    conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
    accept_ms, start_ms = [], []
    for _ in range(n):
        t_unix_us = time.time_ns() // 1000
        t0 = time.monotonic()
        st, h, _ = serve.call("POST", f"/2015-03-31/functions/{name}/invocations", b"{}",
                              {"X-Amz-Invocation-Type": "Event"}, conn)
        accept_ms.append((time.monotonic() - t0) * 1000)
        assert st == 202
        rid = {k.lower(): v for k, v in h.items()}["x-amzn-requestid"]
        while True:
            _, _, data = serve.call("GET", f"/lambdakit/v1/invocations?function={name}&limit=3",
                                    conn=conn)
            recs = [r for r in json.loads(data)["invocations"] if r["request_id"] == rid]
            if recs:
                start_ms.append((recs[0]["started_unix_us"] - t_unix_us) / 1000)
                break
    conn.close()
    return accept_ms, start_ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(REPO, "build/bin"))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--latency", type=int, default=200)
    a = ap.parse_args()
    zip_bytes = hello_zip(a.bin_dir)
    print("Event invokes (bench/events/queue_bench.py): accepted per second, 202 -> START")
    print(f"machine: {os.cpu_count()} cores; clients: {a.clients} keep-alive threads, "
          f"{a.seconds:g} s per rate; {a.latency} sequential events for latency\n")
    print(f"  {'':22} {'events/s':>10} {'sync/s':>10} {'202 ms':>8} {'202->START ms':>14} "
          f"{'p99':>8}")
    for sync in ("full", "normal"):
        s = Serve(a.bin_dir, sync)
        try:
            s.create("queued", zip_bytes)
            s.create("hello", zip_bytes)
            st, _, _ = s.call("PUT", "/2017-10-31/functions/queued/concurrency",
                              b'{"ReservedConcurrentExecutions": 0}')
            assert st == 200
            s.call("POST", "/2015-03-31/functions/hello/invocations", b"{}")  # warm
            ev = rate(s, "queued", a.clients, a.seconds, event=True)
            sy = rate(s, "hello", a.clients, a.seconds, event=False)
            acc, lat = latency(s, "hello", a.latency)
            lat.sort()
            print(f"  --event-sync {sync:8} {ev:10.0f} {sy:10.0f} {statistics.median(acc):8.3f} "
                  f"{statistics.median(lat):14.2f} {lat[int(len(lat) * 0.99) - 1]:8.2f}")
        finally:
            s.close()
    print("\n  events/s: queue only (reserved concurrency 0); sync/s: warm RequestResponse, same "
          "clients;\n  202->START: the event's START (its invocation record) minus the moment its request "
          "was sent")


if __name__ == "__main__":
    sys.exit(main())
