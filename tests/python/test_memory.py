"""10,000 calls leave nothing behind: not in Python's allocator (tracemalloc) and not in the
process (RSS), for the event converter (fresh keys each call, which would leak if keys were
interned), the response parser and the exception path."""

from __future__ import annotations

import gc
import tracemalloc

import echo
import fail
import respond

from conftest import FakeContext

CALLS = 10_000


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def calls(i: int, ctx) -> None:
    echo.handler({f"key-{i}": [i, str(i), {"nested": i * 0.5}], "fixed": None}, ctx)
    respond.handler("json:{'a':[1,2,3],'k%d':'v'}" % i, ctx)
    try:
        fail.handler({}, ctx)
    except Exception:  # noqa: BLE001
        pass


def test_ten_thousand_calls_do_not_grow_memory():
    ctx = FakeContext()
    for i in range(1000):  # warm up: caches, the exception class, the allocator's arenas
        calls(i, ctx)
    gc.collect()
    rss_before = rss_kb()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(CALLS):
        calls(i, ctx)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    rss_grown = rss_kb() - rss_before
    # A leak of one small object per call would be >= 10,000 * 50 bytes = 500 KB.
    assert grown < 100_000, f"Python allocations grew {grown} bytes over {CALLS} calls"
    assert rss_grown < 4096, f"RSS grew {rss_grown} KB over {CALLS} calls"
