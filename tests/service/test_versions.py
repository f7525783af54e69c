"""Versions and aliases, end to end: PublishVersion, ListVersionsByFunction, the alias calls,
invoking by version, alias or qualified ARN, weighted routing, DeleteFunction with a qualifier, and
what a version's environment is told. boto3 unless a test says which aws CLI major it runs.

Run: python3 -m pytest -q tests/service/test_versions.py   (needs `make build`)
"""

import base64
import json
import threading

import pytest

from lkserve import ROLE, client_error, example_zip, function_arn, make_zip, unique_name

HELLO = {"message": "Hello World"}


def _invoke(client, name: str | None = None, payload: dict | None = None,
            **kw) -> tuple[dict, object]:
    """Invoke `name` (or kw's FunctionName): (the response, its decoded payload)."""
    if name is not None:
        kw["FunctionName"] = name
    r = client.invoke(Payload=json.dumps(payload or {}).encode(), **kw)
    assert r["StatusCode"] == 200, r
    assert "FunctionError" not in r, r
    return r, json.loads(r["Payload"].read())


def _hello_then_echo(service) -> tuple[str, dict]:
    """A function published as version 1 with the hello example's code, whose $LATEST then has the
    echo example's: (name, version 1's configuration)."""
    name = service.create_example("hello")
    v1 = service.client.publish_version(FunctionName=name)
    service.client.update_function_code(FunctionName=name, ZipFile=example_zip("echo"))
    return name, v1


def test_publish_snapshots_code_and_invokes_by_version_alias_and_arn(service):
    c = service.client
    name, v1 = _hello_then_echo(service)
    assert v1["Version"] == "1"
    assert v1["FunctionArn"] == function_arn(name) + ":1"
    latest = c.get_function_configuration(FunctionName=name)
    assert latest["Version"] == "$LATEST" and latest["CodeSha256"] != v1["CodeSha256"]
    assert latest["FunctionArn"] == function_arn(name)

    r, body = _invoke(c, name, {"x": 1})
    assert body == {"x": 1} and r["ExecutedVersion"] == "$LATEST"
    for ref in (dict(FunctionName=name, Qualifier="1"), dict(FunctionName=f"{name}:1"),
                dict(FunctionName=function_arn(name) + ":1")):
        r, body = _invoke(c, payload={"x": 1}, **ref)
        assert body == HELLO and r["ExecutedVersion"] == "1", ref
    log = base64.b64decode(c.invoke(FunctionName=name, Qualifier="1", LogType="Tail")
                           ["LogResult"]).decode()
    assert "Version: 1" in log.splitlines()[0], log

    c.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    r, body = _invoke(c, name, Qualifier="live")
    assert body == HELLO and r["ExecutedVersion"] == "1"

    got = c.get_function(FunctionName=name, Qualifier="1")
    assert got["Configuration"]["Version"] == "1"
    assert got["Configuration"]["CodeSha256"] == v1["CodeSha256"]
    assert c.get_function_configuration(FunctionName=f"{name}:live")["FunctionArn"] == \
        function_arn(name) + ":live"


def test_publish_is_idempotent_and_never_reuses_a_number(service):
    c = service.client
    name = service.create_example("hello")
    assert c.publish_version(FunctionName=name)["Version"] == "1"
    again = c.publish_version(FunctionName=name)
    assert again["Version"] == "1", "nothing changed: AWS answers the last version again"
    c.update_function_configuration(FunctionName=name, Description="second")
    v2 = c.publish_version(FunctionName=name, Description="own text")
    assert v2["Version"] == "2" and v2["Description"] == "own text"
    c.delete_function(FunctionName=name, Qualifier="2")
    c.update_function_configuration(FunctionName=name, Description="third")
    assert c.publish_version(FunctionName=name)["Version"] == "3"
    msg = client_error(lambda: c.get_function(FunctionName=name, Qualifier="2"),
                 "ResourceNotFoundException")
    assert msg == f"Function not found: {function_arn(name)}:2"


