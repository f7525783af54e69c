"""Fixtures for end-to-end tests of `lambdakit serve`, the local AWS Lambda service.

Each test gets its own service process (function scope): lifecycle tests depend on a clean set of
execution environments, and starting the service costs milliseconds. The service is started as

    <bin>/lambdakit serve --port 0 --state-dir DIR [--idle-timeout S] [--max-concurrency N]
                                                     [--log-level L]

and is ready once it prints `lambdakit serve: listening on http://127.0.0.1:<port>` on stdout.
Its stderr (service log + every function's output and START/END/REPORT lines) goes to a file
that is attached to the report of a failed test.

Configuration (environment):
  LAMBDAKIT_BIN_DIR          directory holding `lambdakit` and the example binaries
                             (default: <repo>/build/bin)
  LAMBDAKIT_SERVE_CMD        command that replaces `<bin>/lambdakit serve` (shlex-split), e.g. to
                             run the service under a debugger or another implementation
  LAMBDAKIT_SERVE_LOG_LEVEL  --log-level for every service started (default: none passed)

A missing binary FAILS the test (never skips), so CI cannot pass vacuously.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lkserve import Gate, Service, ServiceOptions, aws_cli_major

# The service finds AWS's Node.js runtime interface client where scripts/install-deps puts it
# (make sets the same variable); tests run by hand get the same default.
os.environ.setdefault("LAMBDAKIT_AWS_LAMBDA_RIC",
                      str(Path(__file__).resolve().parents[2] / ".deps/node/node_modules/aws-lambda-ric"))


@pytest.fixture
def start_service(request, tmp_path):
    """Factory: `start_service(idle_timeout=2, max_concurrency=1, state_dir=...)` -> a started
    Service. Every service is stopped at teardown (SIGTERM, SIGKILL fallback); the teardown fails
    the test if a service did not exit 0 or left a function process behind."""
    services: list[Service] = []
    request.node._lambdakit_services = services

    def start(*, state_dir: Path | None = None, **options) -> Service:
        label = str(len(services))
        workdir = tmp_path / f"service-{label}"
        workdir.mkdir()
        svc = Service(workdir, state_dir or (workdir / "state"), ServiceOptions(**options), label)
        services.append(svc)
        return svc.start()

    yield start
    problems = []
    for svc in services:
        try:
            code = svc.stop()
            if code != 0:
                problems.append(f"service {svc.label} exited with code {code} on SIGTERM "
                                "(expected 0)")
        except AssertionError as e:
            problems.append(f"service {svc.label}: {e}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def service(start_service) -> Service:
    """A fresh service with default options (idle timeout long enough not to interfere)."""
    return start_service()


@pytest.fixture
def gate():
    g = Gate()
    yield g
    g.close()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "managed_runtime: needs a managed runtime on the host (python3.x with "
                   "awslambdaric from pip, nodejs with aws-lambda-ric from npm)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for svc in getattr(item, "_lambdakit_services", []):
            log = svc.read_log()
            if len(log) > 30000:
                log = "...(cut)...\n" + log[-30000:]
            report.sections.append((f"lambdakit serve {svc.label} stderr ({svc.stderr_path})", log))
            if svc.stdout_lines:
                report.sections.append((f"lambdakit serve {svc.label} stdout",
                                        "\n".join(svc.stdout_lines)))


CLI_V2 = "/usr/bin/aws"


@pytest.fixture(params=[1, 2], ids=["aws-cli-v1", "aws-cli-v2"])
def cli(request) -> str:
    """Each aws CLI major in turn: aws-cli-v1 is the `aws` first on PATH (awscli from pip; must
    report aws-cli/1.x), aws-cli-v2 is /usr/bin/aws (must report aws-cli/2.x). A missing CLI FAILS
    the test (never skips)."""
    want = request.param
    exe = shutil.which("aws") if want == 1 else CLI_V2
    if exe is None:
        pytest.fail("no aws CLI on PATH (pip install awscli)", pytrace=False)
    got = aws_cli_major(exe)
    assert got == want, f"{exe} is aws CLI v{got}; this test runs v{want}"
    return exe
