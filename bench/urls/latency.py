"""Function URLs through lambdakit serve: a warm request to a URL beside a plain Invoke of the
same C++ function (what the event mapping and answer mapping cost), and the time to first byte
of a RESPONSE_STREAM URL beside a BUFFERED one.

    python3 bench/urls/latency.py [BIN_DIR] [--runs 500]

Subjects, every one warm, interleaved run by run, each on its own keep-alive connection (raw
HTTP, so the figures are the service's, not a client library's):
  hello, Invoke            POST /2015-03-31/functions/hello/invocations
  hello, function URL      GET  /lambda-url/<id>/?x=1 (the 2.0 event in, the JSON answer out)
  stream, Invoke           the stream example's three chunks, answered whole (its text is not
                           JSON, so a BUFFERED URL would answer it 502, as AWS does)
  stream, URL STREAM       the same through a RESPONSE_STREAM URL, chunks as written
Medians in milliseconds from the moment before the request was sent."""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
from serve_client import Serve, make_zip  # noqa: E402


def timed(conn, method: str, path: str, body: bytes | None = None) -> tuple[float, float]:
    """(first byte ms, end ms) of one request."""
    t0 = time.perf_counter()
    conn.request(method, path, body)
    r = conn.getresponse()
    first = None
    while True:
        piece = r.read1(65536)
        if not piece:
            break
        if first is None:
            first = time.perf_counter() - t0
    end = time.perf_counter() - t0
    r.read()  # the response is over: the connection takes the next request
    assert r.status == 200, r.status
    return (first if first is not None else end) * 1000, end * 1000


def url_path(serve: Serve, name: str, mode: str) -> str:
    cfg = serve.call("POST", f"/2021-10-31/functions/{name}/url",
                     {"AuthType": "NONE", "InvokeMode": mode}, 201,
                     f"CreateFunctionUrlConfig {name}")
    return urllib.parse.urlsplit(cfg["FunctionUrl"]).path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(REPO, "build/bin"))
    ap.add_argument("--runs", type=int, default=500, help="warm requests per subject")
    a = ap.parse_args()
    serve = Serve(a.bin_dir)
    try:
        for example in ("hello", "stream"):
            binary = open(os.path.join(a.bin_dir, example), "rb").read()
            serve.create(example, "provided.al2023", "bootstrap",
                         make_zip({"bootstrap": binary}, "bootstrap"))
        hello_url = url_path(serve, "hello", "BUFFERED")
        streamed = url_path(serve, "stream", "RESPONSE_STREAM")
        subjects = [
            ("hello, plain Invoke", "POST", "/2015-03-31/functions/hello/invocations", b"{}"),
            ("hello, function URL (BUFFERED)", "GET", hello_url + "?x=1", None),
            ("stream, plain Invoke", "POST", "/2015-03-31/functions/stream/invocations", b"{}"),
            ("stream, function URL RESPONSE_STREAM", "GET", streamed, None),
        ]
        conns = [http.client.HTTPConnection("127.0.0.1", serve.port, timeout=60)
                 for _ in subjects]
        for (_, m, p, b), c in zip(subjects, conns):
            timed(c, m, p, b)  # warm
        times = [([], []) for _ in subjects]
        for _ in range(a.runs):
            for k, ((_, m, p, b), c) in enumerate(zip(subjects, conns)):
                first, end = timed(c, m, p, b)
                times[k][0].append(first)
                times[k][1].append(end)
        print("Function URLs through lambdakit serve (bench/urls/latency.py)")
        print(f"machine: {os.cpu_count()} cores; warm environments; medians over {a.runs} "
              "interleaved runs\n")
        print(f"  {'subject':40} {'first byte ms':>14} {'end ms':>10}")
        for (label, *_), (firsts, ends) in zip(subjects, times):
            print(f"  {label:40} {statistics.median(firsts):14.3f} {statistics.median(ends):10.3f}")
        invoke, url = statistics.median(times[0][1]), statistics.median(times[1][1])
        print(f"\n  function URL / plain Invoke (hello, end): {url / invoke:.3f}x "
              f"({url - invoke:+.3f} ms)")
    finally:
        serve.close()


if __name__ == "__main__":
    sys.exit(main())
