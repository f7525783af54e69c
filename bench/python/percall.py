"""Per-call cost of the Python-extension path, measured side by side in one process:

  module          <module>.handler(event, context): the event converted to JSON in C++, the
                  C++ handler called with the GIL released, its JSON response parsed in C++
  json binding    json.loads(<module>.handler_json(json.dumps(event), context)): the same C++
                  handler, the conversions done by Python's json (what a binding without its
                  own converter does)
  pure Python     the same handler written in Python (hello: a constant dict; echo: returns the
                  event, which does no conversion at all: the floor)

for a small, an API Gateway-sized and a 100 KB event. Each figure is the median of 15 batches
(per-call microseconds); ratios are module / other. Run: make bench (or python3.X
bench/python/percall.py MODULE_DIR, the folder holding hello and echo modules).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

module_dir = sys.argv[1] if len(sys.argv) > 1 else None
if not module_dir:
    sys.exit("usage: percall.py MODULE_DIR (build/release/python/abi3 or cp311)")
sys.path.insert(0, module_dir)
import echo  # noqa: E402
import hello  # noqa: E402


class Context:
    aws_request_id = "c0a8e3b2-0000-4000-8000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    client_context = None
    identity = None

    def get_remaining_time_in_millis(self):
        return 3000


CTX = Context()

API_GATEWAY = {  # the shape of an API Gateway proxy event (about 1.2 KB as JSON)
    "resource": "/{proxy+}", "path": "/hello/world", "httpMethod": "POST",
    "headers": {f"Header-{i}": f"value-{i}" * 3 for i in range(12)},
    "multiValueHeaders": {"Accept": ["*/*"], "X-Forwarded-For": ["127.0.0.1", "10.0.0.1"]},
    "queryStringParameters": {"name": "me", "n": "7"}, "pathParameters": {"proxy": "hello/world"},
    "requestContext": {"accountId": "123456789012", "requestId": "c6af9ac6-7b61-11e6-9a41",
                       "identity": {"sourceIp": "127.0.0.1", "userAgent": "curl/8.0"},
                       "requestTimeEpoch": 1428582896000, "stage": "prod"},
    "body": json.dumps({"a": 1, "b": [1.5, 2.5, True, None], "text": "héllo wörld"}),
    "isBase64Encoded": False,
}
EVENTS = {
    "small {}": {},
    "API Gateway 1.2 KB": API_GATEWAY,
    "100 KB": {"items": [{"id": i, "name": f"item {i}", "price": i * 0.25, "tags": ["a", "b"]}
                         for i in range(1400)]},
}


def py_hello(event, context):
    return {"message": "Hello World"}


def py_echo(event, context):
    return event


def per_call_us(fn, event, batch: int) -> float:
    samples = []
    for _ in range(15):
        t = time.perf_counter()
        for _ in range(batch):
            fn(event, CTX)
        samples.append((time.perf_counter() - t) / batch * 1e6)
    return statistics.median(samples)


def main() -> None:
    print(f"python-extension per-call cost: Python {sys.version.split()[0]}, modules in {module_dir}")
    sizes = {n: os.path.getsize(os.path.join(module_dir, f)) for n, f in
             ((m, next(f for f in os.listdir(module_dir) if f.startswith(m + "."))) for m in ("hello", "echo"))}
    print(f"module size: hello {sizes['hello'] / 1024:.0f} KB, echo {sizes['echo'] / 1024:.0f} KB (stripped)")
    print()
    print(f"  {'handler':6} {'event':20} {'module':>9} {'json binding':>13} {'pure Python':>12}"
          f" {'vs binding':>11} {'vs Python':>10}   (µs per call, medians)")
    for name, mod, py in (("hello", hello, py_hello), ("echo", echo, py_echo)):
        for label, event in EVENTS.items():
            size = len(json.dumps(event))
            batch = max(20, min(5000, 2_000_000 // (size + 200)))
            m = per_call_us(mod.handler, event, batch)
            b = per_call_us(lambda e, c: json.loads(mod.handler_json(json.dumps(e), c)), event, batch)
            p = per_call_us(py, event, batch)
            assert mod.handler(event, CTX) == json.loads(mod.handler_json(json.dumps(event), CTX))
            print(f"  {name:6} {label:20} {m:9.2f} {b:13.2f} {p:12.2f} {m / b:10.2f}x {m / p:9.1f}x")
    print("  (vs binding < 1: the C++ conversion is faster than json.dumps + json.loads)")


if __name__ == "__main__":
    main()
