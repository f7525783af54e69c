"""One large CreateFunction does not stop other functions' invokes (issue 13: "zip extraction
and other slow work off the event loop"). A zip of 99,000 entries used to hold the service's one
thread for about 6 s; now the body is parsed, decoded and extracted on a worker thread, and warm
invokes of another function keep answering while it runs."""
from __future__ import annotations

import io
import statistics
import threading
import time
import zipfile

from lkserve import example_zip, unique_name


def many_entries(n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("bootstrap", b"#!/bin/sh\n")
        for i in range(n):
            z.writestr(f"d{i // 1000:03d}/f{i:05d}", b"x")
    return buf.getvalue()


def test_a_99000_entry_upload_leaves_invokes_answering(start_service):
    svc = start_service()
    hello = unique_name("hello")
    svc.create_function(hello, example_zip("hello"))
    assert svc.invoke(hello, {}).status == 200  # warm
    zip_bytes = many_entries(99_000)
    done = {}

    def upload():
        t0 = time.monotonic()
        svc.create_function(unique_name("big"), zip_bytes)
        done["s"] = time.monotonic() - t0

    t = threading.Thread(target=upload)
    t.start()
    latencies = []
    while t.is_alive():
        t0 = time.monotonic()
        r = svc.invoke(hello, {}, log_type=None)
        latencies.append((time.monotonic() - t0) * 1000)
        assert r.status == 200, r.describe()
    t.join()
    assert "s" in done, "the upload failed"
    assert done["s"] > 0.5, f"the upload took {done['s']:.2f} s: too quick to show anything"
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(f"upload {done['s']:.2f} s; {len(latencies)} invokes meanwhile: median "
          f"{statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms")
    # Lenient (a shared 2-core machine); the figure is the p99 printed above.
    assert latencies[-1] < 1000, f"an invoke waited {latencies[-1]:.0f} ms behind the upload"
    assert len(latencies) >= 10
