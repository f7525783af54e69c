"""Lambda extensions under `lambdakit serve`: external extensions in a layer's extensions/ folder
(started from /opt/extensions before the runtime), the Extensions API they speak, and how they
change the lifecycle: Init waits for them, INVOKE goes with each event, the caller has its answer
when the runtime answers while the invoke (Duration, freeze) lasts until they are back, SHUTDOWN
with its reason and budget, and what happens to one that never registers, hangs, crashes or
reports an error. boto3 throughout.

The extension is tests/service/functions/extension/extension.py (its behaviour follows its file
name), run by /usr/bin/python3 inside the sandbox. The functions are the C++ hello example and
Python handlers (awslambdaric).

Run: python3 -m pytest -q tests/service/test_extensions.py   (needs `make build`)
"""

import json
import os
import re
import sys
import time

import pytest

from lkserve import FUNCTIONS_DIR, ROLE, example_zip, make_zip, unique_name

EXTENSION = FUNCTIONS_DIR / "extension" / "extension.py"


@pytest.fixture(autouse=True)
def _system_python():
    if not os.access("/usr/bin/python3", os.X_OK):
        pytest.fail("/usr/bin/python3 is missing: the test extension runs on it "
                    "(apt-get install python3)", pytrace=False)


def _extension_layer(service, *names: str) -> str:
    """A layer with the test extension as extensions/<name> for each name: its version ARN."""
    files = {f"extensions/{n}": (EXTENSION.read_bytes(), 0o755) for n in names}
    return service.client.publish_layer_version(
        LayerName=unique_name("ext"), Content={"ZipFile": make_zip(files)})["LayerVersionArn"]


def _function(service, layer: str, *, zip_bytes: bytes | None = None, runtime="provided.al2023",
              handler="bootstrap", timeout=3) -> str:
    name = unique_name("withext")
    service.client.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE,
                                   Timeout=timeout, Layers=[layer],
                                   Code={"ZipFile": zip_bytes or example_zip("hello")})
    return name


def _python_zip(source: str) -> bytes:
    return make_zip({"app.py": source.encode()})


def _lines(service, pattern: str) -> list[str]:
    return re.findall(pattern, service.read_log(), re.MULTILINE)


def test_an_extension_registers_counts_invokes_and_is_shut_down(service):
    layer = _extension_layer(service, "counter")
    name = _function(service, layer)
    ids = []
    for _ in range(3):
        r = service.invoke(name, {})
        assert r.status == 200 and r.function_error is None, r.describe()
        assert r.json() == {"message": "Hello World"}
        ids.append(r.request_id)
    service.wait_for_log(r"counter: INVOKE 3 ")
    registered = _lines(service, rf"\[{name}\] counter: registered (.*)$")
    assert len(registered) == 1, registered  # one environment, registered once
    assert json.loads(registered[0]) == {"functionName": name, "functionVersion": "$LATEST",
                                         "handler": "bootstrap", "accountId": "000000000000"}
    assert _lines(service, rf"\[{name}\] (EXTENSION\tName: counter\tState: Ready\tEvents: "
                           r"\[INVOKE, SHUTDOWN\])$"), service.read_log()
    invokes = _lines(service, rf"\[{name}\] counter: INVOKE (\d) (\S+) (\S+)$")
    assert [(int(n), rid) for n, rid, _ in invokes] == list(zip([1, 2, 3], ids)), invokes
    assert all(arn.endswith(f":function:{name}") for _, _, arn in invokes), invokes

    service.client.delete_function(FunctionName=name)  # the environment is retired: spindown
    shutdown = service.wait_for_log(rf"\[{name}\] counter: SHUTDOWN (\S+) after (\d) "
                                    r"\(deadline in (\d+) ms\)", timeout=10)
    assert shutdown.group(1) == "spindown" and shutdown.group(2) == "3", shutdown.group(0)
    assert 1000 < int(shutdown.group(3)) <= 2000, shutdown.group(0)  # Lambda's 2,000 ms budget


