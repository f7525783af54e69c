"""Fixtures for running lambdakit example binaries under AWS's Runtime Interface Emulator (RIE).

RIE is run directly (no Docker): `aws-lambda-rie [flags] <bootstrap>`. It serves the invoke API
(`POST /2015-03-31/functions/function/invocations`) and the Lambda Runtime API, and starts the
bootstrap lazily on the first invoke. See docs/rie-notes.md for what RIE does and answers.

Configuration (environment):
  LAMBDAKIT_RIE            path to aws-lambda-rie (default: <repo>/.deps/bin/aws-lambda-rie)
  LAMBDAKIT_BIN_DIR        directory holding the example binaries (default: <repo>/build/bin)
  LAMBDAKIT_RIE_LOG_LEVEL  RIE --log-level (default: info; the tests rely on info-level lines)

A missing RIE or example binary FAILS the test (never skips), so CI cannot pass vacuously.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import requests  # type: ignore
except ImportError:  # pragma: no cover - exercised only where requests is absent
    requests = None

REPO_ROOT = Path(__file__).resolve().parents[2]
INVOKE_PATH = "/2015-03-31/functions/function/invocations"

STARTUP_TIMEOUT_S = 10.0  # RIE binds its ports within milliseconds; this is only a safety net
POLL_INTERVAL_S = 0.02
STOP_GRACE_S = 5.0  # after SIGTERM, RIE SIGKILLs the runtime and exits 0
DEFAULT_HTTP_TIMEOUT_S = 60.0


def rie_path() -> Path:
    return Path(os.environ.get("LAMBDAKIT_RIE", REPO_ROOT / ".deps" / "bin" / "aws-lambda-rie"))


def bin_dir() -> Path:
    return Path(os.environ.get("LAMBDAKIT_BIN_DIR", REPO_ROOT / "build" / "bin"))


def _free_port() -> int:
    """A port the kernel just handed out for 127.0.0.1 (bind-to-0), released for RIE to take."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _proc_stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, pgid, starttime) of pid from /proc, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (comm) is parenthesised and may contain spaces; split after its closing paren.
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[2]), int(fields[19])