def test_publish_checks_code_sha256_and_revision_id(service):
    c = service.client
    name = service.create_example("hello")
    latest = c.get_function_configuration(FunctionName=name)
    msg = client_error(lambda: c.publish_version(FunctionName=name, CodeSha256="AAAA"),
                 "InvalidParameterValueException")
    assert msg == (f"CodeSHA256 (AAAA) is different from current CodeSHA256 in $LATEST "
                   f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.")
    client_error(lambda: c.publish_version(FunctionName=name, RevisionId="stale"),
           "PreconditionFailedException")
    v = c.publish_version(FunctionName=name, CodeSha256=latest["CodeSha256"],
                          RevisionId=latest["RevisionId"])
    assert v["Version"] == "1" and v["RevisionId"] != latest["RevisionId"]
    # As on AWS, publishing gives $LATEST a new RevisionId: the old one is stale now.
    after = c.get_function_configuration(FunctionName=name)["RevisionId"]
    assert after not in (latest["RevisionId"], v["RevisionId"])
    client_error(lambda: c.update_function_configuration(FunctionName=name, Description="x",
                                                         RevisionId=latest["RevisionId"]),
                 "PreconditionFailedException")
    client_error(lambda: c.publish_version(FunctionName=unique_name("none")),
           "ResourceNotFoundException")


def test_create_and_update_with_publish(service):
    c = service.client
    name = unique_name("pub")
    created = c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                                Handler="bootstrap", Code={"ZipFile": example_zip("hello")},
                                Publish=True)
    assert created["Version"] == "1" and created["FunctionArn"] == function_arn(name) + ":1"
    latest = c.get_function_configuration(FunctionName=name)
    client_error(lambda: c.update_function_code(FunctionName=name, ZipFile=example_zip("echo"),
                                          RevisionId="stale"), "PreconditionFailedException")
    updated = c.update_function_code(FunctionName=name, ZipFile=example_zip("echo"), Publish=True,
                                     RevisionId=latest["RevisionId"])
    assert updated["Version"] == "2"
    _, body = _invoke(c, name, {"y": 2}, Qualifier="2")
    assert body == {"y": 2}
    _, body = _invoke(c, name, Qualifier="1")
    assert body == HELLO


def test_list_versions_pages(service):
    c = service.client
    name = service.create_example("hello")
    for i in range(3):
        c.update_function_configuration(FunctionName=name, Description=f"d{i}")
        c.publish_version(FunctionName=name)
    first = c.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST", "1"]
    assert first["Versions"][0]["FunctionArn"] == function_arn(name) + ":$LATEST"
    rest = c.list_versions_by_function(FunctionName=name, Marker=first["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2", "3"] and "NextMarker" not in rest
    assert [v["Description"] for v in rest["Versions"]] == ["d1", "d2"]
    pages = c.get_paginator("list_versions_by_function").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 1})
    assert [v["Version"] for p in pages for v in p["Versions"]] == ["$LATEST", "1", "2", "3"]


def test_alias_calls_and_their_errors(service):
    c = service.client
    name, _ = _hello_then_echo(service)
    v2 = c.publish_version(FunctionName=name)["Version"]
    arn = function_arn(name)
    a = c.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="prod")
    assert a["AliasArn"] == arn + ":live" and a["FunctionVersion"] == "1"
    assert client_error(lambda: c.create_alias(FunctionName=name, Name="live", FunctionVersion="1"),
                  "ResourceConflictException") == f"Alias already exists: {arn}:live"
    assert client_error(lambda: c.create_alias(FunctionName=name, Name="x", FunctionVersion="9"),
                  "ResourceNotFoundException") == f"Function not found: {arn}:9"
    msg = client_error(lambda: c.create_alias(FunctionName=name, Name="123", FunctionVersion="1"),
                 "ValidationException")
    assert "at 'name' failed to satisfy constraint" in msg and "(?!^[0-9]+$)" in msg
    msg = client_error(lambda: c.create_alias(FunctionName=name, Name="r", FunctionVersion="1",
                                        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
                 "InvalidParameterValueException")
    assert msg == ("Invalid function version 1. Function version 1 is already included in "
                   "routing configuration.")
    client_error(lambda: c.create_alias(FunctionName=name, Name="r", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {v2: 1.5}}),
           "ValidationException")
    client_error(lambda: c.create_alias(FunctionName=name, Name="r", FunctionVersion="$LATEST",
                                  RoutingConfig={"AdditionalVersionWeights": {v2: 0.5}}),
           "InvalidParameterValueException")

    got = c.get_alias(FunctionName=name, Name="live")
    assert got["Description"] == "prod" and got["RevisionId"] == a["RevisionId"]
    client_error(lambda: c.update_alias(FunctionName=name, Name="live", FunctionVersion=v2,
                                  RevisionId="stale"), "PreconditionFailedException")
    up = c.update_alias(FunctionName=name, Name="live", FunctionVersion=v2,
                        RevisionId=a["RevisionId"])
    assert up["FunctionVersion"] == v2 and up["Description"] == "prod"
    assert up["RevisionId"] != a["RevisionId"]
    c.create_alias(FunctionName=name, Name="beta", FunctionVersion="1")
    c.create_alias(FunctionName=name, Name="canary", FunctionVersion="$LATEST")
    assert [x["Name"] for x in c.list_aliases(FunctionName=name)["Aliases"]] == \
        ["beta", "canary", "live"]
    assert [x["Name"] for x in c.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]] \
        == ["beta"]
    page = c.list_aliases(FunctionName=name, MaxItems=2)
    assert len(page["Aliases"]) == 2 and page["NextMarker"]
    assert [x["Name"] for x in c.list_aliases(FunctionName=name, Marker=page["NextMarker"])
            ["Aliases"]] == ["live"]

    c.delete_alias(FunctionName=name, Name="beta")
    assert client_error(lambda: c.get_alias(FunctionName=name, Name="beta"),
                  "ResourceNotFoundException") == f"Cannot find alias arn: {arn}:beta"
    c.delete_alias(FunctionName=name, Name="beta")  # AWS: deleting none is a 204 too
    assert client_error(lambda: c.update_alias(FunctionName=name, Name="beta", Description="x"),
                        "ResourceNotFoundException") == f"Alias not found: {arn}:beta"
    assert client_error(lambda: c.invoke(FunctionName=name, Qualifier="beta"),
                  "ResourceNotFoundException") == f"Function not found: {arn}:beta"


