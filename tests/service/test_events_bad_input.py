"""Bad input for the Event queue: a queue file that is corrupt or from a newer lambdakit (a clear
error at start, the file left as it was), a disk that fills (202 only for what was stored, a
clear 500 otherwise, nothing lost), and a flood of Event invokes beyond the queue's limit."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from lkevents import FAST, Collector, create_event_function, listing, send_event
from lkserve import example_zip, serve_command, unique_name


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_and_fail(state) -> subprocess.CompletedProcess:
    cmd = serve_command() + ["--port", "0", "--state-dir", str(state)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0, f"started on a bad queue file:\n{r.stdout}\n{r.stderr}"
    assert "listening" not in r.stdout
    return r


def test_a_corrupt_queue_file_is_refused_and_kept(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    bad = state / "events.db"
    bad.write_bytes(b"not a database, but someone's events? " * 300)
    before = digest(bad)
    r = start_and_fail(state)
    assert str(bad) in r.stderr and "left as it is" in r.stderr, r.stderr
    assert "not a database" in r.stderr and "Move it away" in r.stderr, r.stderr
    assert digest(bad) == before
    assert not (state / "events.db-wal").exists()


def test_a_queue_file_from_a_newer_lambdakit_is_refused_and_kept(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    newer = state / "events.db"
    db = sqlite3.connect(newer)
    db.execute("CREATE TABLE events_v9 (x)")
    db.execute("INSERT INTO events_v9 VALUES ('keep me')")
    db.execute("PRAGMA user_version = 9")
    db.commit()
    db.close()
    before = digest(newer)
    r = start_and_fail(state)
    assert "newer lambdakit" in r.stderr and "queue schema 9" in r.stderr, r.stderr
    assert "left as it is" in r.stderr, r.stderr
    assert digest(newer) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs for a full disk needs root")
def test_a_full_disk_gives_500_for_what_was_not_stored(start_service, collector, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(small)], check=True)
    try:
        svc = start_service(state_dir=small / "state", extra_args=FAST)
        name = create_event_function(svc, collector)
        assert svc.invoke(name, {"n": "warm"}).status == 200  # the environment exists already
        filler = small / "filler"
        with open(filler, "wb") as f:  # fill every byte that is left
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        pad = "x" * 100_000
        accepted, refused = [], []
        for n in range(40):
            r = svc.invoke(name, {"n": n, "pad": pad}, invocation_type="Event", log_type=None)
            assert r.status in (202, 500), r.describe()
            if r.status == 500:
                assert r.headers["x-amzn-errortype"].startswith("ServiceException")
                msg = r.json()["message"]
                assert "was not stored" in msg and "full" in msg, msg
                refused.append(n)
            else:
                accepted.append(n)
        assert refused, "no Event invoke failed on a full disk"
        assert svc.alive
        filler.unlink()  # room again: what was accepted runs, what was refused never does
        r = svc.invoke(name, {"n": "after"}, invocation_type="Event", log_type=None)
        assert r.status == 202, r.describe()
        want = set(accepted) | {"after"}
        collector.wait(lambda: want <= {s["event"]["n"] for s in collector.of("end", fn=name)},
                       60, "every accepted event ran")
        time.sleep(0.5)
        ran = {s["event"]["n"] for s in collector.of("start", fn=name)}
        assert not (ran & set(refused)), f"refused events ran: {sorted(ran & set(refused))}"
        assert listing(svc, name, "queued") == []
        svc.stop()
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)


def test_a_flood_beyond_the_queue_limit_gets_429_and_loses_nothing(start_service, collector):
    """Reserved concurrency 0 keeps the events queued; with --event-queue-limit 300 the flood's
    extra invokes are refused with 429 while a synchronous invoke of another function still
    answers; lifting the limit delivers every accepted event."""
    svc = start_service(extra_args=FAST + ["--event-queue-limit", "300"])
    name = create_event_function(svc, collector)
    other = unique_name("hello")
    svc.create_function(other, example_zip("hello"))
    svc.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    accepted, refused, errors = [], [], []
    lock = threading.Lock()

    def flood(k):
        for i in range(80):
            n = k * 1000 + i
            r = svc.invoke(name, {"n": n}, invocation_type="Event", log_type=None)
            with lock:
                if r.status == 202:
                    accepted.append(n)
                elif r.status == 429 and b"--event-queue-limit" in r.body:
                    refused.append(n)
                else:
                    errors.append(r.describe())

    threads = [threading.Thread(target=flood, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    sync_ms = []
    while any(t.is_alive() for t in threads):
        t0 = time.monotonic()
        assert svc.invoke(other, {}).status == 200
        sync_ms.append((time.monotonic() - t0) * 1000)
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(accepted) == 300 and len(refused) == 180, (len(accepted), len(refused))
    assert max(sync_ms) < 5000, f"a synchronous invoke waited {max(sync_ms):.0f} ms in the flood"
    r = svc.invoke(name, {"n": -1}, invocation_type="Event", log_type=None)
    assert r.status == 429 and r.headers["x-amzn-errortype"].startswith("TooManyRequestsException")
    svc.client.delete_function_concurrency(FunctionName=name)
    collector.wait(lambda: len({s["event"]["n"] for s in collector.of("end", fn=name)}) >= 300,
                   120, "all 300 accepted events ran")
    assert {s["event"]["n"] for s in collector.of("end", fn=name)} == set(accepted)
    assert send_event(svc, name, {"n": "room again"})
