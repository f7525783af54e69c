"""The service's sandboxes (`lambdakit serve --sandbox`), checked from inside a function.

tests/functions/inspect (a static lambdakit function, build/bin/inspect) reports its working
directory, LAMBDA_TASK_ROOT, TMPDIR, the entries of / and whether it can write to its code and
to /tmp. Lambda's own environment: code read-only at /var/task, the working directory, a
writable /tmp of the environment's own.
"""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

from lkserve import make_zip, example_binary


def _inspect_zip() -> bytes:
    return make_zip({"bootstrap": (example_binary("inspect").read_bytes(), 0o755)})


def _inspect(service) -> dict:
    name = service.create_function(zip_bytes=_inspect_zip())["FunctionName"]
    r = service.invoke(name, b"{}")
    assert r.status == 200 and r.function_error is None, r.describe()
    return r.json()


def test_default_sandbox_puts_the_code_read_only_at_var_task(start_service):
    service = start_service()
    assert "sandbox: PID/mount/IPC/UTS namespaces" in service.read_log()
    seen = _inspect(service)
    assert seen["cwd"] == "/var/task"
    assert seen["task_root"] == "/var/task"
    assert seen["task_root_write_errno"] == errno.EROFS, seen
    assert seen["tmp_write_errno"] == 0, seen
    assert seen["tmpdir"] == "/tmp"
    # The rest of this machine is there (namespaces mode is not hermetic).
    assert "usr" in seen["root"] and "etc" in seen["root"]


def test_tmp_is_the_environments_own(start_service):
    """A file in this machine's /tmp is not in the function's /tmp."""
    marker = Path("/tmp") / f"lambdakit-host-{uuid.uuid4().hex}"
    marker.write_text("host")
    try:
        service = start_service()
        name = service.create_peer("counter")
        r = service.invoke(name, {"tmp_read": marker.name})
        assert r.status == 200, r.describe()
        assert r.json().get("tmp") in (None, ""), r.json()
    finally:
        marker.unlink(missing_ok=True)


def test_hermetic_root_holds_only_the_task_root_proc_dev_and_tmp(start_service):
    service = start_service(extra_args=["--sandbox", "hermetic"])
    assert "sandbox: hermetic" in service.read_log()
    seen = _inspect(service)
    # /opt: the function's layers (empty without), /var/runtime: lambdakit's helpers.
    assert seen["root"] == ["dev", "opt", "proc", "tmp", "var"], seen
    assert seen["cwd"] == "/var/task" and seen["task_root"] == "/var/task"
    assert seen["task_root_write_errno"] == errno.EROFS
    assert seen["tmp_write_errno"] == 0


def test_hermetic_refuses_a_binary_that_needs_this_machines_loader(start_service, tmp_path):
    """A dynamically linked bootstrap has no loader in a hermetic root: InvalidEntrypoint, with
    the reason and the fix in the log."""
    service = start_service(extra_args=["--sandbox", "hermetic"])
    dynamic = Path("/bin/true").resolve()
    name = service.create_function(zip_bytes=make_zip({"bootstrap": (dynamic.read_bytes(), 0o755)}))[
        "FunctionName"]
    r = service.invoke(name, b"{}", log_type="Tail")
    assert r.function_error == "Unhandled", r.describe()
    assert r.json()["errorType"] == "Runtime.InvalidEntrypoint", r.describe()
    assert "the dynamic loader, or the program its #! line names) is not in this file system" in r.log_tail
    assert "--strategy bundle" in r.log_tail


def test_sandbox_none_runs_plain_processes(start_service):
    service = start_service(extra_args=["--sandbox", "none"])
    assert "plain processes (--sandbox none)" in service.read_log()
    seen = _inspect(service)
    assert seen["task_root"] != "/var/task" and seen["cwd"] == seen["task_root"]
    assert os.path.isdir(seen["task_root"])  # the real path of the extracted code


def test_sandbox_mode_is_checked(start_service):
    import subprocess
    from lkserve import serve_command
    out = subprocess.run(serve_command() + ["--port", "0", "--sandbox", "jail"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "--sandbox" in out.stderr and "jail" in out.stderr
