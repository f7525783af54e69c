"""Execution-environment lifecycle of `lambdakit serve`: cold start, warm reuse, reset after a
crash or a timeout, invalid entrypoint, idle eviction, persistence across a restart, REPORT lines,
invocation records, shutdown.

The `counter` peer (tests/service/functions/counter/bootstrap) answers {"count": n, "pid": p}: n
counts the invokes its process served, so a warm environment keeps counting and a fresh one starts
at 1 again, and p tells which process answered.
"""

import http.client
import json
import signal
import threading
import time

import pytest

from lkserve import (REPORT_RX, Report, billed_matches, code_sha256, example_zip, find_report,
                     make_zip, proc_alive, unique_name, wait_until)

HELLO = b'{"message":"Hello World"}'
PHASES = {"queue", "extract", "spawn", "init", "invoke", "overhead"}


def _ok(r):
    assert r.status == 200, r.describe()
    assert r.function_error is None, r.describe()
    return r


def _report(r) -> Report:
    assert r.log_tail is not None, "no X-Amz-Log-Result (LogType Tail was asked for)"
    rep = find_report(r.log_tail, r.request_id)
    assert billed_matches(rep.duration_ms, rep.billed_ms), rep.line
    return rep


def _counter(r) -> dict:
    _ok(r)
    return r.json()


def _check_record(rec, name, request_id, cold, status):
    assert rec["request_id"] == request_id, rec
    assert rec["function"] == name, rec
    assert rec["cold"] is cold, rec
    assert rec["status"] == status, rec
    assert set(rec["phases_ms"]) == PHASES, rec
    for phase, value in rec["phases_ms"].items():
        assert isinstance(value, (int, float)) and value >= 0, (phase, rec)
    assert isinstance(rec["max_memory_mb"], (int, float)) and rec["max_memory_mb"] >= 0, rec


# --- warm reuse ---------------------------------------------------------------------------------

def test_warm_invokes_reuse_the_process_and_keep_state(service):
    name = service.create_peer("counter")
    first, second, third = (service.invoke(name, b"{}") for _ in range(3))
    a, b, c = _counter(first), _counter(second), _counter(third)
    assert [a["count"], b["count"], c["count"]] == [1, 2, 3]
    assert a["pid"] == b["pid"] == c["pid"]
    assert proc_alive(a["pid"])
    assert a["pid"] in service.function_processes(), "the function process is not the service's child"
    assert _report(first).init_ms is not None, "the first invoke was not a cold start"
    assert _report(second).init_ms is None, "a warm invoke reported Init Duration"
    assert _report(third).init_ms is None


def test_invocation_records(service):
    name = service.create_peer("counter")
    t0 = time.monotonic()
    cold = _ok(service.invoke(name, b"{}"))
    warm = _ok(service.invoke(name, b"{}"))
    wall_ms = (time.monotonic() - t0) * 1000
    records = service.invocations(name)
    assert len(records) == 2, records
    _check_record(records[0], name, cold.request_id, True, "success")
    _check_record(records[1], name, warm.request_id, False, "success")
    for rec, resp in ((records[0], cold), (records[1], warm)):
        total = sum(rec["phases_ms"].values())
        assert total <= resp.elapsed_s * 1000 + 5, (total, resp.elapsed_s, rec)
    assert sum(sum(r["phases_ms"].values()) for r in records) <= wall_ms + 10
    # A second function's invokes are not mixed in.
    other = service.create_example("hello")
    _ok(service.invoke(other, b"{}"))
    assert len(service.invocations(name)) == 2
    assert [r["function"] for r in service.invocations(other)] == [other]


def test_invocation_record_statuses(service):
    counter = service.create_peer("counter", timeout=1)
    fail = service.create_example("fail")
    _ok(service.invoke(counter, b"{}"))
    crash = service.invoke(counter, {"crash": 3})
    timeout = service.invoke(counter, {"sleep_ms": 3000})
    error = service.invoke(fail, b"{}")
    recs = service.invocations(counter)
    assert [r["status"] for r in recs] == ["success", "crash", "timeout"], recs
    assert recs[1]["request_id"] == crash.request_id
    assert recs[2]["request_id"] == timeout.request_id
    assert recs[2]["phases_ms"]["invoke"] >= 900, recs[2]
    frecs = service.invocations(fail)
    assert [r["status"] for r in frecs] == ["error"], frecs
    assert frecs[0]["request_id"] == error.request_id


