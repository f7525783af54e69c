"""The Python-extension path under AWS's Runtime Interface Emulator with awslambdaric, as AWS's
Python base images run a function: `aws-lambda-rie python3.X -m awslambdaric <module>.handler`
in the task root, the module being what `lambdakit build --runtime python3.X` made."""

from __future__ import annotations

import json

import pytest

RUNTIMES = ("python3.11", "python3.12")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hello_cold_then_warm(rie_python, runtime):
    inst = rie_python(runtime, "hello")
    for _ in range(2):
        r = inst.invoke(b"{}")
        assert r.status == 200, (r.status, r.body)
        assert json.loads(r.body) == {"message": "Hello World"}
    inst.wait_for_log(r"INVOKE RTDONE\(status: success")
    assert inst.read_log().count("INIT START") == 1, "the second invoke was not warm"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_echo_and_context(rie_python, runtime):
    event = {"a": [1, 2.5, None, True, "é🎉"], "n": 2 ** 70}
    r = rie_python(runtime, "echo").invoke(json.dumps(event))
    assert r.status == 200 and json.loads(r.body) == event, r.body
    r = rie_python(runtime, "context").invoke(b'{"x": 1}')
    got = json.loads(r.body)
    assert got["event"] == {"x": 1} and got["request_id"], got
    assert got["function_arn"].startswith("arn:aws:lambda:"), got
    assert got["remaining_ms"] > 0, got


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_exception_is_the_function_error(rie_python, runtime):
    r = rie_python(runtime, "fail").invoke(b"{}")
    assert r.status == 200, r.body
    err = json.loads(r.body)
    assert err["errorType"] == "examples::payment_declined", err
    assert err["errorMessage"] == "card 4242 was declined", err
