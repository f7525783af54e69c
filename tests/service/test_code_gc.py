"""Code nobody uses does not pile up (issue 13, item 5): at start the service removes the code
trees of deleted or replaced functions and what an interrupted upload left (`.staging-*`),
and keeps every tree a function still uses."""
from __future__ import annotations

import hashlib

from lkserve import example_zip, unique_name


def code_sha256(zip_bytes: bytes) -> str:
    return hashlib.sha256(zip_bytes).hexdigest()  # the code store's key


def test_unused_code_and_upload_leftovers_go_at_start(start_service, tmp_path):
    state = tmp_path / "state"
    svc = start_service(state_dir=state)
    gone, kept = unique_name("gone"), unique_name("kept")
    svc.create_function(gone, example_zip("hello"))
    svc.create_function(kept, example_zip("echo"))
    svc.client.delete_function(FunctionName=gone)
    svc.client.update_function_code(FunctionName=kept, ZipFile=example_zip("fail"))
    assert svc.stop() == 0
    code = state / "code"
    leftover = code / ".staging-0123456789abcdef-4242"
    leftover.mkdir()
    (leftover / "bootstrap").write_bytes(b"half an upload")
    before = {p.name for p in code.iterdir()}
    current = code_sha256(example_zip("fail"))
    assert {code_sha256(example_zip("hello")), code_sha256(example_zip("echo")), current,
            leftover.name} <= before
    svc = start_service(state_dir=state)
    svc.wait_for_log(r"removed 3 unused code tree\(s\) and upload leftovers")
    assert {p.name for p in code.iterdir()} == {current}
    r = svc.invoke(kept, {})
    assert r.status == 200 and r.headers.get("x-amz-function-error") == "Unhandled", r.describe()