def test_max_memory_used_reflects_the_process(service):
    name = service.create_example("alloc")
    r = _ok(service.invoke(name, {"mb": 64}))
    assert r.body == b'{"allocated_mb":64}'
    rep = _report(r)
    assert 64 <= rep.max_memory_mb <= 64 + 200, rep.line
    assert rep.memory_mb == 128
    rec = service.invocations(name)[-1]
    assert rec["max_memory_mb"] >= 64, rec


# --- crash --------------------------------------------------------------------------------------

def test_crash_reports_exit_error(service):
    name = service.create_example("crash")
    r = service.invoke(name, {"code": 42})
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled"
    assert r.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: exit status 42",
    }
    assert _report(r).init_ms is not None


def test_next_invoke_after_a_crash_is_cold(service):
    name = service.create_peer("counter")
    before = _counter(service.invoke(name, b"{}"))
    crash = service.invoke(name, {"crash": 7})
    assert crash.status == 200 and crash.function_error == "Unhandled", crash.describe()
    assert crash.json()["errorType"] == "Runtime.ExitError"
    assert crash.json()["errorMessage"].endswith("Runtime exited with error: exit status 7")
    wait_until(lambda: not proc_alive(before["pid"]), 5, what="the crashed process to be gone")
    after_r = service.invoke(name, b"{}")
    after = _counter(after_r)
    assert after["count"] == 1, "state survived a crash: the environment was not reset"
    assert after["pid"] != before["pid"]
    assert _report(after_r).init_ms is not None, "the invoke after a crash was not cold"
    assert [r["cold"] for r in service.invocations(name)] == [True, False, True]


# --- timeout ------------------------------------------------------------------------------------

def test_timeout(service):
    name = service.create_peer("counter", timeout=1)
    before = _counter(service.invoke(name, b"{}"))
    r = service.invoke(name, {"sleep_ms": 5000})
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled"
    assert r.json() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert 0.9 <= r.elapsed_s < 3.5, f"timed out after {r.elapsed_s:.2f}s for a 1 s timeout"
    rep = _report(r)
    assert rep.timed_out, f"REPORT lacks Status: timeout: {rep.line!r}"
    assert 900 <= rep.duration_ms <= 3000, rep.line
    wait_until(lambda: not proc_alive(before["pid"]), 5, what="the timed-out process to be killed")
    after_r = service.invoke(name, b"{}")
    after = _counter(after_r)
    assert after["count"] == 1 and after["pid"] != before["pid"]
    assert _report(after_r).init_ms is not None
    assert not _report(after_r).timed_out


def test_an_invoke_within_the_timeout_is_not_cut_short(service):
    """The timeout covers the invoke; a function that answers in time is not cut short."""
    name = service.create_peer("counter", timeout=2)
    r = service.invoke(name, {"sleep_ms": 500})
    assert _counter(r)["count"] == 1
    assert not _report(r).timed_out


# --- invalid entrypoint -------------------------------------------------------------------------

def test_missing_bootstrap_is_invalid_entrypoint(service):
    name = unique_name("noboot")
    service.create_function(name, make_zip({"README.txt": b"no bootstrap here\n"}))
    r = service.invoke(name, b"{}")
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled"
    assert r.json()["errorType"] == "Runtime.InvalidEntrypoint"
    assert r.elapsed_s < 10


# --- idle eviction ------------------------------------------------------------------------------

def test_idle_environment_is_evicted(start_service):
    idle = 2.0
    service = start_service(idle_timeout=idle)
    name = service.create_peer("counter")
    first = _counter(service.invoke(name, b"{}"))
    warm_r = service.invoke(name, b"{}")
    warm_done = time.monotonic()
    warm = _counter(warm_r)
    assert warm["count"] == 2 and warm["pid"] == first["pid"], "the second invoke was not warm"
    assert _report(warm_r).init_ms is None
    wait_until(lambda: not proc_alive(first["pid"]), idle + 8, interval=0.05,
               what=f"the idle environment to be evicted (--idle-timeout {idle:g})")
    evicted_after = time.monotonic() - warm_done
    assert evicted_after >= idle - 0.25, f"evicted after {evicted_after:.2f}s, before the idle timeout"
    cold_r = service.invoke(name, b"{}")
    cold = _counter(cold_r)
    assert cold["count"] == 1 and cold["pid"] != first["pid"]
    assert _report(cold_r).init_ms is not None, "the invoke after eviction has no Init Duration"
    assert [r["cold"] for r in service.invocations(name)] == [True, False, True]


