"""lambdakit example binaries under AWS's Runtime Interface Emulator (RIE).

What RIE answers in each case is documented (with source references) in docs/rie-notes.md.
Run: python3 -m pytest -q tests/interop   (needs `make build` and .deps/bin/aws-lambda-rie)
"""

import json

# The synchronous-invoke payload limit: 6 MiB. (RIE itself allows 6 MiB + 100 bytes.)
SYNC_LIMIT = 6 * 1024 * 1024  # 6291456


def _json_string_payload(size: int) -> bytes:
    """A valid JSON string literal of exactly `size` bytes, with a non-repeating-looking body so a
    dropped, duplicated or reordered chunk cannot go unnoticed."""
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"
    n = size - 2
    body = bytes(alphabet[(i * 7 + i // 97) % len(alphabet)] for i in range(n))
    out = b'"' + body + b'"'
    assert len(out) == size
    return out


def _assert_echoed(resp, payload: bytes):
    assert resp.status == 200, (resp.status, resp.body[:300])
    if resp.body != payload:
        first = next((i for i, (a, b) in enumerate(zip(resp.body, payload)) if a != b),
                     min(len(resp.body), len(payload)))
        raise AssertionError(f"echo mismatch: sent {len(payload)} bytes, got {len(resp.body)}; "
                             f"first difference at byte {first}: "
                             f"sent {payload[first:first + 40]!r}, got {resp.body[first:first + 40]!r}")


# --- hello -------------------------------------------------------------------------------------

def test_hello_returns_hello_world(rie):
    r = rie("hello").invoke(b"{}")
    assert r.status == 200, (r.status, r.body)
    assert r.body == b'{"message":"Hello World"}'


def test_hello_warm_second_invoke(rie):
    inst = rie("hello")
    first = inst.invoke(b"{}")
    second = inst.invoke(b'{"again":true}')
    assert first.status == second.status == 200
    assert first.body == second.body == b'{"message":"Hello World"}'
    # Both invokes were served by the same runtime process: RIE initialised it exactly once.
    inst.wait_for_log(r"INVOKE RTDONE\(status: success")
    log = inst.read_log()
    assert log.count("INIT START") == 1, "the second invoke was not warm (runtime re-initialised)"
    assert log.count("INVOKE START") == 2


# --- echo: byte fidelity -----------------------------------------------------------------------

def test_echo_empty_payload(rie):
    # RIE hands the runtime an empty body (Content-Length: 0) and returns the runtime's empty
    # response as 200 with an empty body.
    r = rie("echo").invoke(b"")
    _assert_echoed(r, b"")


def test_echo_unicode_json_string(rie):
    payload = json.dumps("héllo wörld — ÅÄÖ ñ 日本語テキスト 🚀🧪 𝄞 ∑∞≠ עברית العربية",
                         ensure_ascii=False).encode("utf-8")
    assert any(b > 0x7F for b in payload)
    _assert_echoed(rie("echo").invoke(payload), payload)


def test_echo_1mb_json_string(rie):
    payload = _json_string_payload(1024 * 1024)
    _assert_echoed(rie("echo").invoke(payload), payload)


def test_echo_just_under_sync_limit(rie):
    payload = _json_string_payload(SYNC_LIMIT - 100)
    _assert_echoed(rie("echo").invoke(payload), payload)


def test_echo_escaped_binaryish_chars(rie):
    # Every C0 control character, DEL, quotes, backslashes, a literal "\\u0000" text, line/paragraph
    # separators, BOM, replacement char, and a non-BMP char both escaped (surrogate pair) and raw.
    text = "".join(chr(c) for c in range(0x20)) + '\x7f"\\/\\u0000\u2028\u2029\ufeff\ufffd'
    doc = {"escaped": text, "ascii": json.dumps(text), "astral": "\U0001F600"}
    payload = (json.dumps(doc, ensure_ascii=True)[:-1] + ', "raw": "'
               + "\U0001F600\u00e9" + '"}').encode("utf-8")
    json.loads(payload)  # still valid JSON
    assert b"\\u0000" in payload and b"\\ud83d\\ude00" in payload
    _assert_echoed(rie("echo").invoke(payload), payload)


def test_echo_several_payloads_on_one_runtime(rie):
    inst = rie("echo")
    for payload in (b"", b"{}", b'"x"', _json_string_payload(70_000), b"[1,2,3]", b""):
        _assert_echoed(inst.invoke(payload), payload)
    assert inst.read_log().count("INIT START") == 1


# --- fail: handler error ---------------------------------------------------------------------

def test_fail_caller_sees_error_json(rie):
    inst = rie("fail")
    r = inst.invoke(b'{"amount":42}')
    # RIE answers a runtime /error with HTTP 200 and the runtime's error body verbatim
    # (no X-Amz-Function-Error header).
    assert r.status == 200, (r.status, r.body)
    body = r.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("errorType"), str) and body["errorType"], body
    assert isinstance(body.get("errorMessage"), str) and body["errorMessage"], body
    assert isinstance(body.get("stackTrace", []), list), body
    # A handler error is not fatal: the runtime keeps serving, without re-init.
    r2 = inst.invoke(b"{}")
    assert r2.status == 200 and r2.json()["errorType"] == body["errorType"]
    log = inst.read_log()
    assert log.count("INIT START") == 1, "runtime was re-initialised after a handler error"
    assert "Runtime.ExitError" not in log


# --- crash: the runtime process exits ------------------------------------------------------------

def test_crash_exit_is_observed(rie):
    inst = rie("crash")
    r = inst.invoke(b'{"code":3}')
    assert r.status == 502, (r.status, r.body)
    body = r.json()
    assert body["errorType"] == "Runtime.ExitError", body
    assert "Runtime exited with error: exit status 3" in body["errorMessage"], body
    inst.wait_for_log(r"Process runtime-\d+ exited: exit status 3")
    inst.wait_for_log(r"Invoke DONE failed: Runtime.ExitError")

    # RIE resets and starts a fresh runtime on the next invoke ("suppressed init").
    r = inst.invoke(b'{"code":4}')
    assert r.status == 502 and "exit status 4" in r.json()["errorMessage"], (r.status, r.body)
    inst.wait_for_log(r"Process runtime-\d+ exited: exit status 4")
    assert inst.read_log().count("INIT START") == 2


# --- sleep: the emulator's timeout ---------------------------------------------------------------

def test_sleep_past_timeout_is_cut_off(rie):
    inst = rie("sleep", env={"AWS_LAMBDA_FUNCTION_TIMEOUT": "1"})
    r = inst.invoke(b'{"ms":3000}')
    # RIE answers a timeout with HTTP 200 and a plain-text body, then SIGKILLs the runtime.
    assert r.status == 200, (r.status, r.body)
    assert r.body == b"Task timed out after 1.00 seconds"
    assert r.elapsed_s < 2.5, f"timeout answer took {r.elapsed_s:.2f}s (sleep was 3s, timeout 1s)"
    inst.wait_for_log(r"Reset initiated: Timeout")

    # The next invoke gets a fresh runtime that works.
    r = inst.invoke(b'{"ms":10}')
    assert r.status == 200, (r.status, r.body)
    assert r.json() == {"slept_ms": 10}


def test_sleep_within_timeout(rie):
    r = rie("sleep", env={"AWS_LAMBDA_FUNCTION_TIMEOUT": "5"}).invoke(b'{"ms":200}')
    assert r.status == 200, (r.status, r.body)
    assert r.json() == {"slept_ms": 200}
    assert r.elapsed_s >= 0.2