def test_weighted_alias_splits_invokes(service):
    c = service.client
    name, _ = _hello_then_echo(service)
    v2 = c.publish_version(FunctionName=name)["Version"]
    c.create_alias(FunctionName=name, Name="split", FunctionVersion="1",
                   RoutingConfig={"AdditionalVersionWeights": {v2: 0.3}})
    n = 1000
    ran = {"1": 0, v2: 0}
    for _ in range(n):
        r, body = _invoke(c, name, {"v": 2}, Qualifier="split")
        ran[r["ExecutedVersion"]] += 1
        assert body == (HELLO if r["ExecutedVersion"] == "1" else {"v": 2}), (r, body)
    # Binomial(1000, 0.3): mean 300, sd 14.5; the band is 5 sd wide on each side.
    assert 228 <= ran[v2] <= 372, ran


def test_delete_function_with_a_qualifier(service, start_service):
    c = service.client
    name, _ = _hello_then_echo(service)
    c.publish_version(FunctionName=name)
    c.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    msg = client_error(lambda: c.delete_function(FunctionName=name, Qualifier="$LATEST"),
                 "InvalidParameterValueException")
    assert msg == "$LATEST version cannot be deleted without deleting the function."
    msg = client_error(lambda: c.delete_function(FunctionName=name, Qualifier="2"),
                 "ResourceConflictException")
    assert msg == "Unable to delete version because the following aliases reference it: [live]"
    msg = client_error(lambda: c.delete_function(FunctionName=name, Qualifier="live"),
                       "InvalidParameterValueException")
    assert msg == "Deletion of aliases is not currently supported."
    _invoke(c, name, Qualifier="1")  # a warm environment of version 1, then the version goes
    c.delete_function(FunctionName=name, Qualifier="1")
    client_error(lambda: c.invoke(FunctionName=name, Qualifier="1"), "ResourceNotFoundException")
    c.delete_function(FunctionName=name, Qualifier="1")  # AWS: a version not there is a 204
    _, body = _invoke(c, name, {"z": 1}, Qualifier="live")
    assert body == {"z": 1}, "version 2 and its alias are untouched"
    c.delete_function(FunctionName=name)
    service.create_example("hello", name=name)
    assert [v["Version"] for v in c.list_versions_by_function(FunctionName=name)["Versions"]] == \
        ["$LATEST"]
    assert c.list_aliases(FunctionName=name)["Aliases"] == []
    assert c.publish_version(FunctionName=name)["Version"] == "1"


def test_versions_and_aliases_survive_a_restart(start_service, tmp_path):
    state = tmp_path / "state"
    first = start_service(state_dir=state)
    name, _ = _hello_then_echo(first)
    first.client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert first.stop() == 0
    second = start_service(state_dir=state)
    r, body = _invoke(second.client, name, Qualifier="live")
    assert body == HELLO and r["ExecutedVersion"] == "1"
    assert second.client.publish_version(FunctionName=name)["Version"] == "2"