# --- persistence --------------------------------------------------------------------------------

def test_functions_persist_across_a_restart(start_service, tmp_path):
    state = tmp_path / "shared-state"
    first = start_service(state_dir=state)
    c = first.client
    kept = first.create_example("hello", timeout=7, memory=256, env={"KEY": "V"})
    updated = first.create_example("hello")
    deleted = first.create_example("hello")
    _ok(first.invoke(kept, b"{}"))
    c.update_function_code(FunctionName=updated, ZipFile=example_zip("echo"))
    c.delete_function(FunctionName=deleted)
    assert first.stop() == 0

    second = start_service(state_dir=state)
    c = second.client
    cfg = c.get_function(FunctionName=kept)["Configuration"]
    assert cfg["CodeSha256"] == code_sha256(example_zip("hello"))
    assert cfg["Timeout"] == 7 and cfg["MemorySize"] == 256
    assert cfg["Environment"]["Variables"] == {"KEY": "V"}
    names = {f["FunctionName"] for f in c.list_functions()["Functions"]}
    assert names == {kept, updated}, names
    r = _ok(second.invoke(kept, b"{}"))
    assert r.body == HELLO
    assert _report(r).init_ms is not None, "a restarted service cannot have a warm environment"
    assert _report(r).memory_mb == 256
    r = _ok(second.invoke(updated, b'{"after":"restart"}'))
    assert r.body == b'{"after":"restart"}', "the updated code did not persist"
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName=deleted)


# --- configuration changes ----------------------------------------------------------------------

def test_configuration_update_applies_to_the_next_invoke(service):
    c = service.client
    name = service.create_peer("probe", timeout=5, env={"STAGE": "one"})
    r = _ok(service.invoke(name, b"{}"))
    assert r.json()["env"]["STAGE"] == "one"
    c.update_function_configuration(FunctionName=name, MemorySize=256,
                                    Environment={"Variables": {"STAGE": "two"}},
                                    Handler="probe.changed")
    r = _ok(service.invoke(name, b"{}"))
    env = r.json()["env"]
    assert env["STAGE"] == "two"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["_HANDLER"] == "probe.changed"
    assert _report(r).memory_mb == 256
    assert _report(r).init_ms is not None, "new configuration must mean a new environment"
    counter = service.create_peer("counter", timeout=10)
    assert _counter(service.invoke(counter, {"sleep_ms": 1500}))["count"] == 1
    c.update_function_configuration(FunctionName=counter, Timeout=1)
    r = service.invoke(counter, {"sleep_ms": 1500})
    assert r.function_error == "Unhandled" and r.json()["errorType"] == "Sandbox.Timedout", \
        r.describe()


# --- REPORT format ------------------------------------------------------------------------------

def test_report_line_format(service):
    name = service.create_example("hello")
    responses = [_ok(service.invoke(name, b"{}")) for _ in range(3)]
    for i, r in enumerate(responses):
        log = r.log_tail
        reports = [m for m in REPORT_RX.finditer(log)]
        assert len(reports) == 1, log
        rep = find_report(log, r.request_id)
        assert rep.memory_mb == 128
        assert billed_matches(rep.duration_ms, rep.billed_ms), rep.line
        assert rep.billed_ms >= 1 or rep.duration_ms == 0
        assert not rep.timed_out
        if i == 0:
            assert rep.init_ms is not None and rep.init_ms > 0, rep.line
            assert rep.line.index("Max Memory Used") < rep.line.index("Init Duration")
        else:
            assert rep.init_ms is None, rep.line
        expected = (f"REPORT RequestId: {r.request_id}\tDuration: {rep.duration_ms:.2f} ms\t"
                    f"Billed Duration: {rep.billed_ms} ms\tMemory Size: 128 MB\t"
                    f"Max Memory Used: {rep.max_memory_mb} MB\t")
        if rep.init_ms is not None:
            expected += f"Init Duration: {rep.init_ms:.2f} ms\t"
        assert rep.line == expected


# --- logs and shutdown --------------------------------------------------------------------------

