"""Event invokes survive `kill -9` of the service at any moment: every event acknowledged with
202 runs at least once after restarts on the same state directory, none runs again once its
success was recorded, and the dead letters are exactly the events that failed every attempt.

Rounds: a service starts on the shared state directory, three senders post Event invokes (one in
four asks to fail), and the service is SIGKILLed at a random moment (the seed is printed). A
last service drains the queue. The success line (`event RID succeeded on attempt N`) is written
right after the commit that removes the event; a tailer thread notes when each appears, and a
run the collector hears of after that would be a second delivery of a recorded success."""
from __future__ import annotations

import http.client
import random
import re
import threading
import time

from lkevents import FAST, Collector, create_event_function, listing

ROUNDS = 5
SUCCESS_RX = re.compile(r"lambdakit: event ([0-9a-f-]{36}) succeeded on attempt (\d+)")


class Tailer(threading.Thread):
    """Follows a service's stderr file, noting when each success line is first seen."""

    def __init__(self, path, seen: dict):
        super().__init__(daemon=True)
        self.path, self.seen, self.stop = path, seen, threading.Event()

    def run(self):
        pos, buf = 0, ""
        while True:
            stopping = self.stop.is_set()
            try:
                with open(self.path, errors="replace") as f:
                    f.seek(pos)
                    chunk = f.read()
                    pos = f.tell()
            except OSError:
                chunk = ""
            buf += chunk
            *lines, buf = buf.split("\n")
            now = time.monotonic()
            for line in lines:
                m = SUCCESS_RX.search(line)
                if m:
                    self.seen.setdefault(m.group(1), now)
            if stopping:
                return
            time.sleep(0.005)


def sender(port: int, name: str, counter, acked: dict, stop: threading.Event):
    while not stop.is_set():
        n = next(counter)
        fail = n % 4 == 3
        body = ('{"n": %d%s}' % (n, ', "fail": true' if fail else "")).encode()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", f"/2015-03-31/functions/{name}/invocations", body,
                      {"X-Amz-Invocation-Type": "Event"})
            r = c.getresponse()
            r.read()
            c.close()
        except OSError:
            return  # the service is gone: this event was never acknowledged
        if r.status == 202:
            acked[r.getheader("x-amzn-RequestId")] = (n, fail)
        time.sleep(0.01)


def test_events_survive_sigkill_at_random_moments(start_service, tmp_path):
    seed = int(time.time())
    rng = random.Random(seed)
    print(f"seed {seed}")
    state = tmp_path / "state"
    collector = Collector()
    acked: dict[str, tuple[int, bool]] = {}
    succeeded: dict[str, float] = {}
    counter = iter(range(1_000_000))
    name = None
    try:
        for round_no in range(ROUNDS):
            svc = start_service(state_dir=state, extra_args=FAST)
            tail = Tailer(svc.stderr_path, succeeded)
            tail.start()
            if name is None:
                name = create_event_function(svc, collector)
                svc.client.put_function_event_invoke_config(FunctionName=name,
                                                            MaximumRetryAttempts=1)
            stop = threading.Event()
            senders = [threading.Thread(target=sender, args=(svc.port, name, counter, acked, stop),
                                        daemon=True) for _ in range(3)]
            for t in senders:
                t.start()
            time.sleep(rng.uniform(0.3, 1.5))
            svc.crash()
            stop.set()
            for t in senders:
                t.join(timeout=10)
            tail.stop.set()
            tail.join(timeout=5)
            print(f"round {round_no}: {len(acked)} acknowledged so far, "
                  f"{len(succeeded)} successes recorded")
        # The last service drains the queue.
        svc = start_service(state_dir=state, extra_args=FAST)
        tail = Tailer(svc.stderr_path, succeeded)
        tail.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and listing(svc, name, "queued"):
            time.sleep(0.1)
        assert listing(svc, name, "queued") == [], "the queue did not drain within 90 s"
        time.sleep(0.5)  # the last answers' reports and log lines
        tail.stop.set()
        tail.join(timeout=5)
        dead = {d["request_id"]: d for d in listing(svc, name, "dead")}
    finally:
        collector.close()

    assert len(acked) >= 20, f"too few events were acknowledged to mean anything ({len(acked)})"
    starts: dict[str, list[float]] = {}
    for r in collector.of("start", fn=name):
        starts.setdefault(r["rid"], []).append(r["received"])
    never_ran = [rid for rid in acked if rid not in starts]
    assert not never_ran, f"{len(never_ran)} acknowledged events never ran: {never_ran[:5]}"
    again = [rid for rid, at in succeeded.items() if any(t > at for t in starts.get(rid, []))]
    assert not again, f"events ran again after their success was recorded: {again[:5]}"
    failing_acked = {rid for rid, (_, fail) in acked.items() if fail}
    missing_dead = failing_acked - dead.keys()
    assert not missing_dead, f"failing events with no dead letter: {sorted(missing_dead)[:5]}"
    fine_in_dead = [rid for rid in dead if rid in acked and not acked[rid][1]]
    assert not fine_in_dead, f"events that succeed are dead letters: {fine_in_dead[:5]}"
    for rid, d in dead.items():  # unacknowledged ones may be there too, but only failing ones
        assert d["payload"].get("fail") is True, d
        assert d["reason"] == "RetriesExhausted" and rid not in succeeded, d
    # A success is logged just after its commit: a kill between the two leaves a recorded success
    # with no line. Such an event's last report must be the end of a run (it finished, and it
    # was not run again afterwards); it is neither queued nor dead.
    ok_acked = {rid for rid, (_, fail) in acked.items() if not fail}
    unlogged = ok_acked - succeeded.keys()
    for rid in unlogged:
        mine = sorted((r["received"], r["kind"]) for r in collector.of(rid=rid))
        assert mine and mine[-1][1] == "end", f"{rid} never finished a run: {mine}"
        assert rid not in dead
    print(f"{len(acked)} acknowledged, {sum(len(v) for v in starts.values())} runs, "
          f"{sum(1 for v in starts.values() if len(v) > 1)} delivered more than once, "
          f"{len(dead)} dead letters, {len(unlogged)} successes committed as the service died")
