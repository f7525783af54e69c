"""Isolation of environments from each other and from the service (`lambdakit serve`, run as root
with its default sandbox): each environment is its own PID namespace, its runtime runs as
Lambda's uid 993 without capabilities, the state directory is out of reach, and each Runtime API
answers its own environment only.

The attacker is tests/service/functions/hostile (python3.12 through awslambdaric), each invoke
one attack; the victim is the same code in another function with a secret in its environment.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from lkprocs import wait_until
from lkserve import FUNCTIONS_DIR, make_zip, unique_name

HOSTILE = make_zip({"app.py": (FUNCTIONS_DIR / "hostile" / "app.py").read_bytes()})

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root")


def _function(service, secret: str | None = None, **kw) -> str:
    name = unique_name("hostile")
    env = {"LK_SECRET": secret} if secret else None
    service.create_function(name, HOSTILE, runtime="python3.12", handler="app.handler", env=env,
                            **kw)
    return name


def _call(service, name: str, event: dict) -> dict:
    r = service.invoke(name, event)
    assert r.status == 200 and r.function_error is None, r.describe()
    return r.json()


def _host_pids_with(needle: bytes) -> list[int]:
    """Host pids whose environment holds `needle` (this test runs as root: it sees them all)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if needle in Path(f"/proc/{entry}/environ").read_bytes():
                    found.append(int(entry))
            except OSError:
                pass
    return found


def _host_pids_named(argv0: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")[0] == argv0.encode():
                    found.append(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture
def pair(start_service):
    """A service, a victim holding a secret (warm: its runtime waits for work) and an attacker."""
    service = start_service()
    secret = "lk-secret-" + uuid.uuid4().hex
    victim = _function(service, secret)
    seen = _call(service, victim, {"do": "whoami"})
    assert seen["secret"] == secret
    attacker = _function(service)
    return service, victim, attacker, secret, seen


def test_the_runtime_is_unprivileged_in_its_own_pid_namespace(service):
    log = service.read_log()
    assert "sandbox: PID/mount/IPC/UTS namespaces" in log, log
    assert "runtimes as uid 993:990 without capabilities" in log, log
    me = _call(service, _function(service), {"do": "whoami"})
    assert (me["uid"], me["euid"], me["gid"], me["groups"]) == (993, 993, 990, []), me
    assert me["cap_eff"] == me["cap_prm"] == "0000000000000000", me
    assert me["no_new_privs"] == "1", me
    # Pid 1 is the namespace's init (lambdakit-launcher); the runtime is its child, numbered
    # there as the init is on this machine (the service's child).
    assert me["ppid"] == 1, me
    assert me["pid"] in service.function_processes(), me


def test_another_environments_processes_environment_and_tmp_are_out_of_sight(pair):
    service, victim, attacker, secret, _ = pair
    _call(service, victim, {"do": "tmp_put", "name": "loot", "text": secret})
    victims = _host_pids_with(secret.encode())
    assert victims, "the victim's runtime is not on this machine's /proc"
    me = _call(service, attacker, {"do": "whoami"})
    seen = _call(service, attacker, {"do": "procs"})["procs"]
    assert "1" in seen and str(me["pid"]) in seen, seen
    assert not set(seen) & {str(p) for p in victims}, seen  # its own namespace's pids only
    assert len(seen) <= 3, seen  # init, the runtime, and what it forked to read /proc
    assert not any(secret in p["environ"] or secret in p["cmdline"] for p in seen.values()), seen
    # By the victim's pids as this machine numbers them: not there.
    paths = [f"/proc/{pid}/environ" for pid in victims]
    paths += [f"/proc/{pid}/root/tmp/loot" for pid in victims]
    paths += [str(p) for p in (service.state_dir / "tmp").glob("*/loot")]
    assert len(paths) >= 3, paths
    got = _call(service, attacker, {"do": "read", "paths": paths})["read"]
    for path, outcome in got.items():
        assert "errno" in outcome and secret not in str(outcome), (path, outcome)
    # The victim is unaffected and still has its /tmp.
    assert _call(service, victim, {"do": "read", "paths": ["/tmp/loot"]})["read"]["/tmp/loot"] == {
        "text": secret}


def test_the_state_directory_cannot_be_read_or_written(pair):
    service, victim, attacker, secret, _ = pair
    code_files = sorted((service.state_dir / "code").glob("*/app.py"))
    assert code_files, list(service.state_dir.rglob("*"))[:20]
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in code_files}
    databases = [p for p in service.state_dir.iterdir() if p.is_file()]
    assert any(p.name.endswith((".db", ".db-wal")) for p in databases), databases
    targets = [str(p) for p in code_files] + [str(p) for p in databases]
    wrote = _call(service, attacker, {"do": "write", "paths": targets + ["/var/task/app.py"]})
    assert wrote["write"]["/var/task/app.py"] in (errno.EROFS, errno.EACCES), wrote
    for path in targets:
        assert wrote["write"][path] != 0, (path, wrote)
    read = _call(service, attacker, {"do": "read", "paths": targets})["read"]
    assert all("errno" in v for v in read.values()), read
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in code_files}
    assert after == before
    assert _call(service, victim, {"do": "whoami"})["secret"] == secret


