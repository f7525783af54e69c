"""Hostile go1.x functions: a go1.x environment must fail the invoke it is running (promptly, with
the right error), replace itself, and leave the service healthy, whatever the function's bytes.

The function is functions/go1x_fake/fake, a Python script (Handler `fake`, mode 0755) that answers
Function.Ping with the fn->host bytes recorded in go1x-vectors.txt and Function.Invoke with
{"count": n, "pid": p}, and misbehaves once an event says {"misbehave": MODE}. What the host does
with each (src/platform/env/go1x_channel.cc, src/wire/gob):
  garbage           not a gob stream: Runtime.InvalidResponse, at once
  typedefs-forever  the stream's type limit (1024): Runtime.InvalidResponse, at once
  huge-length       a message over the 16 MiB stream limit: Function.ResponseSizeTooLarge, at once
  drop-connection   EOF mid-invoke, process alive: Runtime.ExitError after a 200 ms grace
  exit              EOF and exit status 7: Runtime.ExitError with the exit status
  lying-length      a message that never completes: the host waits for it, so the invoke ends
                    at the function timeout (Sandbox.Timedout); nothing else bounds it
Each resets the environment: the misbehaving process is killed and the next invoke is cold (a
fresh fake answers count 1 from another pid). A function that never listens, or never answers
Ping, runs into the Init limit (`--init-timeout 0.5`), whose retry the function timeout bounds.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from lkgo1x import example_go1x_zip, fake_zip
from lkserve import find_report, proc_alive, unique_name, wait_until

HELLO = b'{"message":"Hello World"}'
PROMPT_S = 3.0  # "at once": well under the fakes' 10 s timeout
INVALID_PREFIX = "the go1.x function answered with bytes that are not a Go net/rpc gob reply: "
TOO_LARGE = {"errorType": "Function.ResponseSizeTooLarge",
             "errorMessage": "Response payload size exceeded maximum allowed payload size "
                             "(6291556 bytes)."}


def _fake(service, timeout: int = 10, env: dict | None = None) -> str:
    name = unique_name("go1x-fake")
    service.create_function(name, fake_zip(), runtime="go1.x", handler="fake", timeout=timeout,
                            env=env)
    return name


def _hello(service) -> str:
    name = unique_name("go1x-hello")
    service.create_function(name, example_go1x_zip("hello"), runtime="go1.x", handler="hello")
    return name


def _ok_json(r) -> dict:
    assert r.status == 200 and r.function_error is None, r.describe()
    return r.json()


def _unhandled(r) -> dict:
    assert r.status == 200 and r.function_error == "Unhandled", r.describe()
    return r.json()


def _fake_pids(service, name: str) -> list[int]:
    """Every fake process the service started for `name` (each logs `started` first)."""
    return [int(p) for p in re.findall(rf"^\[{re.escape(name)}\] go1x-fake\[(\d+)\]: started",
                                       service.read_log(), re.M)]


def _assert_healthy(service, hello: str):
    assert service.alive, "the service died"
    r = service.invoke(hello, b"{}")
    assert r.status == 200 and r.function_error is None and r.body == HELLO, r.describe()


def _check_error(mode: str, r, err: dict):
    if mode in ("garbage", "typedefs-forever"):
        assert err["errorType"] == "Runtime.InvalidResponse", err
        assert re.match(r"RequestId: [0-9a-f-]{36} Error: " + re.escape(INVALID_PREFIX), err["errorMessage"]), err
        if mode == "typedefs-forever":
            assert "1024 type definitions" in err["errorMessage"], err
    elif mode == "huge-length":
        assert err == TOO_LARGE, err
    elif mode == "drop-connection":
        assert err["errorType"] == "Runtime.ExitError", err
        assert "connection ended mid-invoke" in err["errorMessage"], err
    elif mode == "exit":
        assert err == {"errorType": "Runtime.ExitError",
                       "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with "
                                       "error: exit status 7"}, err
    else:
        raise AssertionError(mode)


PROMPT_MODES = {  # mode -> the invocation record's status
    "garbage": "crash",
    "typedefs-forever": "crash",
    "huge-length": "response_too_large",
    "drop-connection": "crash",
    "exit": "crash",
}


@pytest.mark.parametrize("mode", list(PROMPT_MODES))
def test_a_hostile_reply_fails_promptly_and_resets_the_environment(service, mode):
    hello = _hello(service)
    _assert_healthy(service, hello)
    name = _fake(service, timeout=10)
    first = _ok_json(service.invoke(name, b"{}"))
    second = _ok_json(service.invoke(name, b"{}"))  # Seq 2 on the same connection: still fine
    assert first["count"] == 1 and second == {"count": 2, "pid": first["pid"]}, (first, second)

    r = service.invoke(name, json.dumps({"misbehave": mode}))
    err = _unhandled(r)
    _check_error(mode, r, err)
    assert r.elapsed_s < PROMPT_S, f"{mode}: the invoke took {r.elapsed_s:.2f}s (timeout 10 s)"
    assert not find_report(r.log_tail, r.request_id).timed_out

    wait_until(lambda: not proc_alive(first["pid"]), 5,
               what=f"the misbehaving fake ({mode}) to be killed")
    after_r = service.invoke(name, b"{}")
    after = _ok_json(after_r)
    assert after["count"] == 1 and after["pid"] != first["pid"], \
        f"the invoke after {mode} did not get a fresh environment: {after}"
    assert find_report(after_r.log_tail, after_r.request_id).init_ms is not None
    recs = service.invocations(name)
    assert [x["cold"] for x in recs] == [True, False, False, True], recs
    assert [x["status"] for x in recs] == ["success", "success", PROMPT_MODES[mode], "success"]
    assert len(_fake_pids(service, name)) == 2, service.read_log()[-3000:]
    _assert_healthy(service, hello)


def test_a_lying_length_prefix_ends_at_the_function_timeout(service):
    """Says 1000 bytes, sends 10 and waits: only the function timeout ends the wait."""
    hello = _hello(service)
    name = _fake(service, timeout=2)
    first = _ok_json(service.invoke(name, b"{}"))
    r = service.invoke(name, b'{"misbehave":"lying-length"}')
    assert _unhandled(r) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 2.00 seconds",
    }
    assert 1.9 <= r.elapsed_s < 4.5, f"ended after {r.elapsed_s:.2f}s for a 2 s timeout"
    assert find_report(r.log_tail, r.request_id).timed_out
    wait_until(lambda: not proc_alive(first["pid"]), 5, what="the timed-out fake to be killed")
    after = _ok_json(service.invoke(name, b"{}"))
    assert after["count"] == 1 and after["pid"] != first["pid"], after
    assert [x["cold"] for x in service.invocations(name)] == [True, False, True]
    assert [x["status"] for x in service.invocations(name)] == ["success", "timeout", "success"]
    _assert_healthy(service, hello)


def test_hostile_functions_side_by_side_leave_others_alone(service):
    """Misbehaving functions do not disturb a warm go1.x environment of another function."""
    hello = _hello(service)
    _assert_healthy(service, hello)
    warm = _fake(service)
    before = _ok_json(service.invoke(warm, b"{}"))
    for mode in PROMPT_MODES:
        bad = _fake(service)
        _unhandled(service.invoke(bad, json.dumps({"misbehave": mode})))
        _assert_healthy(service, hello)
    after = _ok_json(service.invoke(warm, b"{}"))
    assert after == {"count": 2, "pid": before["pid"]}, "the bystander was reset"
    assert [x["cold"] for x in service.invocations(hello)][1:] == [False] * len(PROMPT_MODES)


# --- Init that never ends -----------------------------------------------------------------------

@pytest.mark.parametrize("env", [{"FAKE_NEVER_LISTEN": "1"}, {"FAKE_SILENT_PING": "1"}],
                         ids=["never-listens", "never-answers-ping"])
def test_init_that_never_ends_hits_the_init_limit_then_the_timeout(start_service, env):
    service = start_service(extra_args=["--init-timeout", "0.5"])
    hello = _hello(service)
    name = _fake(service, timeout=2, env=env)
    t0 = time.monotonic()
    r = service.invoke(name, b"{}", timeout=30)
    elapsed = time.monotonic() - t0
    assert _unhandled(r) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 2.00 seconds",
    }
    # 0.5 s of the first Init, then the retry inside the invoke, bounded by the 2 s timeout.
    assert 2.3 <= elapsed < 6, f"the invoke ended after {elapsed:.2f}s"
    service.wait_for_log(r"init did not finish within 500 ms; retrying it inside the invoke")
    pids = _fake_pids(service, name)
    assert len(pids) == 2, f"expected the first Init and its retry, saw fakes {pids}"
    wait_until(lambda: not any(proc_alive(p) for p in pids), 5,
               what="both never-ready fakes to be killed")
    _assert_healthy(service, hello)


def test_garbage_for_ping_fails_init_at_once_and_the_next_invoke_starts_afresh(start_service):
    # --init-timeout 30: were the garbage not noticed, the invoke would wait out the 10 s timeout.
    service = start_service(extra_args=["--init-timeout", "30"])
    hello = _hello(service)
    name = _fake(service, timeout=10, env={"FAKE_GARBAGE_PING": "1"})
    t0 = time.monotonic()
    r = service.invoke(name, b"{}", timeout=60)
    elapsed = time.monotonic() - t0
    err = _unhandled(r)
    assert err["errorType"] == "Runtime.InvalidResponse", err
    assert err["errorMessage"].startswith(
        f"RequestId: {r.request_id} Error: during Init the go1.x function answered Function.Ping "
        "with bytes that are not a Go net/rpc gob reply"), err
    assert elapsed < 8, f"the invoke waited {elapsed:.2f}s instead of failing Init at once"
    pids = _fake_pids(service, name)
    wait_until(lambda: not any(proc_alive(p) for p in pids), 5, what="the garbage fake to be killed")
    r2 = service.invoke(name, b"{}", timeout=60)  # a new environment, the same garbage
    assert _unhandled(r2)["errorType"] == "Runtime.InvalidResponse"
    assert len(_fake_pids(service, name)) == 2
    _assert_healthy(service, hello)
