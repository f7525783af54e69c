"""Shared by the conformance tests (test_conformance_*.py): expected bodies and the small
assertions that read the service's answers and the probe peer's reports."""

import json
import re

HELLO = b'{"message":"Hello World"}'
INIT_ERROR_BODY = ('{"errorMessage":"probe init failed on purpose","errorType":"Probe.InitFailed",'
                   '"stackTrace":["probe: line 1"]}')  # as in functions/probe/bootstrap


def _ok(r):
    assert r.status == 200, r.describe()
    assert r.function_error is None, r.describe()
    return r


def _unhandled(r):
    assert r.status == 200, r.describe()
    assert r.function_error == "Unhandled", r.describe()
    return r


def _steps(*steps) -> bytes:
    return json.dumps({"steps": list(steps)}).encode()


def _probe_results(service, request_id: str, timeout: float = 10.0) -> list[dict]:
    """The results the probe logged for request_id (after the caller got its answer)."""
    m = service.wait_for_log(rf'PROBE-RESULTS (\{{"request_id": "{re.escape(request_id)}".*)$',
                             timeout)
    return json.loads(m.group(1))["results"]


def _service_error(r, status: int, code: str) -> dict:
    assert r.status == status, r.describe()
    assert r.error_type == code, r.describe()
    body = r.json()
    assert isinstance(body, dict), body
    return body


def _api_error(res: dict, status: int, error_type: str):
    """A Runtime API answer the probe recorded: status, and a JSON body {errorMessage, errorType}."""
    assert res["status"] == status, res
    assert isinstance(res["body"], dict), f"the Runtime API error body is not JSON: {res['body']!r}"
    assert res["body"].get("errorType") == error_type, res
    assert isinstance(res["body"].get("errorMessage"), str), res


def _message(body: dict) -> str:
    return body.get("message", body.get("Message", ""))