def test_function_logs_go_to_stderr_and_stdout_stays_clean(service):
    name = service.create_peer("counter")
    r = _ok(service.invoke(name, b"{}"))
    rid = r.request_id
    service.wait_for_log(rf"counter: stdout invoke 1 RequestId {rid}")
    service.wait_for_log(rf"counter: stderr invoke 1 RequestId {rid}")
    service.wait_for_log(rf"START RequestId: {rid} Version: \$LATEST")
    service.wait_for_log(rf"END RequestId: {rid}")
    service.wait_for_log(rf"REPORT RequestId: {rid}\t")
    assert service.stop() == 0
    assert len(service.stdout_lines) == 1, service.stdout_lines
    assert service.stdout_lines[0].startswith("lambdakit serve: listening on http://127.0.0.1:")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_service_and_its_functions(service, sig):
    names = [service.create_peer("counter") for _ in range(2)]
    pids = [_counter(service.invoke(n, b"{}"))["pid"] for n in names]
    assert all(proc_alive(p) for p in pids)
    assert service.stop(sig) == 0  # stop() also fails on any surviving function process
    assert not any(proc_alive(p) for p in pids)


def test_sigterm_with_an_invoke_in_flight(service, gate):
    name = service.create_peer("counter")
    done = {}

    def call():
        try:
            done["r"] = service.invoke(name, {"gate_port": gate.port}, timeout=30)
        except (ConnectionError, http.client.HTTPException) as e:  # cut by the shutdown: fine
            done["e"] = e
        except BaseException as e:  # anything else (a timeout, a bug in the helper) fails below
            done["unexpected"] = e

    t = threading.Thread(target=call, daemon=True)
    t.start()
    (pid,) = gate.wait_started(1)
    t0 = time.monotonic()
    assert service.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 10
    assert not proc_alive(pid)
    t.join(timeout=30)
    assert not t.is_alive(), "the in-flight caller was left hanging after shutdown"
    assert "unexpected" not in done, f"the in-flight invoke raised {done.get('unexpected')!r}"
    # Either the connection was cut, or the answer is not a success the function never gave.
    assert ("r" in done) != ("e" in done), done
    if "r" in done:
        assert done["r"].status != 200 or done["r"].function_error is not None, done["r"].describe()


def test_listening_line_and_endpoint(service):
    assert service.stdout_lines[0] == f"lambdakit serve: listening on http://127.0.0.1:{service.port}"
    out = service.client.list_functions()
    assert out["Functions"] == []


# --- a launch that fails is told apart from a runtime that fails -------------------------------
# lambdakit-launcher reports a failed execve on its status pipe (not in the log), so a bootstrap
# that cannot be started is Runtime.InvalidEntrypoint, while one that runs and exits 127 (what a
# shell gives for a missing command) is Runtime.ExitError, whatever it printed.

LAUNCH_MODES = [
    pytest.param([], id="parked-launcher"),          # the default: a launcher parked in its cgroup
    pytest.param(["--parked-launchers", "0"], id="launcher-argv"),     # spawned, then moved into its cgroup
    pytest.param(["--sandbox", "none"], id="posix-spawn"),
]


def _service_for(start_service, args):
    return start_service(extra_args=args)


@pytest.mark.parametrize("args", LAUNCH_MODES)
def test_a_bootstrap_that_cannot_start_is_invalid_entrypoint(start_service, args):
    service = _service_for(start_service, args)
    name = unique_name("badinterp")
    service.create_function(name, make_zip({"bootstrap": (b"#!/nonexistent/interpreter\n", 0o755)}))
    r = service.invoke(name, b"{}")
    assert r.status == 200 and r.function_error == "Unhandled", r.describe()
    err = r.json()
    assert err["errorType"] == "Runtime.InvalidEntrypoint", err
    assert err["errorMessage"].startswith(f"RequestId: {r.request_id} Error: "), err


@pytest.mark.parametrize("args", LAUNCH_MODES)
def test_a_bootstrap_that_exits_127_is_an_exit_error_whatever_it_prints(start_service, args):
    service = _service_for(start_service, args)
    name = unique_name("exit127")
    script = b"#!/bin/sh\necho 'lambdakit-launcher: cannot start /var/task/bootstrap: lies' >&2\nexit 127\n"
    service.create_function(name, make_zip({"bootstrap": (script, 0o755)}))
    r = service.invoke(name, b"{}")
    assert r.status == 200 and r.function_error == "Unhandled", r.describe()
    err = r.json()
    assert err["errorType"] == "Runtime.ExitError", err
    assert err["errorMessage"] == (f"RequestId: {r.request_id} Error: Runtime exited with error: "
                                   "exit status 127"), err
