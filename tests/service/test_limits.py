"""Per-environment limits of `lambdakit serve` (run as root, default sandbox), as Lambda's quotas
are: 1,024 open files, 1,024 processes and threads; and EphemeralStorage (/tmp's size), which
CreateFunction and UpdateFunctionConfiguration take and report (boto3)."""

from __future__ import annotations

import errno
import json
import os
import re

import pytest

from lkprocs import wait_until
from lkserve import FUNCTIONS_DIR, ROLE, make_zip, unique_name

HOSTILE = make_zip({"app.py": (FUNCTIONS_DIR / "hostile" / "app.py").read_bytes()})


def _hostile(service, **kw) -> str:
    name = unique_name("limits")
    service.create_function(name, HOSTILE, runtime="python3.12", handler="app.handler", **kw)
    return name


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox and cgroups need root")
def test_descriptors_and_tasks_are_limited_as_on_lambda(service):
    name = _hostile(service, memory=512, timeout=60)
    r = service.invoke(name, {"do": "limits"}, timeout=90)
    assert r.status == 200 and r.function_error is None, r.describe()
    got = r.json()
    assert got["nofile"] == [1024, 1024], got
    # The runtime's own threads count too: the limit is below 1,024 started threads.
    assert got["thread_error"] and 900 < got["threads"] < 1024, got
    # The environment is still usable afterwards.
    again = service.invoke(name, {"do": "whoami"})
    assert again.status == 200 and again.function_error is None, again.describe()


def test_ephemeral_storage_is_taken_and_reported(start_service):
    service = start_service()
    client = service.client
    name = unique_name("ephemeral")
    created = client.create_function(FunctionName=name, Runtime="provided.al2023",
                                     Role=ROLE,
                                     Handler="bootstrap", Code={"ZipFile": service.zip_example("hello")},
                                     EphemeralStorage={"Size": 1024})
    assert created["EphemeralStorage"] == {"Size": 1024}
    updated = client.update_function_configuration(FunctionName=name,
                                                   EphemeralStorage={"Size": 10240})
    assert updated["EphemeralStorage"] == {"Size": 10240}
    assert client.get_function_configuration(FunctionName=name)["EphemeralStorage"] == {
        "Size": 10240}
    # boto3 checks the range itself: sent raw, as another client may.
    for size, words in ((511, "greater than or equal to 512"), (10241, "less than or equal to 10240")):
        r = service.http("PUT", f"/2015-03-31/functions/{name}/configuration",
                         json.dumps({"EphemeralStorage": {"Size": size}}).encode(),
                         {"Content-Type": "application/json"})
        assert r.status == 400, r.describe()
        assert r.headers.get("x-amzn-errortype", "").startswith("ValidationException"), r.describe()
        assert f"Value '{size}' at 'ephemeralStorage.size'" in r.body.decode(), r.describe()
        assert words in r.body.decode(), r.describe()
    # Unchanged by the refused updates; kept across a restart of the service.
    service.stop()
    again = start_service(state_dir=service.state_dir)
    assert again.client.get_function_configuration(FunctionName=name)["EphemeralStorage"] == {
        "Size": 10240}


def _tmp_dirs(service) -> list:
    return sorted(p.name for p in (service.state_dir / "tmp").iterdir())


@pytest.mark.parametrize("ending", ["delete", "idle", "new-code"])
def test_an_environments_tmp_is_removed_when_no_successor_can_use_it(start_service, ending):
    """DeleteFunction, an idle eviction or new code: what the environment left in /tmp goes. (A
    plain folder is moved aside at once and removed off the service's thread; a volume is
    emptied off the service's thread and kept as a spare, or detached.)"""
    service = start_service(idle_timeout=1 if ending == "idle" else 600)
    name = _hostile(service)
    r = service.invoke(name, {"do": "tmp_put", "name": "big", "text": "x" * 1024, "times": 8 << 10})
    assert r.status == 200 and r.function_error is None, r.describe()
    # Its /tmp: the folder (or volume) of state/tmp that holds the file (others are spares).
    (mine,) = [d for d in _tmp_dirs(service) if (service.state_dir / "tmp" / d / "big").exists()]
    assert (service.state_dir / "tmp" / mine / "big").stat().st_size == 8 << 20
    if ending == "delete":
        service.client.delete_function(FunctionName=name)
    elif ending == "new-code":
        service.client.update_function_code(FunctionName=name, ZipFile=make_zip(
            {"app.py": (FUNCTIONS_DIR / "hostile" / "app.py").read_bytes() + b"\n# v2\n"}))
    tmp = service.state_dir / "tmp"
    wait_until(lambda: not [d for d in _tmp_dirs(service)
                            if d.startswith(".trash") or (tmp / d / "big").exists()],
               15, what=f"{mine} to be emptied or removed ({ending})")
    if ending == "new-code":  # the new code starts with an empty /tmp
        r = service.invoke(name, {"do": "read", "paths": ["/tmp/big"]})
        assert "errno" in r.json()["read"]["/tmp/big"], r.describe()


@pytest.mark.skipif(os.geteuid() != 0, reason="/tmp volumes need root (loop devices)")
@pytest.mark.parametrize("size_mb", [512, 1024])
def test_tmp_holds_ephemeral_storage_and_no_more(start_service, size_mb):
    """/tmp is a volume of the function's EphemeralStorage: writing past it fails with ENOSPC,
    and the next environment starts with an empty one."""
    service = start_service()
    weaker = re.search(r"/tmp: NOT limited in size \((.*)\)", service.read_log())
    if weaker:
        pytest.skip(f"no /tmp volumes on this machine: {weaker.group(1)}")
    assert "/tmp: each environment's is an ext4 volume" in service.read_log()
    name = _hostile(service, memory=128, timeout=120)
    if size_mb != 512:
        service.client.update_function_configuration(FunctionName=name,
                                                      EphemeralStorage={"Size": size_mb})
    r = service.invoke(name, {"do": "fill", "max_mb": 2 * size_mb}, timeout=150)
    assert r.status == 200 and r.function_error is None, r.describe()
    got = r.json()
    limit = size_mb << 20
    assert got["errno"] == errno.ENOSPC, got
    assert 0.9 * limit <= got["written"] <= limit, got
    assert 0.9 * limit <= got["size"] <= limit, got
    # Far more than the function's 128 MB were written: page cache, not memory it is charged for.
    # A new environment (new configuration): a fresh, empty /tmp.
    service.client.update_function_configuration(FunctionName=name, Environment={"Variables": {"ROUND": "2"}})
    r = service.invoke(name, {"do": "read", "paths": ["/tmp/fill"]})
    assert r.json()["read"]["/tmp/fill"] == {"errno": errno.ENOENT}, r.describe()
