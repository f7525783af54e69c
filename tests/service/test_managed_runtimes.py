"""Managed runtimes under `lambdakit serve`: python3.x through awslambdaric (pip) and nodejs through
aws-lambda-ric (npm). Marked `managed_runtime`: they need those runtime interface clients installed
where the service looks for them; deselect with `-m "not managed_runtime"` on a host without them.

Handlers: tests/service/functions/python_app/app.py (app.handler) and
tests/service/functions/node_app/index.js (index.handler).
"""

import base64
import json

import pytest

from lkserve import FUNCTIONS_DIR, find_report, function_arn, make_zip, unique_name

pytestmark = pytest.mark.managed_runtime


@pytest.fixture(params=["official", "builtin"])
def service(request, start_service):
    """Every test runs twice: with AWS's runtime interface clients (awslambdaric, aws-lambda-ric),
    and with lambdakit's own bootstraps (`--runtime-clients builtin`), which must behave alike."""
    svc = start_service(extra_args=["--runtime-clients", request.param])
    svc.clients = request.param
    return svc


def test_official_clients_are_installed_and_used(start_service):
    # scripts/install-deps installs both; without them the "official" runs above would silently be
    # lambdakit's bootstraps, so say it loudly here.
    svc = start_service(extra_args=["--runtime-clients", "official"])
    log = svc.wait_for_log(r"python3\.x: .*; nodejs\*: .*", timeout=10).group(0)
    assert "with awslambdaric" in log, log
    assert "with aws-lambda-ric" in log, log

RUNTIMES = {
    "python": dict(runtime="python3.12", handler="app.handler",
                   files={"app.py": FUNCTIONS_DIR / "python_app" / "app.py"},
                   error_type="ValueError"),
    "node": dict(runtime="nodejs20.x", handler="index.handler",
                 files={"index.js": FUNCTIONS_DIR / "node_app" / "index.js"},
                 error_type="Error"),
}


def _create(service, which: str, **kw) -> str:
    spec = RUNTIMES[which]
    name = unique_name(which)
    zip_bytes = make_zip({arc: path.read_bytes() for arc, path in spec["files"].items()})
    cfg = service.create_function(name, zip_bytes, runtime=spec["runtime"],
                                  handler=spec["handler"], **kw)
    assert cfg["Runtime"] == spec["runtime"]
    return name


@pytest.mark.parametrize("which", list(RUNTIMES))
def test_handler_runs_and_stays_warm(service, which):
    name = _create(service, which, timeout=10)
    r = service.invoke(name, {"hello": "world"}, timeout=60)
    assert r.status == 200 and r.function_error is None, r.describe()
    out = r.json()
    assert out["event"] == {"hello": "world"}
    assert out["count"] == 1
    assert out["function_name"] == name
    assert out["invoked_function_arn"] == function_arn(name)
    assert out["aws_request_id"] == r.request_id
    assert out["memory_limit_in_mb"] == "128"
    assert 0 < out["remaining_ms"] <= 10000
    assert find_report(r.log_tail, r.request_id).init_ms is not None
    r2 = service.invoke(name, {"n": 2}, timeout=60)
    assert r2.status == 200 and r2.function_error is None, r2.describe()
    assert r2.json()["count"] == 2 and r2.json()["pid"] == out["pid"], "not warm"
    assert find_report(r2.log_tail, r2.request_id).init_ms is None


@pytest.mark.parametrize("which", list(RUNTIMES))
def test_handler_exception_is_a_function_error(service, which):
    name = _create(service, which)
    r = service.invoke(name, {"fail": True}, timeout=60)
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled"
    err = r.json()
    assert err["errorType"] == RUNTIMES[which]["error_type"]
    assert err["errorMessage"] == "failed on purpose"
    # The runtime survives a handler error: the next invoke is warm.
    r = service.invoke(name, {}, timeout=60)
    assert r.status == 200 and r.function_error is None, r.describe()
    assert r.json()["count"] == 2


@pytest.mark.parametrize("which", list(RUNTIMES))
def test_client_context_reaches_the_handler(service, which):
    name = _create(service, which)
    ctx = {"custom": {"k": "v"}, "env": {"locale": "en"}, "client": {"app_title": "tests"}}
    out = service.client.invoke(FunctionName=name, Payload=b"{}",
                                ClientContext=base64.b64encode(json.dumps(ctx).encode()).decode())
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    body = json.loads(out["Payload"].read())
    if which == "python":
        assert body["client_context_custom"] == {"k": "v"}  # context.client_context.custom
    else:
        assert body["client_context"]["custom"] == {"k": "v"}  # context.clientContext.custom


def test_python_missing_handler_module_is_a_function_error(service):
    name = unique_name("pynohandler")
    service.create_function(name, make_zip({"other.py": b"x = 1\n"}), runtime="python3.12",
                            handler="app.handler")
    r = service.invoke(name, {}, timeout=60)
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled"
    assert r.json()["errorType"] == "Runtime.ImportModuleError"