def test_the_caller_is_answered_before_a_slow_extension_is_done(service):
    layer = _extension_layer(service, "slow")
    name = _function(service, layer)
    service.invoke(name, {})  # cold
    time.sleep(0.5)  # the extension is back in /event/next
    t0 = time.monotonic()
    r = service.invoke(name, {})
    took = time.monotonic() - t0
    assert r.status == 200 and r.function_error is None, r.describe()
    assert took < 0.25, f"the answer waited for the extension: {took:.3f} s"
    report = service.wait_for_log(rf"\[{name}\] REPORT RequestId: {r.request_id}\t"
                                  r"Duration: ([\d.]+) ms", timeout=5)
    assert float(report.group(1)) >= 290, report.group(0)  # REPORT counts the extension's time


def test_the_runtime_gets_sigterm_and_extensions_shutdown_when_retired(service):
    layer = _extension_layer(service, "counter")
    # A custom runtime (a Runtime API loop in Python) that says when it gets SIGTERM.
    bootstrap = (f"#!{sys.executable}\n"
                 "import os, signal, sys, urllib.request\n"
                 "def on_term(signum, frame):\n"
                 "    print('runtime: SIGTERM', flush=True)\n"
                 "    sys.exit(0)\n"
                 "signal.signal(signal.SIGTERM, on_term)\n"
                 "api = 'http://' + os.environ['AWS_LAMBDA_RUNTIME_API'] + '/2018-06-01/runtime'\n"
                 "while True:\n"
                 "    with urllib.request.urlopen(api + '/invocation/next') as r:\n"
                 "        rid = r.headers['Lambda-Runtime-Aws-Request-Id']\n"
                 "    urllib.request.urlopen(urllib.request.Request(\n"
                 "        f'{api}/invocation/{rid}/response', data=b'\"ok\"', method='POST'))\n")
    name = _function(service, layer, zip_bytes=make_zip({"bootstrap": (bootstrap.encode(), 0o755)}))
    r = service.invoke(name, {})
    assert r.function_error is None and r.json() == "ok", r.describe()
    service.client.update_function_configuration(FunctionName=name, Timeout=5)  # retires it
    service.wait_for_log(rf"\[{name}\] counter: SHUTDOWN spindown after 1", timeout=10)
    service.wait_for_log(rf"\[{name}\] runtime: SIGTERM", timeout=10)


def test_an_extension_that_hangs_times_the_invoke_out_and_resets_it(service):
    layer = _extension_layer(service, "hang")
    name = _function(service, layer, timeout=2)
    r = service.invoke(name, {})
    # The runtime answered: the caller has it, as on Lambda; the invoke itself then times out.
    assert r.status == 200 and r.function_error is None, r.describe()
    report = service.wait_for_log(rf"\[{name}\] REPORT RequestId: {r.request_id}\t.*", timeout=10)
    assert "Status: timeout" in report.group(0), report.group(0)
    again = service.invoke(name, {})
    assert again.function_error is None, again.describe()
    report = service.wait_for_log(rf"\[{name}\] REPORT RequestId: {again.request_id}\t.*",
                                  timeout=10)
    assert "Init Duration" in report.group(0), report.group(0)  # a new environment


def test_an_extension_that_never_registers_fails_the_init_with_a_timeout(start_service):
    service = start_service(extra_args=["--init-timeout", "1"])
    layer = _extension_layer(service, "noregister")
    name = _function(service, layer, timeout=2)
    t0 = time.monotonic()
    r = service.invoke(name, {})
    took = time.monotonic() - t0
    assert r.function_error == "Unhandled", r.describe()
    assert r.json()["errorType"] == "Sandbox.Timedout", r.body
    assert "Task timed out after 2.00 seconds" in r.json()["errorMessage"], r.body
    assert 2.5 < took < 10, took  # Init (1 s), then Init again inside the invoke (2 s)
    assert "init did not finish within 1000 ms" in service.read_log()


