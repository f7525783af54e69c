"""A function binary started as the go1.x runtime started it, and rpcdrive runs against it.

The process gets a hermetic environment: `_LAMBDA_SERVER_PORT=<free port>` and the variables a
go1.x environment carried (function name, version, memory, log group/stream, region, TZ, ...),
never AWS_LAMBDA_RUNTIME_API unless a test adds it. Its stdout and stderr go to a log file that
every failure message quotes. It runs in a session of its own and is SIGKILLed at teardown.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LISTEN_TIMEOUT_S = 10.0
POLL_S = 0.01
DRIVE_TIMEOUT_S = 120.0
LOG_TAIL = 4000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something listens on TCP `port` (read from /proc/net/tcp*, without connecting)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 3 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def function_env(name: str, port: int, workdir: Path) -> dict[str, str]:
    return {
        "_LAMBDA_SERVER_PORT": str(port),
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/08/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": name,
        "LAMBDA_TASK_ROOT": str(workdir),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }


@dataclass
class Function:
    """One function process listening for net/rpc on 127.0.0.1:port."""

    label: str
    exe: Path
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.label}.log"

    def start(self, wait_listen: bool = True, attempts: int = 3) -> "Function":
        for _ in range(attempts):
            self.port = free_port()
            env = {**function_env(self.exe.name, self.port, self.workdir), **self.extra_env}
            with open(self.log_path, "ab") as log:
                log.write(f"### started {self.exe} with _LAMBDA_SERVER_PORT={self.port}\n".encode())
                log.flush()
                self.proc = subprocess.Popen([str(self.exe)], stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, env=env, cwd=self.workdir,
                                             start_new_session=True)
            if not wait_listen:
                return self
            deadline = time.monotonic() + LISTEN_TIMEOUT_S
            while time.monotonic() < deadline and self.proc.poll() is None:
                if listening(self.port):
                    return self
                time.sleep(POLL_S)
            if self.proc.poll() is None:
                self.stop()
                pytest.fail(f"{self.label} did not listen on {self.addr} within {LISTEN_TIMEOUT_S}s\n"
                            f"{self.log_tail()}", pytrace=False)
            if "address already in use" not in self.read_log():
                break  # a port taken in between is worth another try; anything else is not
        pytest.fail(f"{self.label} exited during startup with code {self.proc.returncode}, never "
                    f"listening on {self.addr}\n{self.log_tail()}", pytrace=False)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:  # not reaped, so its pid (= its session's pgid) is still ours
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self) -> str:
        text = self.read_log()
        state = "running" if self.alive() else f"exited with {self.proc.returncode}"
        return f"--- {self.label} ({self.exe}, {state}) output ---\n{text[-LOG_TAIL:] or '<none>'}"


@dataclass
class Drive:
    """One rpcdrive run: its exit status and the JSON result line."""

    cmd: list[str]
    returncode: int
    result: dict
    stderr: str
    fn: Function | None

    def __getitem__(self, key):
        return self.result[key]

    def get(self, key, default=None):
        return self.result.get(key, default)

    def why(self) -> str:
        text = (f"$ {' '.join(self.cmd)}\nexit {self.returncode}; result: "
                f"{json.dumps(self.result)[:2000]}\nstderr: {self.stderr[-2000:]}")
        return text + ("\n" + self.fn.log_tail() if self.fn else "")

    def expect_ok(self) -> "Drive":
        assert self.returncode == 0 and self.result.get("ok") is True, self.why()
        return self


def drive(rpcdrive: Path, target: Function | str, scenario: str, *args: str,
          timeout: float = DRIVE_TIMEOUT_S) -> Drive:
    fn = target if isinstance(target, Function) else None
    addr = target.addr if fn else target
    cmd = [str(rpcdrive), "-addr", addr, "-scenario", scenario, "-timeout", f"{timeout:.0f}s", *args]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout + 30)
    lines = r.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"rpcdrive printed no JSON result line\n$ {' '.join(cmd)}\nexit {r.returncode}\n"
                    f"stdout: {r.stdout[-2000:]!r}\nstderr: {r.stderr.decode(errors='replace')[-2000:]}"
                    + ("\n" + fn.log_tail() if fn else ""), pytrace=False)
    return Drive(cmd, r.returncode, result, r.stderr.decode("utf-8", "replace"), fn)