def test_another_environments_runtime_api_answers_nothing(pair):
    service, victim, attacker, secret, victim_seen = pair
    address = victim_seen["runtime_api"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", address), address
    stolen = _call(service, attacker, {"do": "steal", "address": address})
    assert "Lambda-Runtime-Aws-Request-Id" not in stolen.get("answer", ""), stolen
    assert not stolen.get("answer"), stolen  # closed at once, unanswered
    service.wait_for_log(r"refused a Runtime API connection that does not come from this "
                         r"environment's processes")
    # The victim's next invoke reaches the victim, warm.
    r = service.invoke(victim, {"do": "whoami"})
    assert r.status == 200 and r.function_error is None, r.describe()
    assert r.json()["secret"] == secret
    assert "Init Duration" not in r.log_tail


def test_a_function_cannot_kill_the_service_or_its_init(pair):
    service, victim, attacker, secret, _ = pair
    got = _call(service, attacker, {"do": "kill", "targets": [service.proc.pid, "parent", -1]})
    assert got["kill"][str(service.proc.pid)] == errno.ESRCH, got
    assert service.alive
    # The attacker's sandbox is intact (its init ignores signals from inside) and so is the victim.
    assert _call(service, attacker, {"do": "whoami"})["ppid"] == 1
    assert _call(service, victim, {"do": "whoami"})["secret"] == secret


def _memory_cgroups_of(service) -> list[Path]:
    roots = list(Path("/sys/fs/cgroup").glob(f"**/lambdakit-{service.proc.pid}"))
    return [p for root in roots for p in root.iterdir() if p.is_dir()]


@pytest.mark.parametrize("ending", ["timeout", "delete", "shutdown"])
@pytest.mark.parametrize("sandbox", ["namespaces", "none"])
def test_what_a_function_leaves_behind_dies_with_its_environment(start_service, ending, sandbox):
    """A grandchild in its own session (setsid + double fork) outlives the invoke, but not the
    environment: a timeout, DeleteFunction or the service's shutdown kills it, and its memory
    cgroup is removed."""
    service = start_service(extra_args=["--sandbox", sandbox])
    name = _function(service, timeout=2)
    marker = "lk-orphan-" + uuid.uuid4().hex
    _call(service, name, {"do": "leave", "marker": marker})
    orphans = wait_until(lambda: _host_pids_named(marker), 5, what="the orphan on this machine")
    groups = _memory_cgroups_of(service)
    try:
        if ending == "timeout":
            r = service.invoke(name, {"do": "sleep", "seconds": 5})
            assert r.function_error == "Unhandled" and "Task timed out" in r.body.decode(), \
                r.describe()
        elif ending == "delete":
            service.client.delete_function(FunctionName=name)
        else:
            service.stop()
        wait_until(lambda: not _host_pids_named(marker), 5, what="the orphan to be gone")
        if ending != "shutdown":
            env_groups = [g for g in groups if g.name.startswith(name)]
            wait_until(lambda: not any(g.exists() for g in env_groups), 5,
                       what="the environment's memory cgroup to be removed")
        else:
            assert not any(g.exists() for g in groups), groups
    finally:
        for pid in _host_pids_named(marker):  # only what this test started
            if pid in orphans:
                os.kill(pid, 9)


def test_an_unprivileged_service_says_what_is_weaker_and_still_works(start_service):
    nobody = 65534
    home = Path(tempfile.mkdtemp(prefix="lk-nobody-"))  # pytest's folders are root's own (0700)
    try:
        service = start_service(run_as=nobody, state_dir=home / "state")
        _unprivileged_checks(service)
        service.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _unprivileged_checks(service):
    log = service.read_log()
    assert "NOT sandboxed" in log, log
    assert "a function can read and signal this user's processes" in log, log
    name = service.create_example("hello")
    r = service.invoke(name, {"name": "nobody"})
    assert r.status == 200 and r.function_error is None, r.describe()