def test_an_extension_that_crashes_resets_the_environment(service):
    layer = _extension_layer(service, "crash")
    name = _function(service, layer)
    r = service.invoke(name, {})
    service.wait_for_log(rf"\[{name}\] lambdakit: Extension crash exited: exit status 3",
                         timeout=10)
    if r.function_error is not None:  # the crash came before the runtime's answer
        assert r.json()["errorType"] == "Extension.Crash", r.body
    report = service.wait_for_log(rf"\[{name}\] REPORT RequestId: {r.request_id}\t.*", timeout=10)
    again = service.invoke(name, {})
    report = service.wait_for_log(rf"\[{name}\] REPORT RequestId: {again.request_id}\t.*",
                                  timeout=10)
    assert "Init Duration" in report.group(0), report.group(0)  # reset: a cold start


def test_an_extension_init_error_fails_the_init(service):
    layer = _extension_layer(service, "initerror")
    name = _function(service, layer)
    r = service.invoke(name, {})
    assert r.function_error == "Unhandled", r.describe()
    body = r.json()
    assert body["errorType"] == "Extension.InitError", body
    assert "Extension initerror reported Ext.NoConfig during init" in body["errorMessage"], body


def test_extensions_api_errors_are_awss(service):
    layer = _extension_layer(service, "twice")
    # The function itself calls the Extensions API during an invoke, as an internal extension
    # would: registration is closed by then, and the identifier checks answer as AWS's do.
    source = """
import json, os, urllib.request, urllib.error
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2020-01-01/extension"

def call(method, path, headers, body=None):
    req = urllib.request.Request(API + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

def handler(event, context):
    events = json.dumps({"events": ["INVOKE"]}).encode()
    return {
        "late": call("POST", "/register", {"Lambda-Extension-Name": "late"}, events),
        "noname": call("POST", "/register", {}, events),
        "missing": call("GET", "/event/next", {}),
        "invalid": call("GET", "/event/next", {"Lambda-Extension-Identifier": "nope"}),
        "unknown": call("GET", "/event/next",
                        {"Lambda-Extension-Identifier": "00000000-0000-4000-8000-000000000000"}),
    }
"""
    name = _function(service, layer, zip_bytes=_python_zip(source), runtime="python3.12",
                     handler="app.handler", timeout=10)
    r = service.invoke(name, {}, timeout=60)
    assert r.function_error is None, r.describe()
    got = r.json()
    assert got["late"] == [403, {"errorMessage": "Extension registration closed already",
                                 "errorType": "Extension.RegistrationClosed"}], got
    assert got["noname"] == [403, {"errorMessage": "Empty extension name",
                                   "errorType": "Extension.InvalidExtensionName"}], got
    assert got["missing"] == [403, {"errorMessage": "Missing Lambda-Extension-Identifier header",
                                    "errorType": "Extension.MissingExtensionIdentifier"}], got
    assert got["invalid"] == [403, {"errorMessage": "Invalid Lambda-Extension-Identifier",
                                    "errorType": "Extension.InvalidExtensionIdentifier"}], got
    assert got["unknown"][1]["errorType"] == "Extension.UnknownExtensionIdentifier", got
    twice = service.wait_for_log(rf"\[{name}\] twice: second register: 403 (.*)$")
    assert json.loads(twice.group(1)) == {
        "errorMessage": "State transition from Registered to Registered failed for extension "
                        "twice. Error: State transition is not allowed",
        "errorType": "Extension.InvalidExtensionState"}, twice.group(0)


def test_extensions_start_in_name_order_and_an_idle_one_is_ready(service):
    layer = _extension_layer(service, "idle-b", "counter-a")
    name = _function(service, layer)
    r = service.invoke(name, {})
    assert r.function_error is None, r.describe()
    lines = _lines(service, rf"\[{name}\] (EXTENSION\t.*)$")
    assert lines == ["EXTENSION\tName: counter-a\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
                     "EXTENSION\tName: idle-b\tState: Ready\tEvents: []"], lines
    r = service.invoke(name, {})
    assert r.function_error is None, r.describe()
    service.wait_for_log(rf"\[{name}\] counter-a: INVOKE 2 ")


