"""Helpers for the `lambdakit serve` end-to-end tests: the Service wrapper (a real `lambdakit
serve` process) and the aws CLI. Zips, /proc and raw HTTP live in lkzips, lkprocs and lkhttp;
they are re-exported here, so test modules import from lkserve alone."""


from __future__ import annotations

import base64
import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

# Re-exported: test modules import everything from lkserve.
from lkhttp import (HTTP_TIMEOUT_S, REPORT_RX, Report, Response, billed_matches,  # noqa: F401
                    find_report, http_request, json_string_payload)
from lkprocs import descendants, proc_alive, proc_cmdline, proc_stat, wait_until  # noqa: F401
from lkzips import (FUNCTIONS_DIR, REPO_ROOT, bin_dir, code_sha256, example_binary,  # noqa: F401
                    example_zip, make_zip, peer_bootstrap_bytes, peer_zip,
                    python_script_bytes)

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambdakit-test"

READY_TIMEOUT_S = 10.0     # contract: the listening line appears within 10 s
STOP_GRACE_S = 10.0        # SIGTERM -> exit; then SIGKILL
CHILD_EXIT_GRACE_S = 3.0   # after the service exited, its function processes must be gone
CLI_TIMEOUT_S = 120.0      # every aws CLI run is bounded

SYNC_REQUEST_LIMIT = 6291456    # Invoke request payload limit (bytes)
SYNC_RESPONSE_LIMIT = 6291556   # Invoke response payload limit (bytes)

LISTEN_RX = re.compile(r"^lambdakit serve: listening on http://127\.0\.0\.1:(\d+)$")


def serve_command() -> list[str]:
    override = os.environ.get("LAMBDAKIT_SERVE_CMD")
    if override:
        return shlex.split(override)
    exe = bin_dir() / "lambdakit"
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        pytest.fail(f"lambdakit CLI not found/executable at {exe}. Run `make build` or set "
                    "LAMBDAKIT_BIN_DIR (or LAMBDAKIT_SERVE_CMD).", pytrace=False)
    return [str(exe), "serve"]


