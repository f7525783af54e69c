"""Code nobody uses does not pile up (issue 13, item 5). While the service runs, the code tree of
a deleted function, or the old code after UpdateFunctionCode, goes once no function uses it, no
environment runs it and no upload is being extracted; at start the service removes what a crash
left (trees nobody uses, `.staging-*` of an interrupted upload, `.trash-*` set aside). Every tree a
function still uses is kept. boto3 throughout."""
from __future__ import annotations

import hashlib
import threading
import time

from lkprocs import wait_until
from lkserve import FUNCTIONS_DIR, make_zip, unique_name
from lkzips import example_zip
from test_upload_isolation import many_entries

HOSTILE = make_zip({"app.py": (FUNCTIONS_DIR / "hostile" / "app.py").read_bytes()})


def code_sha256(zip_bytes: bytes) -> str:
    return hashlib.sha256(zip_bytes).hexdigest()  # the code store's key


def _trees(svc) -> set[str]:
    return {p.name for p in (svc.state_dir / "code").iterdir()}


def _gone(svc, sha: str, timeout: float = 10.0) -> None:
    """The tree is renamed aside at once and removed off the service's thread: both must end."""
    wait_until(lambda: sha not in _trees(svc) and not any(
        t.startswith(".trash-") for t in _trees(svc)), timeout,
               what=f"code tree {sha} to go (stored: {sorted(_trees(svc))})")


def test_deleted_and_replaced_code_goes_while_running(start_service):
    svc = start_service()
    hello, echo, fail = (code_sha256(example_zip(n)) for n in ("hello", "echo", "fail"))
    gone, kept = unique_name("gone"), unique_name("kept")
    svc.create_function(gone, example_zip("hello"))
    svc.create_function(kept, example_zip("echo"))
    assert svc.invoke(gone, {}).status == 200 and svc.invoke(kept, {}).status == 200
    assert {hello, echo} <= _trees(svc)

    svc.client.delete_function(FunctionName=gone)
    _gone(svc, hello)
    svc.client.update_function_code(FunctionName=kept, ZipFile=example_zip("fail"))
    _gone(svc, echo)
    assert fail in _trees(svc)
    r = svc.invoke(kept, {})
    assert r.status == 200 and r.headers.get("x-amz-function-error") == "Unhandled", r.describe()

    # The same code uploaded again after it went is extracted afresh and runs.
    again = unique_name("again")
    svc.create_function(again, example_zip("hello"))
    assert hello in _trees(svc)
    assert svc.invoke(again, {}).status == 200


def test_code_two_functions_share_stays_until_the_last_goes(start_service):
    svc = start_service()
    sha = code_sha256(example_zip("hello"))
    a, b = unique_name("a"), unique_name("b")
    svc.create_function(a, example_zip("hello"))
    svc.create_function(b, example_zip("hello"))
    svc.client.delete_function(FunctionName=a)
    time.sleep(1.5)  # past a retry of the collector
    assert sha in _trees(svc)
    assert svc.invoke(b, {}).status == 200  # cold start from the shared tree
    svc.client.delete_function(FunctionName=b)
    _gone(svc, sha)


def test_a_busy_environment_keeps_its_code_until_its_invoke_ends(start_service):
    svc = start_service()
    sha = code_sha256(HOSTILE)
    name = unique_name("busy")
    svc.create_function(name, HOSTILE, runtime="python3.12", handler="app.handler", timeout=30)
    got = {}
    t = threading.Thread(target=lambda: got.setdefault(
        "r", svc.invoke(name, {"do": "sleep", "seconds": 3}, timeout=60)))
    t.start()
    wait_until(lambda: len(svc.function_processes()) > 0, 20, what="the runtime to start")
    time.sleep(0.5)  # in the handler's sleep by now
    svc.client.delete_function(FunctionName=name)
    time.sleep(1.0)
    assert t.is_alive() and sha in _trees(svc), "the code went while its invoke ran"
    t.join()
    assert got["r"].status == 200 and got["r"].json() == {"slept": 3}, got["r"].describe()
    _gone(svc, sha)


def test_no_tree_goes_while_an_upload_is_extracted(start_service):
    """An upload in flight may be of the very code being dropped (it then finds the tree stored
    and points its function at it): collection waits for it."""
    svc = start_service()
    sha = code_sha256(example_zip("hello"))
    name = unique_name("gone")
    svc.create_function(name, example_zip("hello"))
    big = many_entries(99_000)  # seconds to extract (test_upload_isolation)
    done = {}

    def upload():
        svc.create_function(unique_name("big"), big)
        done["ok"] = True

    t = threading.Thread(target=upload)
    t.start()
    time.sleep(0.3)  # the upload is on the worker thread by now (~10 MB, local)
    svc.client.delete_function(FunctionName=name)
    time.sleep(0.3)
    assert t.is_alive(), "the upload ended before the delete: nothing shown (make it bigger)"
    assert sha in _trees(svc), "the tree went while an upload was being extracted"
    t.join()
    assert done.get("ok"), "the upload failed"
    _gone(svc, sha)


def test_unused_code_and_upload_leftovers_go_at_start(start_service, tmp_path):
    state = tmp_path / "state"
    svc = start_service(state_dir=state)
    kept = unique_name("kept")
    svc.create_function(kept, example_zip("echo"))
    assert svc.stop() == 0
    code = state / "code"
    current = code_sha256(example_zip("echo"))
    leftovers = [code / ".staging-0123456789abcdef-4242", code / ".trash-0123456789abcdef",
                 code / ("ab" * 32)]  # a tree no function uses, as a crash mid-delete leaves
    for d in leftovers:
        d.mkdir()
        (d / "bootstrap").write_bytes(b"half an upload")
    assert {d.name for d in leftovers} | {current} == {p.name for p in code.iterdir()}
    svc = start_service(state_dir=state)
    svc.wait_for_log(r"removed 3 unused code tree\(s\) and upload leftovers")
    assert {p.name for p in code.iterdir()} == {current}
    assert svc.invoke(kept, {}).status == 200
