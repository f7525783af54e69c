"""What an external extension costs a warm invoke under lambdakit serve: the C++ hello with no
extension, with one idle extension (registered for no event, waiting in /event/next), and with
one subscribed to INVOKE that asks for the next event at once (bench/extensions/idle_extension.c,
static C, the least an extension can do).

    python3 bench/extensions/overhead.py [BIN_DIR] [--runs 1000]

Every subject warm, interleaved run by run, each on its own keep-alive connection (raw HTTP).
"caller ms" is from before the request to the end of the answer; "Duration ms" is the REPORT's
(lambdakit's record of the invoke: it counts the INVOKE-subscribed extension's time, as Lambda's
does, although the caller has its answer before). Medians. The target (issue 15): at most 0.1 ms
more for one idle extension."""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
from serve_client import Serve, make_zip  # noqa: E402


def timed(conn, path: str) -> float:
    t0 = time.perf_counter()
    conn.request("POST", path, b"{}")
    r = conn.getresponse()
    r.read()
    assert r.status == 200 and r.getheader("X-Amz-Function-Error") is None, r.status
    return (time.perf_counter() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(REPO, "build/bin"))
    ap.add_argument("--runs", type=int, default=1000, help="warm invokes per subject")
    a = ap.parse_args()
    hello = open(os.path.join(a.bin_dir, "hello"), "rb").read()
    extension = open(os.path.join(a.bin_dir, "bench_idle_extension"), "rb").read()
    serve = Serve(a.bin_dir)
    try:
        subjects = [("no extension", None), ("one idle extension (Events: [])", "idle-none"),
                    ("one INVOKE extension, returns at once", "idle-invoke")]
        names = []
        for k, (_, ext) in enumerate(subjects):
            name = f"hello{k}"
            doc = {"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap",
                   "Role": "arn:aws:iam::000000000000:role/bench", "Timeout": 30,
                   "Code": {"ZipFile": base64.b64encode(
                       make_zip({"bootstrap": hello}, "bootstrap")).decode()}}
            if ext:
                layer = serve.call("POST", f"/2018-10-31/layers/{ext}/versions",
                                   {"Content": {"ZipFile": base64.b64encode(make_zip(
                                       {f"extensions/{ext}": extension},
                                       f"extensions/{ext}")).decode()}},
                                   201, f"PublishLayerVersion {ext}")
                doc["Layers"] = [layer["LayerVersionArn"]]
            serve.call("POST", "/2015-03-31/functions", doc, 201, f"CreateFunction {name}")
            names.append(name)
        conns = [http.client.HTTPConnection("127.0.0.1", serve.port, timeout=60) for _ in names]
        paths = [f"/2015-03-31/functions/{n}/invocations" for n in names]
        for c, p in zip(conns, paths):
            timed(c, p)  # cold
        times = [[] for _ in names]
        for _ in range(a.runs):
            for k, (c, p) in enumerate(zip(conns, paths)):
                times[k].append(timed(c, p))
        c = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=60)
        records = {}
        for n in names:
            c.request("GET", f"/lambdakit/v1/invocations?function={n}")
            records[n] = json.loads(c.getresponse().read())
        print("Extension overhead on a warm invoke (bench/extensions/overhead.py)")
        print(f"machine: {os.cpu_count()} cores; hello (C++), provided.al2023; medians over "
              f"{a.runs} interleaved runs\n")
        print(f"  {'subject':40} {'caller ms':>10} {'Duration ms':>12} {'cold starts':>12}")
        base = statistics.median(times[0])
        for (label, _), n, t in zip(subjects, names, times):
            recs = records[n]["invocations"]
            warm = [r["phases_ms"]["invoke"] for r in recs if not r["cold"]]
            colds = sum(1 for r in recs if r["cold"])
            print(f"  {label:40} {statistics.median(t):10.3f} "
                  f"{statistics.median(warm) if warm else float('nan'):12.3f} {colds:12d}")
        for (label, _), t in list(zip(subjects, times))[1:]:
            m = statistics.median(t)
            print(f"\n  {label}: {m - base:+.3f} ms at the caller ({m / base:.3f}x)", end="")
        print()
    finally:
        serve.close()


if __name__ == "__main__":
    sys.exit(main())
