"""Layers, end to end: PublishLayerVersion and the other layer calls, a function's Layers, and what
the function sees at /opt. boto3 unless a test says which aws CLI major it runs.

The C++ case is examples/layer: a function linked against libgreeting.so, which only a layer
brings (lib/libgreeting.so, /opt/lib on LD_LIBRARY_PATH). Python and Node.js functions find
modules in their layers through awslambdaric and aws-lambda-ric, as on Lambda.

Run: python3 -m pytest -q tests/service/test_layers.py   (needs `make build`)
"""

import io
import json
import subprocess
import time
import zipfile

import pytest

from lkserve import (ROLE, bin_dir, client_error, example_binary, example_zip, make_zip,
                     unique_name)

REGION_ACCOUNT = "us-east-1:000000000000"


def _layer_arn(name: str, version: int | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION_ACCOUNT}:layer:{name}"
    return arn if version is None else f"{arn}:{version}"


def _greeting_library() -> bytes:
    path = bin_dir().resolve().parent / "layer" / "libgreeting.so"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make build`", pytrace=False)
    return path.read_bytes()


def _greeting_layer(service, name: str | None = None) -> dict:
    """examples/layer's library published as a layer: lib/libgreeting.so."""
    return service.client.publish_layer_version(
        LayerName=name or unique_name("greeting"),
        Content={"ZipFile": make_zip({"lib/libgreeting.so": (_greeting_library(), 0o755)})},
        CompatibleRuntimes=["provided.al2023"], CompatibleArchitectures=["x86_64"])


def _layer_function(service, layers: list[str] | None, **kw) -> str:
    name = unique_name("layered")
    kw_layers = {} if layers is None else {"Layers": layers}
    service.client.create_function(FunctionName=name, Runtime="provided.al2023",
                                   Handler="bootstrap", Role=ROLE,
                                   Code={"ZipFile": example_zip("layer")}, **kw_layers, **kw)
    return name


def _python_function(service, layers: list[str], source: str, **kw) -> str:
    name = unique_name("pylayer")
    service.client.create_function(FunctionName=name, Runtime="python3.12",
                                   Handler="app.handler", Role=ROLE, Timeout=10,
                                   Code={"ZipFile": make_zip({"app.py": source.encode()})},
                                   Layers=layers, **kw)
    return name


OPT_READER = """
import os

def handler(event, context):
    files = {}
    for root, _, names in os.walk("/opt"):
        for n in names:
            p = os.path.join(root, n)
            with open(p) as f:
                files[os.path.relpath(p, "/opt")] = f.read()
    try:
        open("/opt/new-file", "w").close()
        writable = True
    except OSError as e:
        writable = e.strerror
    return {"files": files, "writable": writable,
            "ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""),
            "path": os.environ.get("PATH", "")}
"""


def test_publish_get_list_and_delete_layer_versions(service):
    c = service.client
    name = unique_name("lib")
    zip1 = make_zip({"lib/one.txt": b"1"})
    v1 = c.publish_layer_version(LayerName=name, Description="first",
                                 Content={"ZipFile": zip1}, LicenseInfo="MIT",
                                 CompatibleRuntimes=["provided.al2023", "python3.12"])
    assert v1["Version"] == 1 and v1["LayerVersionArn"] == _layer_arn(name, 1), v1
    assert v1["LayerArn"] == _layer_arn(name) and v1["LicenseInfo"] == "MIT", v1
    assert v1["Content"]["CodeSize"] == len(zip1), v1
    assert v1["CompatibleArchitectures"] == [] and v1["CreatedDate"].endswith("+0000"), v1
    v2 = c.publish_layer_version(LayerName=_layer_arn(name), Content={"ZipFile": zip1},
                                 CompatibleRuntimes=["nodejs22.x"])
    assert v2["Version"] == 2 and v2["Description"] == "", v2
    assert v2["Content"]["CodeSha256"] == v1["Content"]["CodeSha256"]

    got = c.get_layer_version(LayerName=name, VersionNumber=1)
    assert got["Description"] == "first" and got["Content"] == v1["Content"], got
    by_arn = c.get_layer_version_by_arn(Arn=_layer_arn(name, 2))
    assert by_arn["Version"] == 2 and by_arn["LayerArn"] == _layer_arn(name), by_arn

    versions = c.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1], versions  # newest first
    assert "Content" not in versions[0], versions[0]
    py = c.list_layer_versions(LayerName=name, CompatibleRuntime="python3.12")["LayerVersions"]
    assert [v["Version"] for v in py] == [1], py
    page = c.list_layer_versions(LayerName=name, MaxItems=1)
    assert [v["Version"] for v in page["LayerVersions"]] == [2] and "NextMarker" in page, page
    rest = c.list_layer_versions(LayerName=name, Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["LayerVersions"]] == [1] and "NextMarker" not in rest
    assert c.list_layer_versions(LayerName=unique_name("none"))["LayerVersions"] == []

    mine = [entry for entry in c.list_layers()["Layers"] if entry["LayerName"] == name]
    assert len(mine) == 1 and mine[0]["LatestMatchingVersion"]["Version"] == 2, mine
    mine = [entry for entry in c.list_layers(CompatibleRuntime="python3.12")["Layers"]
            if entry["LayerName"] == name]
    assert mine[0]["LatestMatchingVersion"]["Version"] == 1, mine  # the newest that matches
    # boto3's paginator follows NextMarker across a page of one.
    names = [entry["LayerName"] for p in c.get_paginator("list_layers").paginate(
        PaginationConfig={"PageSize": 1}) for entry in p["Layers"]]
    assert names.count(name) == 1, names

    c.delete_layer_version(LayerName=name, VersionNumber=1)
    c.delete_layer_version(LayerName=name, VersionNumber=1)  # AWS: 204 again
    c.delete_layer_version(LayerName=name, VersionNumber=2)
    message = client_error(lambda: c.get_layer_version(LayerName=name, VersionNumber=1),
                           "ResourceNotFoundException")
    assert message == "The resource you requested does not exist.", message
    client_error(lambda: c.get_layer_version_by_arn(Arn=_layer_arn(name, 2)),
                 "ResourceNotFoundException")
    assert not [e for e in c.list_layers()["Layers"] if e["LayerName"] == name]
    # Numbers are never used twice, even once every version is gone.
    assert c.publish_layer_version(LayerName=name, Content={"ZipFile": zip1})["Version"] == 3


def test_bad_layer_calls_get_aws_errors(service):
    c = service.client
    name = unique_name("lib")
    message = client_error(lambda: c.get_layer_version(LayerName=name, VersionNumber=0),
                           "InvalidParameterValueException")
    assert message == "Layer Version Cannot be less than 1", message
    message = client_error(lambda: c.get_layer_version_by_arn(Arn=_layer_arn(name)),
                           "ValidationException")
    assert "at 'arn' failed to satisfy constraint" in message, message
    message = client_error(lambda: c.publish_layer_version(
        LayerName="bad name", Content={"ZipFile": make_zip({"a": b"a"})}), "ValidationException")
    assert "at 'layerName'" in message, message
    message = client_error(lambda: c.publish_layer_version(
        LayerName=name, Content={"ZipFile": b"not a zip"}), "InvalidParameterValueException")
    assert "Could not unzip uploaded file" in message, message
    message = client_error(lambda: c.publish_layer_version(
        LayerName=name, Content={"ZipFile": make_zip({"../escape": b"x"})}),
        "InvalidParameterValueException")
    assert "../escape" in message, message
    message = client_error(lambda: c.publish_layer_version(
        LayerName=name, Content={"ZipFile": make_zip({"a": b"a"})},
        CompatibleArchitectures=["sparc"]), "ValidationException")
    assert "[x86_64, arm64]" in message, message
    # Nothing was published by the refused calls.
    assert c.list_layer_versions(LayerName=name)["LayerVersions"] == []


def test_function_layers_are_checked_as_aws_checks_them(service):
    c = service.client
    lib = _greeting_layer(service)
    other = _greeting_layer(service)
    v2 = c.publish_layer_version(LayerName=lib["LayerArn"].split(":")[-1],
                                 Content={"ZipFile": make_zip({"lib/x": b"x"})})

    def create(layers):
        return lambda: _layer_function(service, layers)

    message = client_error(create([lib["LayerVersionArn"]] * 6), "InvalidParameterValueException")
    assert message == "Cannot reference more than 5 layers.", message
    message = client_error(create([lib["LayerVersionArn"], v2["LayerVersionArn"]]),
                           "InvalidParameterValueException")
    assert message == ("Two different versions of the same layer are not allowed to be referenced "
                       f"in the same function. {lib['LayerVersionArn']} and "
                       f"{v2['LayerVersionArn']} are versions of the same layer."), message
    missing = lib["LayerArn"] + ":9"
    message = client_error(create([missing]), "InvalidParameterValueException")
    assert message == f"Layer version {missing} does not exist.", message
    elsewhere = other["LayerVersionArn"].replace("us-east-1", "eu-west-1")
    message = client_error(create([elsewhere]), "InvalidParameterValueException")
    assert message == ("Layers are not in the same region as the function. Layers are expected "
                       "to be in region us-east-1."), message
    message = client_error(create([lib["LayerArn"]]), "ValidationException")  # no version
    assert "at 'layers' failed to satisfy constraint" in message, message
    # None of them created the function; a good list does, in order.
    ok = _layer_function(service, [other["LayerVersionArn"], lib["LayerVersionArn"]])
    cfg = c.get_function_configuration(FunctionName=ok)
    assert [entry["Arn"] for entry in cfg["Layers"]] == [other["LayerVersionArn"],
                                                         lib["LayerVersionArn"]], cfg
    assert cfg["Layers"][0]["CodeSize"] == other["Content"]["CodeSize"], cfg
    assert "Layers" not in c.get_function_configuration(FunctionName=_layer_function(service, None))


def test_cpp_function_loads_its_shared_library_from_opt_lib(service):
    c = service.client
    layer = _greeting_layer(service)
    name = _layer_function(service, [layer["LayerVersionArn"]])
    r = service.invoke(name, {"hello": "layer"})
    assert r.status == 200 and r.function_error is None, r.describe()
    assert r.json() == {"greeting": "Hello from a layer", "library": "libgreeting 1.0",
                        "payload_bytes": 18}, r.body

    # Without the layer the loader stops the function before main, as on Lambda.
    c.update_function_configuration(FunctionName=name, Layers=[])
    r = service.invoke(name, {})
    assert r.function_error == "Unhandled", r.describe()
    assert r.json()["errorType"] == "Runtime.ExitError", r.body
    assert "libgreeting.so: cannot open shared object file" in r.log_tail, r.log_tail
    assert "Layers" not in c.get_function_configuration(FunctionName=name)

    c.update_function_configuration(FunctionName=name, Layers=[layer["LayerVersionArn"]])
    r = service.invoke(name, {})
    assert r.status == 200 and r.function_error is None, r.describe()


def test_cpp_function_finds_its_layer_without_a_sandbox(start_service):
    # --sandbox none: no /opt of its own, so LD_LIBRARY_PATH names the layers' real folder.
    service = start_service(extra_args=["--sandbox", "none"])
    layer = _greeting_layer(service)
    name = _layer_function(service, [layer["LayerVersionArn"]])
    r = service.invoke(name, {})
    assert r.status == 200 and r.function_error is None, r.describe()
    assert r.json()["greeting"] == "Hello from a layer", r.body


@pytest.mark.managed_runtime
def test_layers_merge_in_order_read_only_at_opt(service):
    c = service.client
    first = c.publish_layer_version(LayerName=unique_name("first"), Content={"ZipFile": make_zip(
        {"data/which.txt": b"first", "data/first-only.txt": b"1", "bin/tool": (b"#!/bin/sh\n", 0o755)})})
    second = c.publish_layer_version(LayerName=unique_name("second"), Content={"ZipFile": make_zip(
        {"data/which.txt": b"second"})})
    name = _python_function(service, [first["LayerVersionArn"], second["LayerVersionArn"]],
                            OPT_READER)
    out = service.invoke(name, {}, timeout=60)
    assert out.function_error is None, out.describe()
    seen = out.json()
    assert seen["files"] == {"data/which.txt": "second", "data/first-only.txt": "1",
                             "bin/tool": "#!/bin/sh\n"}, seen  # the later layer wins
    assert seen["writable"] == "Read-only file system", seen
    assert seen["ld_library_path"].endswith(":/opt/lib"), seen
    assert ":/opt/bin" in seen["path"], seen

    c.update_function_configuration(FunctionName=name,
                                    Layers=[second["LayerVersionArn"], first["LayerVersionArn"]])
    assert service.invoke(name, {}, timeout=60).json()["files"]["data/which.txt"] == "first"
    c.update_function_configuration(FunctionName=name, Layers=[])
    assert service.invoke(name, {}, timeout=60).json()["files"] == {}  # /opt is empty, as on AWS


@pytest.mark.managed_runtime
def test_python_and_node_import_modules_from_their_layers(service):
    c = service.client
    py_layer = c.publish_layer_version(LayerName=unique_name("pylib"), Content={"ZipFile": make_zip(
        {"python/greet_mod.py": b"WORD = 'from python/'\n",
         "python/lib/python3.12/site-packages/deep_mod.py": b"WORD = 'from site-packages'\n"})})
    name = _python_function(service, [py_layer["LayerVersionArn"]],
                            "import greet_mod, deep_mod\n"
                            "def handler(event, context):\n"
                            "    return [greet_mod.WORD, deep_mod.WORD]\n")
    r = service.invoke(name, {}, timeout=60)
    assert r.function_error is None, r.describe()
    assert r.json() == ["from python/", "from site-packages"]

    node_layer = c.publish_layer_version(LayerName=unique_name("nodelib"), Content={
        "ZipFile": make_zip({"nodejs/node_modules/greet/index.js":
                             b"module.exports = () => 'from nodejs/node_modules';\n"})})
    node = unique_name("nodelayer")
    c.create_function(FunctionName=node, Runtime="nodejs22.x", Handler="index.handler", Role=ROLE,
                      Timeout=10, Layers=[node_layer["LayerVersionArn"]], Code={"ZipFile": make_zip(
                          {"index.js": b"const greet = require('greet');\n"
                                       b"exports.handler = async () => greet();\n"})})
    r = service.invoke(node, {}, timeout=60)
    assert r.function_error is None, r.describe()
    assert r.json() == "from nodejs/node_modules"


def test_a_deleted_layer_version_stays_with_the_functions_that_use_it(service):
    c = service.client
    layer = _greeting_layer(service)
    arn = layer["LayerVersionArn"]
    name = _layer_function(service, [arn])
    c.delete_layer_version(LayerName=arn.split(":")[-2], VersionNumber=1)
    # A configuration change retires the environment: the cold start still gets /opt/lib.
    c.update_function_configuration(FunctionName=name, Layers=[arn], Timeout=5)
    r = service.invoke(name, {})
    assert r.status == 200 and r.function_error is None, r.describe()
    # A new function cannot take it.
    message = client_error(lambda: _layer_function(service, [arn]),
                           "InvalidParameterValueException")
    assert message == f"Layer version {arn} does not exist.", message


def test_versions_snapshot_their_layers(service):
    c = service.client
    layer = _greeting_layer(service)
    name = _layer_function(service, [layer["LayerVersionArn"]])
    v1 = c.publish_version(FunctionName=name)
    assert v1["Layers"][0]["Arn"] == layer["LayerVersionArn"], v1
    c.update_function_configuration(FunctionName=name, Layers=[])
    assert service.invoke(name, {}).function_error == "Unhandled"  # $LATEST lost its library
    r = service.invoke(name, {}, qualifier="1")
    assert r.status == 200 and r.function_error is None, r.describe()


def test_code_and_layers_together_stay_within_250_mb_unzipped(service):
    c = service.client
    # 130 MB of zeros deflates to about 130 KB: two such layers are 260 MB unzipped.
    big = make_zip({"lib/blob": b"\0" * (130 * 1024 * 1024)})
    a = c.publish_layer_version(LayerName=unique_name("big"), Content={"ZipFile": big})
    b = c.publish_layer_version(LayerName=unique_name("big"), Content={"ZipFile": big})
    message = client_error(lambda: _layer_function(service, [a["LayerVersionArn"],
                                                             b["LayerVersionArn"]]),
                           "InvalidParameterValueException")
    assert message.startswith("Function code combined with layers exceeds the maximum allowed "
                              "size of 262144000 bytes. The actual size is "), message
    name = _layer_function(service, [a["LayerVersionArn"]])
    message = client_error(lambda: c.update_function_configuration(
        FunctionName=name, Layers=[a["LayerVersionArn"], b["LayerVersionArn"]]),
        "InvalidParameterValueException")
    assert "Function code combined with layers exceeds" in message, message
    message = client_error(lambda: c.update_function_code(
        FunctionName=name, ZipFile=make_zip({"bootstrap": (b"\0" * (125 * 1024 * 1024), 0o755)})),
        "InvalidParameterValueException")
    assert "Function code combined with layers exceeds" in message, message


def test_layers_survive_a_restart_and_unused_trees_go(start_service, tmp_path):
    state = tmp_path / "kept-state"
    first = start_service(state_dir=state)
    layer = _greeting_layer(first)
    name = _layer_function(first, [layer["LayerVersionArn"]])
    gone = _layer_function(first, [layer["LayerVersionArn"]])
    assert first.invoke(name, {}).function_error is None
    first.client.update_function_configuration(FunctionName=gone, Layers=[])
    first.stop()
    trees_before = {p.name for p in (state / "opt").iterdir()}

    second = start_service(state_dir=state)
    assert second.client.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])["Version"] == 1
    r = second.invoke(name, {})
    assert r.status == 200 and r.function_error is None, r.describe()
    trees_after = {p.name for p in (state / "opt").iterdir()}
    assert trees_after <= trees_before and len(trees_after) == 2, (trees_before, trees_after)


def test_layer_calls_with_the_aws_cli(service, cli):
    lib_zip = service.workdir / "greeting-layer.zip"
    lib_zip.write_bytes(make_zip({"lib/libgreeting.so": (_greeting_library(), 0o755)}))
    layer_name = unique_name("clilayer")
    published = service.aws_json("publish-layer-version", "--layer-name", layer_name,
                                 "--zip-file", f"fileb://{lib_zip}",
                                 "--compatible-runtimes", "provided.al2023", cli=cli)
    assert published["Version"] == 1, published
    fn_zip = service.workdir / "layer-fn.zip"
    fn_zip.write_bytes(example_zip("layer"))
    name = unique_name("clifn")
    cfg = service.aws_json("create-function", "--function-name", name, "--runtime",
                           "provided.al2023", "--handler", "bootstrap", "--role", ROLE,
                           "--zip-file", f"fileb://{fn_zip}",
                           "--layers", published["LayerVersionArn"], cli=cli)
    assert cfg["Layers"][0]["Arn"] == published["LayerVersionArn"], cfg
    _, body, log = service.cli_invoke(name, "{}", cli=cli)
    assert json.loads(body)["greeting"] == "Hello from a layer", (body, log)
    listed = service.aws_json("list-layer-versions", "--layer-name", layer_name, cli=cli)
    assert [v["Version"] for v in listed["LayerVersions"]] == [1], listed
    service.aws("delete-layer-version", "--layer-name", layer_name, "--version-number", "1",
                cli=cli)
    layers = service.aws_json("list-layers", cli=cli)["Layers"]
    assert all(entry["LayerName"] != layer_name for entry in layers), layers


def test_lambdakit_package_layer_makes_the_zip_the_service_runs(service, tmp_path):
    # `lambdakit package --layer lib`, checked against provided.al2023: the in-tree library is
    # built against this machine's glibc, so the check is made with a library that needs none.
    src = tmp_path / "tiny.c"
    src.write_text("int tiny_answer(void) { return 42; }\n")
    lib = tmp_path / "libtiny.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-nostdlib", "-o", str(lib), str(src)], check=True)
    out = tmp_path / "tiny-layer.zip"
    lambdakit = str(bin_dir() / "lambdakit")
    subprocess.run([lambdakit, "package", "--layer", "lib", str(lib), "-o", str(out)], check=True,
                   capture_output=True, text=True)
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as z:
        assert z.namelist() == ["lib/libtiny.so"], z.namelist()
    published = service.client.publish_layer_version(LayerName=unique_name("tiny"),
                                                     Content={"ZipFile": out.read_bytes()})
    assert published["Content"]["CodeSize"] == out.stat().st_size
    # An executable is not a library, and says where it belongs.
    refused = subprocess.run([lambdakit, "package", "--layer", "lib", str(example_binary("hello")),
                              "-o", str(tmp_path / "no.zip")], capture_output=True, text=True)
    assert refused.returncode != 0 and "--layer extension" in refused.stderr, refused.stderr
    assert not (tmp_path / "no.zip").exists()


def test_layer_code_goes_once_nothing_uses_it(service):
    c = service.client
    layer = c.publish_layer_version(LayerName=unique_name("gc"), Content={"ZipFile": make_zip(
        {"lib/only-here.txt": unique_name("content").encode()})})
    code_dir = service.state_dir / "code"

    def stored() -> bool:
        return any((d / "lib" / "only-here.txt").exists() for d in code_dir.iterdir())

    name = _layer_function(service, [layer["LayerVersionArn"]])
    c.delete_layer_version(LayerName=layer["LayerArn"].split(":")[-1], VersionNumber=1)
    assert stored()  # the function still has it
    c.update_function_configuration(FunctionName=name, Layers=[])
    deadline = time.monotonic() + 10
    while stored() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not stored(), "the layer's code outlived its last user"
