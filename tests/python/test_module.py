"""Each example module imported into plain CPython and called as the Python runtime calls it:
handler(event, context). Events of every JSON type go through the C++ converter and back; the
context reaches the handler; exceptions keep their C++ type names; bad events, bad contexts and
bad responses are clear Python exceptions, never a crash."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import threading
import time

import pytest

from conftest import MODULE_DIR, FakeContext

import chatty  # noqa: F401  (imported here: an import error fails collection loudly)
import context
import echo
import fail
import hello
import nomain
import respond
import sleep
import stream


def roundtrip(event, ctx):
    """What echo answers must be what json.loads(json.dumps(event)) gives."""
    assert echo.handler(event, ctx) == json.loads(json.dumps(event)), event


def test_hello(ctx):
    assert hello.handler({}, ctx) == {"message": "Hello World"}


@pytest.mark.parametrize("event", [
    {}, [], "", 0, -1, 1.5, True, False, None,
    {"a": [1, 2.5, True, False, None, "s", {"b": []}]},
    [[[[[]]]]],
    "é ü 中文 🎉 \u2028 \u0000 \t\n\"\\/",
    {"nested": {"k" * 100: ["v" * 1000] * 10}},
    2 ** 63 - 1, -2 ** 63, 2 ** 64 - 1, 2 ** 64, 10 ** 40, -10 ** 40,
    5e-324, 1.7976931348623157e308, -0.0, 0.1, 1e16, 123456789.123456789,
])
def test_every_json_type_round_trips(event, ctx):
    roundtrip(event, ctx)


def test_floats_convert_exactly_as_json_writes_them(ctx):
    rng = random.Random(7)
    values = [rng.uniform(-1e6, 1e6) for _ in range(2000)]
    values += [math.ldexp(rng.random(), rng.randint(-1070, 1020)) for _ in range(2000)]
    assert echo.handler(values, ctx) == values


def test_keys_follow_json_dumps(ctx):
    event = {1: "int", 2.5: "float", True: "bool", None: "none", "s": "str"}
    assert echo.handler(event, ctx) == json.loads(json.dumps(event))


def test_tuples_are_arrays_and_subclasses_their_base_type(ctx):
    import collections
    import enum

    class Colour(enum.IntEnum):
        RED = 1

    event = {"t": (1, 2), "o": collections.OrderedDict(a=1), "e": Colour.RED}
    assert echo.handler(event, ctx) == {"t": [1, 2], "o": {"a": 1}, "e": 1}


def test_lone_surrogates_survive_as_json_loads_reads_them(ctx):
    event = json.loads('{"s": "\\ud800 x \\udfff", "pair": "\\ud83c\\udf89"}')
    assert echo.handler(event, ctx) == event


def test_a_six_megabyte_event(ctx):
    event = {"data": "x" * (6 * 1024 * 1024), "list": list(range(1000))}
    assert echo.handler(event, ctx) == event


@pytest.mark.parametrize("event, error, text", [
    ({1, 2}, TypeError, "Object of type set is not JSON serializable"),
    (b"bytes", TypeError, "Object of type bytes is not JSON serializable"),
    ({"f": float("nan")}, ValueError, "Out of range float values are not JSON compliant: nan"),
    ([float("inf")], ValueError, "Out of range float values are not JSON compliant: inf"),
    ([float("-inf")], ValueError, "Out of range float values are not JSON compliant: -inf"),
    ({(1, 2): "tuple key"}, TypeError, "keys must be str, int, float, bool or None, not tuple"),
    (object(), TypeError, "Object of type object is not JSON serializable"),
])
def test_events_that_are_not_json_are_refused(event, error, text, ctx):
    with pytest.raises(error) as e:
        echo.handler(event, ctx)
    assert str(e.value) == text


def test_cycles_are_refused():
    d = {}
    d["self"] = d
    lst = []
    lst.append([lst])
    for event in (d, lst):
        with pytest.raises(ValueError, match="Circular reference detected"):
            echo.handler(event, FakeContext())


def test_a_shared_value_is_not_a_cycle(ctx):
    shared = [1, 2]
    assert echo.handler({"a": shared, "b": shared}, ctx) == {"a": [1, 2], "b": [1, 2]}


def test_nesting_past_the_recursion_limit_is_a_recursion_error(ctx):
    # The interpreter's limit on C recursion (Py_EnterRecursiveCall, as json's encoder uses):
    # sys.getrecursionlimit() up to 3.11, a fixed C-stack limit from 3.12 on.
    event = []
    for _ in range(100_000):
        event = [event]
    with pytest.raises(RecursionError):
        echo.handler(event, ctx)
    with pytest.raises(RecursionError):
        json.dumps(event)


def test_ints_beyond_64_bits_are_kept_and_beyond_the_digit_limit_refused(ctx):
    # A valid event can hold them (the runtime's JSON parser reads any int), so they are written
    # losslessly, as json.dumps does; past sys.get_int_max_str_digits() Python itself refuses.
    assert echo.handler({"n": 3 ** 200}, ctx) == {"n": 3 ** 200}
    with pytest.raises(ValueError, match="digits"):
        echo.handler({"n": 10 ** 5000}, ctx)


def test_the_context_reaches_the_handler():
    cc = {"client": {"installation_id": "i", "app_title": "t"}, "custom": {"k": 1}, "env": {}}
    got = context.handler({"e": 1}, FakeContext(request_id="abc", remaining_ms=1500, client_context=cc))
    assert got["request_id"] == "abc"
    assert got["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert 1000 < got["remaining_ms"] <= 1500, got
    assert got["client_context"] == cc
    assert got["cognito_identity"] is None
    assert got["event"] == {"e": 1}


def test_awslambdaric_context_objects_map_back_to_the_runtime_api_json():
    lc = pytest.importorskip("awslambdaric.lambda_context",
                             reason="awslambdaric is not installed in this Python "
                                    "(scripts/install-deps installs it in 3.9-3.13)")
    cc = {"client": {"installation_id": "inst", "app_title": "title", "app_version_name": "1",
                     "app_version_code": "2", "app_package_name": "pkg"},
          "custom": {"a": "b"}, "env": {"platform": "x"}}
    identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    real = lc.LambdaContext("req-9", cc, identity, int(time.time() * 1000) + 2000,
                            "arn:aws:lambda:us-east-1:1:function:g")
    got = context.handler(None, real)
    assert got["request_id"] == "req-9"
    assert got["client_context"] == cc
    assert got["cognito_identity"] == identity
    assert 0 < got["remaining_ms"] <= 2000
    assert got["event"] is None


def test_the_trace_id_comes_from_the_environment(ctx, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-abc;Sampled=1")
    assert context.handler({}, ctx)["trace_id"] == "Root=1-abc;Sampled=1"


class NoRemaining:
    aws_request_id = "r"
    invoked_function_arn = "a"


class BadRequestId(FakeContext):
    def __init__(self):
        super().__init__()
        self.aws_request_id = 42


class NoArn:
    aws_request_id = "r"

    def get_remaining_time_in_millis(self):
        return 1


class StrRemaining(FakeContext):
    def get_remaining_time_in_millis(self):
        return "soon"


@pytest.mark.parametrize("ctx_obj, text", [
    (None, "context is None"),
    (object(), "context.aws_request_id is missing"),
    (NoRemaining(), "context.get_remaining_time_in_millis is missing"),
    (BadRequestId(), "context.aws_request_id is not a str"),
    (NoArn(), "context.invoked_function_arn is missing"),
    (StrRemaining(), "context.get_remaining_time_in_millis() is not an int"),
])
def test_a_context_without_what_lambda_gives_is_a_type_error(ctx_obj, text):
    with pytest.raises(TypeError) as e:
        hello.handler({}, ctx_obj)
    assert text in str(e.value)
    assert "Lambda's context object" in str(e.value)


def test_a_cpp_exception_keeps_its_type_name_and_message(ctx):
    with pytest.raises(Exception) as e:
        fail.handler({}, ctx)
    assert type(e.value).__name__ == "examples::payment_declined"
    assert type(e.value).__module__ == "lambdakit"
    assert str(e.value) == "card 4242 was declined"
    with pytest.raises(Exception) as again:
        fail.handler({}, ctx)
    assert type(again.value) is type(e.value)  # one class per type name


def test_a_function_error_keeps_its_type_with_dots_and_its_stack_trace(ctx):
    with pytest.raises(Exception) as e:
        respond.handler("error:Runtime.Custom", ctx)
    assert type(e.value).__name__ == "Runtime.Custom"
    assert str(e.value) == "asked for"
    assert e.value.stack_trace == ["frame 1", "frame 2"]


@pytest.mark.parametrize("event, expected", [
    ("json:{'a':[1,2.5,true,false,null,'s'],'b':{}}",
     {"a": [1, 2.5, True, False, None, "s"], "b": {}}),
    ("json:[123456789012345678901234567890,-9223372036854775808,1e400,-0.0,1.5e-7]",
     [123456789012345678901234567890, -9223372036854775808, math.inf, -0.0, 1.5e-07]),
    ("json: 'spaced' ", "spaced"),
    ("json:", None),  # response(): no body
    ("text:plain words", "plain words"),
    ("bytes:raw", b"raw"),
])
def test_responses_become_python_objects(event, expected, ctx):
    got = respond.handler(event, ctx)
    assert got == expected and type(got) is type(expected), got


def test_repeated_keys_share_one_str(ctx):
    got = respond.handler("json:[{'key':1},{'key':2}]", ctx)
    k1, = got[0].keys()
    k2, = got[1].keys()
    assert k1 is k2


@pytest.mark.parametrize("event, what", [
    ("json:{'a':", "expected a value, found the end at byte 5"),
    ("json:{'a' 1}", "expected ':' at byte 5"),
    ("json:[1,]", "expected a value at byte 3"),
    ("json:[1 2]", "expected ',' or ']' at byte 3"),
    ("json:NaN", "NaN and Infinity are not JSON at byte 0"),
    ("json:{} {}", "extra data after the value at byte 3"),
    ("json:'unterminated", "unterminated string at byte 13"),
    ("json:01", "extra data after the value at byte 1"),
    ("json:-", "expected a digit at byte 1"),
    ("json:tru", "expected a value at byte 0"),
])
def test_a_handler_answering_invalid_json_gets_a_value_error(event, what, ctx):
    with pytest.raises(ValueError) as e:
        respond.handler(event, ctx)
    assert str(e.value) == f"the handler's response is not valid JSON: {what}"


def test_a_response_nested_too_deeply_is_refused(ctx):
    with pytest.raises(ValueError, match="nested too deeply"):
        respond.handler("json:" + "[" * 10001 + "]" * 10001, ctx)
    assert respond.handler("json:" + "[" * 500 + "]" * 500, ctx) is not None


def test_a_streaming_handler_answers_its_chunks_at_once(ctx):
    assert stream.handler({"chunks": 3}, ctx) == "chunk 0\nchunk 1\nchunk 2\n"
    with pytest.raises(Exception) as e:
        stream.handler({"chunks": 5, "fail_at": 2}, ctx)
    assert type(e.value).__name__ == "std::runtime_error"
    assert str(e.value) == "stream failed after 2 chunks"


def test_a_module_without_main_uses_lambdakit_python_module(ctx):
    assert nomain.handler([1], ctx) == {"module": "nomain", "payload": [1]}


def test_an_init_that_throws_fails_the_import_with_its_reason():
    r = subprocess.run([sys.executable, "-c", "import badinit"], cwd=MODULE_DIR,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "ImportError: lambdakit: Init failed: app::config_error: DATABASE_URL is not set" in r.stderr, r.stderr
    assert "lambdakit: Init failed: app::config_error: DATABASE_URL is not set" in r.stderr


def test_what_the_handler_prints_reaches_fds_1_and_2_whole():
    code = ("import chatty\nclass C:\n aws_request_id='rid-7'\n invoked_function_arn='a'\n"
            " def get_remaining_time_in_millis(self): return 1000\n"
            "r = chatty.handler({}, C())\nimport sys\nsys.stdout.write('result %r\\n' % (r,))\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=MODULE_DIR, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    for line in ("chatty printf rid-7", "chatty cout rid-7", "chatty write1 rid-7",
                 "result {'ok': True}"):
        assert line + "\n" in p.stdout, p.stdout
    for line in ("chatty cerr rid-7", "chatty write2 rid-7"):
        assert line + "\n" in p.stderr, p.stderr
    # the C++ lines were flushed when the handler returned, so they precede Python's own
    assert p.stdout.index("chatty printf") < p.stdout.index("result")


def test_other_python_threads_run_while_a_handler_sleeps(ctx):
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = time.monotonic()
        assert sleep.handler({"ms": 300}, ctx) == {"slept_ms": 300}
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        t.join()
    assert elapsed >= 0.29
    # With the GIL held for the 300 ms the counter could not move; released, it ticks ~every ms.
    assert ticks > 30, f"the other thread ran {ticks} times in {elapsed:.3f} s"


def test_handlers_may_be_called_from_several_threads(ctx):
    errors = []

    def work(n):
        try:
            for i in range(200):
                assert echo.handler({"t": n, "i": i}, ctx) == {"t": n, "i": i}
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_handler_json_takes_and_gives_json_text(ctx):
    assert echo.handler_json('{"a": [1, "é"]}', ctx) == '{"a": [1, "é"]}'.encode()
    assert hello.handler_json("not even json", ctx) == b'{"message":"Hello World"}'
    with pytest.raises(TypeError, match="event_json must be a str"):
        echo.handler_json(b"{}", ctx)
    with pytest.raises(Exception) as e:
        fail.handler_json("{}", ctx)
    assert type(e.value).__name__ == "examples::payment_declined"
