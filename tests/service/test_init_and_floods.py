"""Init past its limit (spec §2, checklist item 13) and runtimes that flood their output: neither
may stall the service. `--init-timeout 1` stands in for Lambda's 10 s so the test stays short."""

import threading
import time

from lkserve import find_report


def test_init_over_the_limit_is_retried_inside_the_invoke(start_service):
    service = start_service(extra_args=["--init-timeout", "1"])
    name = service.create_peer("slowinit", env={"INIT_SLEEP": "1.5"}, timeout=5)
    start = time.monotonic()
    r = service.invoke(name, b"{}", timeout=30)
    elapsed = time.monotonic() - start
    assert r.status == 200 and r.function_error is None, r.describe()
    assert r.json()["starts"] == 2, "the first Init was abandoned and the second finished"
    assert 2.5 < elapsed < 5, elapsed  # 1 s of the first Init, then 1.5 s of the second
    service.wait_for_log(r"init did not finish within 1000 ms; retrying it inside the invoke")
    warm = service.invoke(name, b"{}", timeout=30)
    assert warm.json()["pid"] == r.json()["pid"], "the retried environment stays warm"


def test_retried_init_is_bounded_by_the_function_timeout(start_service):
    service = start_service(extra_args=["--init-timeout", "1"])
    name = service.create_peer("slowinit", env={"INIT_SLEEP": "30"}, timeout=2)
    start = time.monotonic()
    r = service.invoke(name, b"{}", timeout=30)
    assert time.monotonic() - start < 6
    assert r.status == 200 and r.function_error == "Unhandled", r.describe()
    assert r.json()["errorType"] == "Sandbox.Timedout"
    assert find_report(r.log_tail, r.request_id).timed_out


def test_a_flooding_runtime_does_not_stall_other_functions(service):
    flood = service.create_peer("counter", timeout=60)
    hello = service.create_example("hello")
    assert service.invoke(hello, b"{}").status == 200  # warm it up
    done = {}

    def run_flood():
        done["flood"] = service.invoke(flood, {"print_kb": 40 * 1024}, timeout=120)  # 40 MiB of lines

    t = threading.Thread(target=run_flood)
    t.start()
    worst = 0.0
    while t.is_alive():
        start = time.monotonic()
        r = service.invoke(hello, b"{}", log_type=None, timeout=30)
        worst = max(worst, time.monotonic() - start)
        assert r.status == 200 and r.function_error is None, r.describe()
    t.join()
    flood_result = done["flood"]
    assert flood_result.status == 200 and flood_result.function_error is None, flood_result.describe()
    assert worst < 1.0, f"hello took {worst:.3f} s while another function flooded its output"
    # The console shows at most 1 MiB/s of it, and says what it left out.
    service.invoke(flood, b"{}")
    service.wait_for_log(r"bytes of this environment's output were not shown \(over 1 MiB/s\)", timeout=10)
    assert len(service.read_log()) < 20 * 1024 * 1024