def unique_name(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def aws_cli_exe(cli: str | None = None) -> str:
    """The aws CLI to run: `cli` (a path) when given, else the one on PATH."""
    exe = cli or shutil.which("aws")
    if exe is None:
        pytest.fail("the aws CLI is not on PATH (pip install awscli)", pytrace=False)
    if not os.access(exe, os.X_OK):
        pytest.fail(f"the aws CLI {exe} is not there/executable", pytrace=False)
    return exe


@lru_cache(maxsize=None)
def aws_cli_major(cli: str | None = None) -> int:
    """Major version of the aws CLI on PATH, or of `cli` (`aws-cli/2.15.0 Python/...` -> 2)."""
    exe = aws_cli_exe(cli)
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    m = re.search(r"aws-cli/(\d+)\.", out.stdout + out.stderr)
    assert m, f"cannot read the aws CLI version from {out.stdout + out.stderr!r}"
    return int(m.group(1))


# --- the service --------------------------------------------------------------------------------

@dataclass
class ServiceOptions:
    idle_timeout: float | None = 600
    max_concurrency: int | None = None
    log_level: str | None = None
    extra_args: list[str] = field(default_factory=list)
    run_as: int | None = None  # a uid (and gid) to run the service as, instead of this user's


def _is_volume_maker(pid: int) -> bool:
    """mkfs.ext4, which the service runs to make spare /tmp volumes."""
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe")) in ("mke2fs", "mkfs.ext4")
    except OSError:
        return False


def _is_transient_helper(pid: int) -> bool:
    """A child that is gone by the time it is looked at, or a fork of the service that has not
    exec'd yet (a launcher or volume maker on its way): neither is a function runtime."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return True
    return os.path.basename(exe) == "lambdakit"


def _is_parked_launcher(pid: int) -> bool:
    """A lambdakit-launcher that waits for a command. (One with a child is the init of an
    environment's PID namespace: the runtime is that child, and its pid there is the init's.)"""
    try:
        if os.path.basename(os.readlink(f"/proc/{pid}/exe")) != "lambdakit-launcher":
            return False
        return not Path(f"/proc/{pid}/task/{pid}/children").read_text().strip()
    except OSError:
        return False


class Service:
    """One `lambdakit serve` process on a kernel-chosen port."""

    def __init__(self, workdir: Path, state_dir: Path, options: ServiceOptions, label: str):
        self.workdir = workdir
        self.state_dir = state_dir
        self.options = options
        self.label = label
        self.stderr_path = workdir / f"serve-{label}.stderr.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.stdout_lines: list[str] = []
        self.returncode: int | None = None
        self._lines: queue.Queue = queue.Queue()
        self._reader: threading.Thread | None = None
        self._children: dict[int, int] = {}  # pid -> starttime, every function process seen
        self._client = None
        self._cli_env: dict[str, str] | None = None
        self.start_failed = False
        self.crashed = False  # killed on purpose by crash(): teardown expects no clean exit

    # -- lifecycle --------------------------------------------------------------------------------

    def command(self) -> list[str]:
        cmd = serve_command() + ["--port", "0", "--state-dir", str(self.state_dir)]
        o = self.options
        if o.idle_timeout is not None:
            cmd += ["--idle-timeout", f"{o.idle_timeout:g}"]
        if o.max_concurrency is not None:
            cmd += ["--max-concurrency", str(o.max_concurrency)]
        level = o.log_level or os.environ.get("LAMBDAKIT_SERVE_LOG_LEVEL")
        if level:
            cmd += ["--log-level", level]
        return cmd + list(o.extra_args)

    def start(self) -> "Service":
        env = dict(os.environ)
        for key in list(env):  # keep the service hermetic: nothing Lambda-ish leaks in from here
            if key.startswith("AWS_LAMBDA_") or key in ("_HANDLER", "LOG_LEVEL"):
                del env[key]
        self.state_dir.mkdir(parents=True, exist_ok=True)
        cmd = self.command()
        with open(self.stderr_path, "ab") as err:
            err.write(f"### lambdakit tests: {shlex.join(cmd)}\n".encode())
            err.flush()
            who, cwd = {}, self.workdir
            if self.options.run_as is not None:  # its state (and cwd) must be its own
                who = dict(user=self.options.run_as, group=self.options.run_as, extra_groups=[])
                cwd = self.state_dir.parent
                for path in (cwd, self.state_dir):
                    os.chown(path, self.options.run_as, self.options.run_as)
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=err, env=env, cwd=cwd,
                                         start_new_session=True, **who)
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        try:
            line = self._lines.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            line = None
        if line is None:
            state = ("exited with code %s" % self.proc.poll()) if self.proc.poll() is not None \
                else f"printed no listening line within {READY_TIMEOUT_S}s"
            self.start_failed = True
            self._kill_hard()
            pytest.fail(f"`{shlex.join(cmd)}` {state}\n--- stderr ---\n{self.read_log()}",
                        pytrace=False)
        m = LISTEN_RX.match(line)
        if not m:
            self.start_failed = True
            self._kill_hard()
            pytest.fail(f"first stdout line is not the listening line: {line!r}\n"
                        f"--- stderr ---\n{self.read_log()}", pytrace=False)
        self.port = int(m.group(1))
        assert 0 < self.port < 65536
        return self

    def _read_stdout(self):
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _kill_hard(self):
        if self.proc is not None and self.proc.poll() is None:
            self.remember_children()
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=STOP_GRACE_S)
        self._kill_survivors()
        self.unmount_leftovers()

    def _kill_survivors(self) -> list[str]:
        survivors = []
        for pid, start in self._children.items():
            if proc_alive(pid, start):
                survivors.append(f"{pid}: {proc_cmdline(pid)}")
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return survivors

    def unmount_leftovers(self):
        """Detach what a service that did not stop cleanly left mounted in its state (the /tmp
        volumes; its next start would do it, if there is one)."""
        prefix = str(self.state_dir) + "/"
        points = []
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split(" ")[4].replace("\\040", " ")
            if point.startswith(prefix):
                points.append(point)
        for point in reversed(points):
            subprocess.run(["umount", "-l", point], capture_output=True)

    def crash(self):
        """`kill -9` of the service process alone, as a crash would be; then its function
        processes (orphans now) are killed too, so a restart on the same state starts clean."""
        assert self.proc is not None and self.proc.poll() is None, "the service is not running"
        self.remember_children()
        self.proc.kill()
        self.proc.wait(timeout=STOP_GRACE_S)
        self.crashed = True
        self.returncode = self.proc.returncode
        deadline = time.monotonic() + CHILD_EXIT_GRACE_S
        while time.monotonic() < deadline and any(proc_alive(p, s) for p, s in self._children.items()):
            time.sleep(0.02)
        self._kill_survivors()
        self.unmount_leftovers()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def remember_children(self) -> dict[int, int]:
        """Record the service's live descendants (function processes); returns the current set."""
        if not self.alive:
            return {}
        current = descendants(self.proc.pid)
        self._children.update(current)
        return current

    def function_processes(self) -> dict[int, int]:
        """Children of the service that are function runtimes: parked launchers (the service keeps
        a few ready, each in its own memory cgroup) are not, until one becomes a runtime."""
        children = self.remember_children()
        return {pid: start for pid, start in children.items()
                if not _is_parked_launcher(pid) and not _is_volume_maker(pid)
                and not _is_transient_helper(pid)}

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the service, wait for it (SIGKILL fallback), and check that every function process
        it started is gone. Returns its exit code; raises AssertionError on a leaked process or a
        SIGKILL fallback. Idempotent."""
        if self.proc is None or self.start_failed or self.crashed:
            return 0
        if self.returncode is not None:
            return self.returncode
        problems = []
        if self.proc.poll() is not None:
            problems.append(f"the service had already exited (code {self.proc.returncode}) "
                            "before it was asked to stop")
        else:
            self.remember_children()
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                problems.append(f"the service did not exit within {STOP_GRACE_S}s of "
                                f"{signal.Signals(sig).name}; SIGKILLed")
                self._kill_hard()
        self.returncode = self.proc.returncode
        if self._reader is not None:
            self._reader.join(timeout=5)
        deadline = time.monotonic() + CHILD_EXIT_GRACE_S
        while time.monotonic() < deadline and any(proc_alive(p, s) for p, s in self._children.items()):
            time.sleep(0.02)
        survivors = self._kill_survivors()
        if survivors:
            problems.append("function processes survived the service: " + "; ".join(survivors))
        prefix = str(self.state_dir) + "/"
        mounts = [line.split(" ")[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
                  if line.split(" ")[4].startswith(prefix) or line.split(" ")[4] == str(self.state_dir)]
        if mounts:
            problems.append("mounts survived the service: " + ", ".join(mounts))
            self.unmount_leftovers()
        if problems:
            raise AssertionError("\n".join(problems))
        return self.returncode

    # -- logs -------------------------------------------------------------------------------------

    def read_log(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return "<no stderr>"

    def wait_for_log(self, pattern: str, timeout: float = 10.0) -> re.Match:
        rx = re.compile(pattern, re.M)
        found = []

        def probe():
            m = rx.search(self.read_log())
            if m:
                found.append(m)
            return m

        try:
            wait_until(probe, timeout, what=f"/{pattern}/ in the service's stderr")
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- stderr ---\n{self.read_log()[-6000:]}") from None
        return found[0]

    # -- Lambda API -------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def client(self):
        """boto3 Lambda client for this service; retries off, so a 429 or 5xx is seen as it is."""
        if self._client is None:
            import boto3
            from botocore.config import Config
            self._client = boto3.session.Session().client(
                "lambda", endpoint_url=self.endpoint, region_name=REGION,
                aws_access_key_id="x", aws_secret_access_key="x",
                config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                              connect_timeout=5, read_timeout=HTTP_TIMEOUT_S,
                              parameter_validation=True))
        return self._client

    def http(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
             timeout: float = HTTP_TIMEOUT_S) -> Response:
        r = http_request(self.port, method, path, body, headers, timeout)
        self.remember_children()
        return r

    def invoke(self, name: str, payload: bytes | str | dict = b"{}", *,
               invocation_type: str | None = None, log_type: str | None = "Tail",
               client_context: str | None = None, qualifier: str | None = None,
               headers: dict | None = None, timeout: float = HTTP_TIMEOUT_S) -> Response:
        """Raw Invoke: `name` goes into the path as given (pre-encode it if needed). Tail logs are
        asked for by default so REPORT lines can be checked."""
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        h = dict(headers or {})
        if invocation_type:
            h["X-Amz-Invocation-Type"] = invocation_type
        if log_type:
            h["X-Amz-Log-Type"] = log_type
        if client_context is not None:
            h["X-Amz-Client-Context"] = client_context
        path = f"/2015-03-31/functions/{name}/invocations"
        if qualifier is not None:
            path += "?Qualifier=" + urllib.parse.quote(qualifier, safe="")
        return self.http("POST", path, payload, h, timeout)

    def invocations(self, function: str) -> list[dict]:
        r = self.http("GET", "/lambdakit/v1/invocations?function=" + urllib.parse.quote(function))
        assert r.status == 200, r.describe()
        doc = r.json()
        assert isinstance(doc.get("invocations"), list), doc
        return doc["invocations"]

    @staticmethod
    def zip_example(example: str) -> bytes:
        """Zip of build/bin/<example> as `bootstrap` (0755) at the zip's root."""
        return example_zip(example)

    @staticmethod
    def zip_peer(peer: str) -> bytes:
        """Zip of tests/service/functions/<peer>/bootstrap as `bootstrap` (0755)."""
        return peer_zip(peer)

    def create_function(self, name: str | None = None, zip_bytes: bytes | None = None, *,
                        runtime: str = "provided.al2023", handler: str = "bootstrap",
                        timeout: int | None = None, memory: int | None = None,
                        env: dict[str, str] | None = None, role: str = ROLE) -> dict:
        name = name or unique_name()
        kw = dict(FunctionName=name, Runtime=runtime, Role=role, Handler=handler,
                  Code={"ZipFile": zip_bytes if zip_bytes is not None else example_zip("hello")})
        if timeout is not None:
            kw["Timeout"] = timeout
        if memory is not None:
            kw["MemorySize"] = memory
        if env is not None:
            kw["Environment"] = {"Variables": env}
        config = self.client.create_function(**kw)
        assert config["FunctionName"] == name, config
        return config

    def create_example(self, example: str, name: str | None = None, **kw) -> str:
        """Create a provided.al2023 function from build/bin/<example>; returns its name."""
        name = name or unique_name(example)
        self.create_function(name, example_zip(example), **kw)
        return name

    def create_peer(self, peer: str, name: str | None = None, **kw) -> str:
        """Create a provided.al2023 function from tests/service/functions/<peer>/bootstrap."""
        name = name or unique_name(peer)
        self.create_function(name, peer_zip(peer), **kw)
        return name

    # -- aws CLI ----------------------------------------------------------------------------------

    def aws(self, *args: str, check: bool = True, timeout: float = CLI_TIMEOUT_S,
            cli: str | None = None) -> subprocess.CompletedProcess:
        """`aws lambda <args> --endpoint-url <service> --region us-east-1 --output json`, with the
        aws CLI on PATH or the one at `cli`."""
        exe = aws_cli_exe(cli)
        if self._cli_env is None:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("AWS_") and k not in ("_HANDLER",)}
            env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_PAGER="",
                       AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard",
                       AWS_CONFIG_FILE=str(self.workdir / "aws-config-none"),
                       AWS_SHARED_CREDENTIALS_FILE=str(self.workdir / "aws-credentials-none"),
                       AWS_EC2_METADATA_DISABLED="true")
            self._cli_env = env
        cmd = [exe, "lambda", *args, "--endpoint-url", self.endpoint, "--region", REGION,
               "--output", "json"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self._cli_env,
                              cwd=self.workdir, timeout=timeout, stdin=subprocess.DEVNULL)
        self.remember_children()
        if check and proc.returncode != 0:
            raise AssertionError(f"{shlex.join(cmd)} exited {proc.returncode}\n"
                                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def cli_raw_payload_args(self, cli: str | None = None) -> list[str]:
        """`--cli-binary-format raw-in-base64-out` (aws CLI v2: without it --payload must be
        base64). CLI v1 has no such option and always takes --payload as raw bytes."""
        return ["--cli-binary-format", "raw-in-base64-out"] if aws_cli_major(cli) >= 2 else []

    def cli_invoke(self, name: str, payload: str | None = None, *extra: str,
                   cli: str | None = None) -> tuple[dict, bytes, str]:
        """`aws lambda invoke --log-type Tail [--payload P] EXTRA... OUTFILE`, the payload raw on
        both CLI majors: (metadata, the output file's bytes, the decoded log tail). The
        metadata's StatusCode must be 200."""
        outfile = self.workdir / f"out-{unique_name('invoke')}.json"
        args = ["invoke", "--function-name", name, "--log-type", "Tail", *extra]
        if payload is not None:
            args += [*self.cli_raw_payload_args(cli), "--payload", payload]
        meta = self.aws_json(*args, str(outfile), cli=cli)
        assert meta["StatusCode"] == 200, meta
        return meta, outfile.read_bytes(), base64.b64decode(meta["LogResult"]).decode("utf-8", "replace")

    def aws_json(self, *args: str, cli: str | None = None) -> dict:
        out = self.aws(*args, cli=cli).stdout
        return json.loads(out) if out.strip() else {}


def client_error(call, code: str) -> str:
    """The message of the botocore ClientError `call()` raises; its error code must be `code`."""
    import botocore.exceptions
    try:
        call()
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == code, e.response
        return err["Message"]
    raise AssertionError(f"no {code} was raised")


class Gate:
    """A loopback TCP listener the `counter` peer connects to when given {"gate_port": port}: the
    peer sends `started <pid>` and blocks until released. Lets a test hold invocations open
    without sleeping."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []

    def wait_started(self, n: int = 1, timeout: float = 15.0) -> list[int]:
        """Accept n more peers; returns their pids."""
        pids = []
        deadline = time.monotonic() + timeout
        for _ in range(n):
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                raise AssertionError(f"only {len(pids)} of {n} gated invocations started "
                                     f"within {timeout}s") from None
            conn.settimeout(5)
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(100)
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"started "), data
            pids.append(int(data.split()[1]))
            self.conns.append(conn)
        return pids

    def release(self):
        for conn in self.conns:
            try:
                conn.sendall(b"release\n")
                conn.close()
            except OSError:
                pass
        self.conns.clear()

    def close(self):
        self.release()
        self.sock.close()


