"""What `lambdakit serve` leaves behind by starting: nothing outside its state directory. It finds
aws-lambda-ric without `npm root -g` when the package sits in node's global folder, and asks npm
with --logs-max=0 otherwise, so no start writes a log under ~/.npm (issue 13, item 7)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess

from lkserve import serve_command


def test_a_start_writes_no_npm_log(tmp_path):
    if shutil.which("npm") is None:
        raise AssertionError("npm is missing: scripts/install-deps installs it with node")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "LAMBDAKIT_AWS_LAMBDA_RIC"}
    env["HOME"] = str(home)
    env.pop("npm_config_cache", None)
    proc = subprocess.Popen([*serve_command(), "--port", "0", "--state-dir", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        line = proc.stdout.readline()
        assert re.search(r"listening on http://", line), line
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert "nodejs*:" in err, err  # it did look for node's runtime client
    logs = home / ".npm" / "_logs"
    assert not logs.exists() or not any(logs.iterdir()), sorted(p.name for p in logs.iterdir())