def test_an_extension_that_ignores_shutdown_is_killed_at_the_deadline(service):
    layer = _extension_layer(service, "stubborn")
    name = _function(service, layer)
    assert service.invoke(name, {}).function_error is None
    before = set(service.function_processes())
    assert before, "no function processes while the environment is warm"
    t0 = time.monotonic()
    service.client.delete_function(FunctionName=name)
    service.wait_for_log(rf"\[{name}\] stubborn: ignoring SHUTDOWN", timeout=10)

    def gone():
        return not (before & set(service.function_processes()))

    deadline = time.monotonic() + 10
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    took = time.monotonic() - t0
    assert gone(), "the environment's processes outlived its SHUTDOWN budget"
    assert 1.5 < took < 4, f"killed {took:.2f} s after the shutdown began (budget: 2 s)"


def test_extensions_run_without_a_sandbox_too(start_service):
    service = start_service(extra_args=["--sandbox", "none"])
    layer = _extension_layer(service, "counter")
    name = _function(service, layer)
    for _ in range(2):
        r = service.invoke(name, {})
        assert r.status == 200 and r.function_error is None, r.describe()
    service.wait_for_log(rf"\[{name}\] counter: INVOKE 2 ")
    service.client.delete_function(FunctionName=name)
    service.wait_for_log(rf"\[{name}\] counter: SHUTDOWN spindown after 2", timeout=10)


def test_a_telemetry_subscriber_gets_platform_events_and_function_logs(service):
    layer = _extension_layer(service, "telemetry")
    source = ("def handler(event, context):\n"
              "    print('hello-from-handler', flush=True)\n"
              "    return 'ok'\n")
    name = _function(service, layer, zip_bytes=_python_zip(source), runtime="python3.12",
                     handler="app.handler", timeout=10)
    first = service.invoke(name, {}, timeout=60)
    assert first.function_error is None and first.json() == "ok", first.describe()
    refused = service.wait_for_log(rf"\[{name}\] telemetry: subscription refused: 400 (.*)$",
                                   timeout=10)
    assert json.loads(refused.group(1))["errorType"] == "ValidationError", refused.group(0)
    service.wait_for_log(rf"\[{name}\] telemetry: subscribed: 200 OK", timeout=10)
    # Init's events (kept until the subscriber came) and the first invoke's. A frozen
    # environment takes its POSTs only while it runs, as on Lambda: later invokes carry them.
    rid = first.request_id
    wanted = [rf"got platform.{e}$" for e in ("initStart", "extension", "initRuntimeDone",
                                              "initReport")]
    wanted += [rf"got platform.{e} {rid}$" for e in ("start", "runtimeDone", "report")]
    wanted += [r"got function line$"]

    def missing():
        log = service.read_log()
        return [w for w in wanted
                if not re.search(rf"\[{name}\] telemetry: " + w, log, re.MULTILINE)]

    for _ in range(40):
        if not missing():
            break
        r = service.invoke(name, {}, timeout=60)
        assert r.function_error is None, r.describe()
        time.sleep(0.05)
    assert not missing(), (missing(), service.read_log()[-4000:])


def test_after_a_retried_init_the_invoke_still_times_out(start_service):
    # Init overruns its 1 s limit (the extension registers after 1.5 s), so it is retried inside
    # the invoke under the function timeout; that timeout still ends the invoke when the
    # extension then never comes back from its INVOKE.
    service = start_service(extra_args=["--init-timeout", "1"])
    layer = _extension_layer(service, "latehang")
    name = _function(service, layer, timeout=4)
    r = service.invoke(name, {})
    assert r.status == 200 and r.function_error is None, r.describe()
    report = service.wait_for_log(rf"\[{name}\] REPORT RequestId: {r.request_id}\t.*", timeout=15)
    assert "Status: timeout" in report.group(0), report.group(0)