PY_REPORTER = b"""import os
def handler(event, context):
    return {"version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "context_version": context.function_version,
            "arn": context.invoked_function_arn,
            "stream": context.log_stream_name, "mark": os.environ.get("MARK"),
            "pid": os.getpid()}
"""


@pytest.mark.managed_runtime
def test_each_version_has_its_own_environment_and_variables(start_service):
    service = start_service(max_concurrency=1)
    c = service.client
    name = unique_name("pyver")
    service.create_function(name, make_zip({"app.py": PY_REPORTER}), runtime="python3.12",
                            handler="app.handler", env={"MARK": "one"})
    c.publish_version(FunctionName=name)
    c.update_function_configuration(FunctionName=name, Environment={"Variables": {"MARK": "two"}})
    c.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    _, v1 = _invoke(c, name, Qualifier="live")
    assert v1["version"] == "1" and v1["context_version"] == "1" and v1["mark"] == "one"
    assert v1["arn"] == function_arn(name) + ":live"
    assert "/[1]" in v1["stream"], v1
    _, again = _invoke(c, name, Qualifier="1")
    assert again["pid"] == v1["pid"], "warm: the same environment"
    # One environment per function (max_concurrency=1): $LATEST takes the idle one's place.
    _, latest = _invoke(c, name)
    assert latest["version"] == "$LATEST" and latest["mark"] == "two"
    c.publish_version(FunctionName=name)  # a new RevisionId, the same code: $LATEST stays warm
    _, still = _invoke(c, name)
    assert still["pid"] == latest["pid"]
    assert "/[$LATEST]" in latest["stream"] and latest["pid"] != v1["pid"]
    _, back = _invoke(c, name, Qualifier="1")
    assert back["pid"] not in (v1["pid"], latest["pid"]), "version 1 started cold again"
    # Updating $LATEST retires $LATEST's environments only.
    _, v1_warm = _invoke(c, name, Qualifier="1")
    assert v1_warm["pid"] == back["pid"]


def test_function_concurrency_counts_every_version(service, gate):
    """Reserved concurrency is the function's: a busy version 1 leaves no room for $LATEST."""
    c = service.client
    name = service.create_peer("counter")
    c.publish_version(FunctionName=name)
    c.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    done = {}
    busy = threading.Thread(target=lambda: done.setdefault(
        "r", service.invoke(f"{name}:1", {"gate_port": gate.port}, timeout=30)))
    busy.start()
    try:
        gate.wait_started(1)
        client_error(lambda: c.invoke(FunctionName=name, Payload=b"{}"), "TooManyRequestsException")
    finally:
        gate.release()
        busy.join()
    assert done["r"].status == 200 and done["r"].header("X-Amz-Executed-Version") == "1"
    _invoke(c, name)


def test_versions_and_aliases_with_the_aws_cli(service, cli):
    """Each aws CLI major (the `cli` fixture: v1 from pip, v2 at /usr/bin/aws)."""
    name, _ = _hello_then_echo(service)
    v = service.aws_json("publish-version", "--function-name", name, "--description", "cli",
                         cli=cli)
    assert v["Version"] == "2" and v["Description"] == "cli"
    a = service.aws_json("create-alias", "--function-name", name, "--name", "live",
                         "--function-version", "1", "--routing-config",
                         '{"AdditionalVersionWeights":{"2":0.0}}', cli=cli)
    assert a["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.0}}
    meta, body, log = service.cli_invoke(name, "{}", "--qualifier", "live", cli=cli)
    assert json.loads(body) == HELLO and meta["ExecutedVersion"] == "1"
    assert "Version: 1" in log
    listed = service.aws_json("list-versions-by-function", "--function-name", name, cli=cli)
    assert [x["Version"] for x in listed["Versions"]] == ["$LATEST", "1", "2"]
    assert [x["Name"] for x in service.aws_json("list-aliases", "--function-name", name,
                                                 cli=cli)["Aliases"]] == ["live"]
    service.aws("delete-alias", "--function-name", name, "--name", "live", cli=cli)
    service.aws("delete-function", "--function-name", name, "--qualifier", "1", cli=cli)
    listed = service.aws_json("list-versions-by-function", "--function-name", name, cli=cli)
    assert [x["Version"] for x in listed["Versions"]] == ["$LATEST", "2"]