def _descendants(root_pid: int) -> list[tuple[int, int, int]]:
    """(pid, pgid, starttime) for every live descendant of root_pid."""
    children: dict[int, list[tuple[int, int, int]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _proc_stat(int(entry))
        if st is not None:
            children.setdefault(st[0], []).append((int(entry), st[1], st[2]))
    out, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child[0])
    return out


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    elapsed_s: float

    def json(self):
        return json.loads(self.body)


class Rie:
    """One RIE process serving one example binary on free loopback ports."""

    def __init__(self, name: str, bootstrap: Path, env: dict[str, str], workdir: Path,
                 args: list[str] | None = None):
        self.name = name
        self.bootstrap = bootstrap
        self.args = list(args or [])  # after the bootstrap: RIE passes them on to it
        self.workdir = workdir
        self.log_path = workdir / f"rie-{name}.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.runtime_api_port = 0
        self._env = env
        self._children: dict[int, tuple[int, int]] = {}  # pid -> (pgid, starttime)
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, attempts: int = 3) -> "Rie":
        for attempt in range(attempts):
            self.port, self.runtime_api_port = _free_port(), _free_port()
            while self.runtime_api_port == self.port:
                self.runtime_api_port = _free_port()
            cmd = [
                str(rie_path()),
                "--log-level", os.environ.get("LAMBDAKIT_RIE_LOG_LEVEL", "info"),
                "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                "--runtime-api-address", f"127.0.0.1:{self.runtime_api_port}",
                str(self.bootstrap), *self.args,
            ]
            with open(self.log_path, "ab") as log:
                log.write(f"### lambdakit tests: attempt {attempt + 1}: {' '.join(cmd)}\n".encode())
                log.flush()
                self._stopped = False
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    env=self._env, cwd=self.workdir, start_new_session=True,
                )
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if _accepts(self.port) and _accepts(self.runtime_api_port):
                    return self
                time.sleep(POLL_INTERVAL_S)
            else:
                self.stop()
                pytest.fail(f"RIE did not accept connections on 127.0.0.1:{self.port} and "
                            f":{self.runtime_api_port} within {STARTUP_TIMEOUT_S}s\n"
                            f"--- RIE output ---\n{self.read_log()}", pytrace=False)
            # RIE exited during startup; a port grabbed by someone else in between is retryable.
            self.stop()
            if "address already in use" not in self.read_log():
                break
        pytest.fail(f"RIE exited during startup with code {self.proc.returncode}\n"
                    f"--- RIE output ---\n{self.read_log()}", pytrace=False)

    def _remember_children(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for pid, pgid, start in _descendants(self.proc.pid):
                self._children[pid] = (pgid, start)

    def stop(self) -> None:
        """SIGTERM RIE's process group (RIE then SIGKILLs the runtime and exits 0); SIGKILL the group
        if RIE is still there after a grace period. RIE starts the bootstrap in a process group of
        its own (setpgid), so that group is SIGKILLed too if anything of it survived."""
        if self.proc is None or self._stopped:
            return
        self._stopped = True
        self._remember_children()
        if self.proc.poll() is None:  # not reaped yet, so its pid (= pgid) cannot have been reused
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
            except ProcessLookupError:
                self.proc.wait()
        for pid, (pgid, start) in self._children.items():
            st = _proc_stat(pid)
            if st is not None and st[1] == pgid and st[2] == start:  # same process, not a reused pid
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    # -- use ------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{INVOKE_PATH}"

    def invoke(self, payload: bytes | str = b"{}", headers: dict | None = None,
               timeout: float = DEFAULT_HTTP_TIMEOUT_S) -> Response:
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        headers = dict(headers or {})
        t0 = time.monotonic()
        if requests is not None:
            r = requests.post(self.url, data=payload, headers=headers, timeout=timeout)
            resp = Response(r.status_code, dict(r.headers), r.content, time.monotonic() - t0)
        else:
            req = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    resp = Response(r.status, dict(r.headers), r.read(), time.monotonic() - t0)
            except urllib.error.HTTPError as e:
                resp = Response(e.code, dict(e.headers), e.read(), time.monotonic() - t0)
        self._remember_children()
        return resp

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return "<no RIE output>"

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> re.Match:
        """Poll RIE's output until regex `pattern` appears (lines may trail the HTTP answer)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.read_log())
            if m or time.monotonic() >= deadline:
                break
            time.sleep(POLL_INTERVAL_S)
        assert m, f"RIE output never matched /{pattern}/ within {timeout}s"
        return m


def _base_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    # RIE forwards its whole environment to the bootstrap and reads AWS_LAMBDA_* / LOG_LEVEL
    # itself; AWS_LAMBDA_MAX_CONCURRENCY would even switch it to a different (managed-instances)
    # emulator. Keep the tests hermetic: only what a test asks for.
    for key in list(env):
        if key.startswith("AWS_LAMBDA_") or key in ("LOG_LEVEL", "_HANDLER"):
            del env[key]
    env.update(extra or {})
    return env


@pytest.fixture
def rie(request, tmp_path):
    """Factory: `rie("hello", env={"AWS_LAMBDA_FUNCTION_TIMEOUT": "1"})` -> a started `Rie`.

    Every instance is stopped at teardown; its output is attached to the report of a failed test.
    """
    instances: list[Rie] = []
    request.node._lambdakit_rie = instances

    def start(name: str, env: dict[str, str] | None = None) -> Rie:
        exe = rie_path()
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            pytest.fail(f"AWS Runtime Interface Emulator not found/executable at {exe}. "
                        "Run `make deps` (scripts/install-deps) or set LAMBDAKIT_RIE.",
                        pytrace=False)
        binary = bin_dir() / name
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            pytest.fail(f"example binary {name!r} not found/executable at {binary}. "
                        "Run `make build` or set LAMBDAKIT_BIN_DIR.", pytrace=False)
        workdir = tmp_path / f"{name}-{len(instances)}"
        workdir.mkdir()
        inst = Rie(name, binary, _base_env(env), workdir)
        instances.append(inst)
        return inst.start()

    yield start
    for inst in instances:
        inst.stop()


@pytest.fixture
def rie_python(request, tmp_path):
    """Factory: `rie_python("python3.12", "hello")` -> a started `Rie` running
    `python3.12 -m awslambdaric hello.handler` in a task root holding the module that
    `lambdakit build --runtime python3.12` made: how AWS's Python base images run a function
    under RIE. The interpreter is found as lambdakit serve finds it (scripts/find-python)."""
    import shutil
    import sys

    sys.path.append(str(REPO_ROOT / "tests" / "python"))
    import python_build

    instances: list[Rie] = []
    request.node._lambdakit_rie = instances

    def start(runtime: str, module: str, env: dict[str, str] | None = None) -> Rie:
        version = runtime.removeprefix("python")
        r = subprocess.run([str(REPO_ROOT / "scripts" / "find-python"), version],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(r.stderr.strip(), pytrace=False)
        python = r.stdout.strip()
        workdir = tmp_path / f"{runtime}-{module}-{len(instances)}"
        workdir.mkdir()
        shutil.copy(python_build.module_file(runtime, module), workdir)
        inst = Rie(f"{runtime}-{module}", Path(python), _base_env(env), workdir,
                   ["-m", "awslambdaric", f"{module}.handler"])
        instances.append(inst)
        return inst.start()

    yield start
    for inst in instances:
        inst.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for inst in getattr(item, "_lambdakit_rie", []):
            report.sections.append((f"RIE output: {inst.name} ({inst.log_path})", inst.read_log()))
