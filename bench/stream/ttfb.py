"""Time to first byte of a streamed response through lambdakit serve, beside the same function
answered whole by a plain Invoke, and beside a Node.js `awslambda.streamifyResponse` handler run
by AWS's aws-lambda-ric (when LAMBDAKIT_AWS_LAMBDA_RIC names it, as `make` sets it).

    python3 bench/stream/ttfb.py [BIN_DIR] [--runs 20] [--warm 300]

Two loads, every subject warm (one invoke first), interleaved run by run:
  paced: {"chunks": 5, "delay_ms": 100}, five writes 100 ms apart: the first byte should come
         at once when streamed and only after ~400 ms when buffered;
  tiny:  {"chunks": 1}, one small write: what streaming costs over a plain Invoke.
First byte: when the first PayloadChunk's bytes (streamed) or the body (Invoke) reached the
caller, from the moment before the request was sent; end: when the answer was whole
(InvokeComplete read, or the body). One keep-alive connection per subject, raw HTTP, so the
figures are the service's and not an SDK's."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import struct
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
from serve_client import Serve, make_zip  # noqa: E402


def event_type(message: bytes) -> str:
    """The :event-type header of one event-stream message (prelude, headers, payload, CRC)."""
    headers_len = struct.unpack(">I", message[4:8])[0]
    h, end = 12, 12 + headers_len
    while h < end:
        n = message[h]
        name = message[h + 1:h + 1 + n].decode()
        h += 1 + n
        kind = message[h]
        h += 1
        assert kind == 7, f"header {name}: type {kind}, want string"
        vlen = struct.unpack(">H", message[h:h + 2])[0]
        value = message[h + 2:h + 2 + vlen].decode()
        h += 2 + vlen
        if name == ":event-type":
            return value
    return ""


def streamed(conn, name: str, payload: bytes) -> tuple[float, float]:
    t0 = time.perf_counter()
    conn.request("POST", f"/2021-11-15/functions/{name}/response-streaming-invocations", payload)
    r = conn.getresponse()
    assert r.status == 200, (r.status, r.read()[:300])
    buf, first, end = b"", None, None
    while end is None:
        piece = r.read1(65536)
        assert piece, "the stream ended without InvokeComplete"
        buf += piece
        while len(buf) >= 4 and len(buf) >= struct.unpack(">I", buf[:4])[0]:
            total = struct.unpack(">I", buf[:4])[0]
            message, buf = buf[:total], buf[total:]
            kind = event_type(message)
            if kind == "PayloadChunk" and first is None:
                first = time.perf_counter() - t0
            elif kind == "InvokeComplete":
                end = time.perf_counter() - t0
    r.read()
    return (first if first is not None else end) * 1000, end * 1000


def buffered(conn, name: str, payload: bytes) -> tuple[float, float]:
    t0 = time.perf_counter()
    conn.request("POST", f"/2015-03-31/functions/{name}/invocations", payload)
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200 and body, (r.status, body[:300])
    t = (time.perf_counter() - t0) * 1000
    return t, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(REPO, "build/bin"))
    ap.add_argument("--runs", type=int, default=20, help="paced invokes per subject")
    ap.add_argument("--warm", type=int, default=300, help="tiny invokes per subject")
    a = ap.parse_args()

    serve = Serve(a.bin_dir)
    try:
        stream_bin = open(os.path.join(a.bin_dir, "stream"), "rb").read()
        serve.create("cpp-stream", "provided.al2023", "bootstrap",
                     make_zip({"bootstrap": stream_bin}, "bootstrap"))
        subjects = [("C++ stream, InvokeWithResponseStream", streamed, "cpp-stream"),
                    ("C++ stream, plain Invoke (buffered)", buffered, "cpp-stream")]
        ric = os.environ.get("LAMBDAKIT_AWS_LAMBDA_RIC", "")
        node_fn = os.path.join(REPO, "tests/service/functions/node_stream/index.js")
        if ric and os.path.isdir(ric):
            serve.create("node-stream", "nodejs20.x", "index.handler",
                         make_zip({"index.js": open(node_fn, "rb").read()}))
            subjects.append(("Node.js streamifyResponse, InvokeWithResponseStream", streamed,
                             "node-stream"))
        else:
            print("(no Node.js peer: LAMBDAKIT_AWS_LAMBDA_RIC does not name aws-lambda-ric)\n")

        conns = [http.client.HTTPConnection("127.0.0.1", serve.port, timeout=60) for _ in subjects]
        loads = [("paced", b'{"chunks": 5, "delay_ms": 100}', a.runs),
                 ("tiny", b'{"chunks": 1}', a.warm)]
        print("Response streaming through lambdakit serve (bench/stream/ttfb.py)")
        print(f"machine: {os.cpu_count()} cores; warm environments; medians over the runs, "
              "interleaved\n")
        print(f"  {'load':6} {'subject':52} {'first byte ms':>14} {'end ms':>10} {'runs':>6}")
        for load, payload, runs in loads:
            times = [([], []) for _ in subjects]
            for (_, fn, name), conn in zip(subjects, conns):
                fn(conn, name, payload)  # warm
            for _ in range(runs):
                for k, ((_, fn, name), conn) in enumerate(zip(subjects, conns)):
                    first, end = fn(conn, name, payload)
                    times[k][0].append(first)
                    times[k][1].append(end)
            for (label, _, _), (firsts, ends) in zip(subjects, times):
                print(f"  {load:6} {label:52} {statistics.median(firsts):14.3f} "
                      f"{statistics.median(ends):10.3f} {runs:6}")
            cpp_stream, cpp_buffered = (statistics.median(times[0][0]),
                                        statistics.median(times[1][0]))
            print(f"  {load:6} first byte, streamed / buffered: {cpp_stream / cpp_buffered:.3f}x\n")
    finally:
        serve.close()


if __name__ == "__main__":
    sys.exit(main())
