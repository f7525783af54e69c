"""OpenWhisk's ActionLoop protocol: lambdakit binaries driven by a test that plays the side of
openwhisk-runtime-go's proxy exactly as its source does (docs/stdio.md, section OpenWhisk):

- `NewExecutor` (openwhisk/executor.go): the child's stdout and stderr are the proxy's own
  files, stdin is a pipe, descriptor 3 is the write end of a pipe (ExtraFiles[0]), and the
  environment holds only the proxy's map (__OW_PROXY_VERSION, __OW_WAIT_FOR_ACK when OW_WAIT_FOR_ACK
  is set, the __OW_* of the container): no PATH, no HOME.
- `Start`: with the ack on, one line on descriptor 3 must be {"ok": true}.
- `Interact` per activation: every '\\n' stripped from the body, the body plus '\\n' on stdin,
  one line read from descriptor 3; then the proxy itself writes
  XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX to stdout and to stderr.
- `runHandler`: a line that is neither a JSON object nor an array is a 502.
The body is the invoker's: {"value": ..., "namespace", "action_name", "action_version",
"activation_id", "transaction_id", "deadline" (a string of epoch ms), "api_key"}.
A missing binary FAILS the test (never skips).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LAMBDAKIT_BIN_DIR", REPO_ROOT / "build/bin"))
MARKER = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"
READ_TIMEOUT_S = 10.0


class Proxy:
    """The proxy's half of one action process."""

    def __init__(self, tmp: Path, binary: str, ack: bool = True, env: dict | None = None):
        self.out_path, self.err_path = tmp / "stdout", tmp / "stderr"
        self.out = open(self.out_path, "ab", buffering=0)
        self.err = open(self.err_path, "ab", buffering=0)
        r, w = os.pipe()
        self.results = os.fdopen(r, "rb", buffering=0)
        proxy_env = {"__OW_PROXY_VERSION": "1.0.0", "__OW_API_HOST": "https://openwhisk.example"}
        if ack:
            proxy_env["__OW_WAIT_FOR_ACK"] = "1"
        proxy_env.update(env or {})
        exe = BIN / binary
        if not exe.exists():
            pytest.fail(f"{exe} is missing: run `make build`", pytrace=False)
        def fd3():  # ExtraFiles[0] is descriptor 3 in the child (Python's fds are not inherited)
            if w != 3:
                os.dup2(w, 3)
            os.set_inheritable(3, True)

        self.proc = subprocess.Popen([str(exe)], stdin=subprocess.PIPE, stdout=self.out,
                                     stderr=self.err, env=proxy_env, close_fds=False,
                                     preexec_fn=fd3)
        os.close(w)
        self.buf = b""

    def line(self) -> bytes | None:
        """One line from descriptor 3, or None at EOF."""
        deadline = time.monotonic() + READ_TIMEOUT_S
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            assert left > 0, "no line on descriptor 3 in time"
            ready, _, _ = select.select([self.results], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.results.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def start(self) -> dict:
        ack = self.line()
        assert ack is not None, "the action exited before its ack"
        return json.loads(ack)

    def run(self, value, activation_id: str = "a1", **extra) -> tuple[int, object]:
        """Interact, then runHandler's checks: (HTTP status the proxy answers, the result)."""
        body = {"value": value, "namespace": "guest", "action_name": "probe",
                "action_version": "0.0.1", "activation_id": activation_id,
                "transaction_id": "t-" + activation_id,
                "deadline": str(int(time.time() * 1000) + 60000), "api_key": "user:secret"}
        body.update(extra)
        data = json.dumps(body).encode().replace(b"\n", b"")
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()
        out = self.line()
        if out is None:
            return 400, "command exited"
        self.out.write(MARKER.encode() + b"\n")
        self.err.write(MARKER.encode() + b"\n")
        try:
            result = json.loads(out)
        except ValueError:
            return 502, "The action did not return a dictionary or array."
        if not isinstance(result, (dict, list)):
            return 502, "The action did not return a dictionary or array."
        return 200, result

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.results.close()
        self.out.close()
        self.err.close()
        return self.proc.returncode


@pytest.fixture
def proxy(tmp_path):
    made = []

    def make(binary: str = "probe", **kw) -> Proxy:
        p = Proxy(tmp_path, binary, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def test_ack_then_many_activations_in_one_process(proxy):
    p = proxy()
    assert p.start() == {"ok": True}
    counts = []
    for i in range(50):
        status, result = p.run("count", activation_id=f"act-{i}")
        assert status == 200, result
        counts.append(result)
    assert [c["count"] for c in counts] == list(range(1, 51))
    assert len({c["pid"] for c in counts}) == 1
    status, result = p.run({"name": "x", "nested": [1, {"é": None}]})
    assert status == 200 and result == {"name": "x", "nested": [1, {"é": None}]}


def test_each_activation_sees_its_own_context_and_ow_variables(proxy):
    p = proxy()
    p.start()
    for act in ("first", "second"):
        status, ctx = p.run("context", activation_id=act)
        assert status == 200 and ctx["request_id"] == act, ctx
        assert 55000 < ctx["remaining_ms"] <= 60000, ctx
        assert ctx["function_arn"] == "probe" and ctx["trace_id"] == f"t-{act}", ctx
        status, env = p.run("env:__OW_ACTIVATION_ID", activation_id=act)
        assert env == {"value": act}, env
    status, env = p.run("env:__OW_API_KEY")
    assert env == {"value": "user:secret"}
    status, env = p.run("env:__OW_API_HOST")
    assert env == {"value": "https://openwhisk.example"}, "the container's __OW_* stay"
    # deadline as a number, as ACTION.md documents it
    status, ctx = p.run("context", deadline=int(time.time() * 1000) + 30000)
    assert 25000 < ctx["remaining_ms"] <= 30000, ctx


def test_function_errors_are_application_errors(proxy):
    p = proxy()
    p.start()
    status, result = p.run("error:app.InvalidInput")
    assert status == 200
    assert result == {"error": {"errorType": "app.InvalidInput", "errorMessage": "asked for",
                                "stackTrace": ["frame 1", "frame 2"]}}
    status, result = p.run("count")
    assert status == 200 and result["count"] == 2


def test_a_result_that_is_not_a_json_object_is_an_error_not_a_502(proxy):
    p = proxy()
    p.start()
    status, result = p.run("text:plain words")
    assert status == 200, "the proxy would answer 502 and the activation would be a developer error"
    assert result["error"]["errorType"] == "ResultNotJSONObject", result
    assert "must return a JSON object" in result["error"]["errorMessage"]


def test_logs_land_before_the_proxys_markers(proxy):
    p = proxy()
    p.start()
    p.run("noise:3")
    p.run("count")
    out = p.out_path.read_text(errors="replace").split("\n")
    err = p.err_path.read_text().split("\n")
    assert out.index(MARKER) > max(i for i, l in enumerate(out) if l.startswith("noise 2:")), out
    assert err.index(MARKER) > err.index("noise on stderr 2"), err
    assert out.count(MARKER) == 2 and err.count(MARKER) == 2


def test_without_the_ack_the_first_line_is_the_first_result(proxy):
    p = proxy(ack=False)
    status, result = p.run("count")
    assert status == 200 and result["count"] == 1


def test_a_line_that_is_not_json_is_answered_and_the_next_served(proxy):
    p = proxy()
    p.start()
    p.proc.stdin.write(b"this is not json\n")
    p.proc.stdin.flush()
    bad = json.loads(p.line())
    assert bad["error"]["errorType"] == "BadActivation", bad
    status, result = p.run("count")
    assert status == 200 and result["count"] == 1


def test_init_failure_says_ok_false_then_exits(proxy):
    p = proxy("badinit")
    assert p.start() == {"ok": False}
    assert p.proc.wait(5) == 3
    assert "DATABASE_URL is not set" in p.err_path.read_text()
    q = proxy("badinit", ack=False)
    assert q.proc.wait(5) == 3
    assert q.line() is None


def test_a_crash_is_command_exited(proxy):
    p = proxy()
    p.start()
    status, result = p.run("crash")
    assert (status, result) == (400, "command exited")
    assert p.proc.wait(5) < 0


def test_stdin_closing_ends_the_action_cleanly(proxy):
    p = proxy()
    p.start()
    assert p.close() == 1  # exit_code::api_failed, having said why on stderr
    assert "stdin closed" in p.err_path.read_text()
