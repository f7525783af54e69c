"""`lambdakit bench --aws`: the same experiment on AWS itself. AWS cannot be reached from here, so
the TLS stand-in of tests/package (fake_aws_lambda.FakeLambda) takes its place: it checks every
request's SigV4 signature with botocore's signer, creates functions Pending, answers Invoke with a
REPORT line, and records what was deleted. The tests check that bench signs everything, waits
for Active, reads Duration / Init Duration / Max Memory Used from the REPORT lines, leaves out
what AWS no longer creates (go1.x), and deletes every function it made: after a normal run,
after an API error, and on Ctrl-C."""

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LAMBDAKIT_BIN_DIR", ROOT / "build/bin"))
sys.path.insert(0, str(ROOT / "tests/package"))
from fake_aws_lambda import FakeLambda  # noqa: E402

KEY_ID, SECRET = "AKIDLAMBDAKITBENCH", "bench/secret+key"
ROLE = "arn:aws:iam::123456789012:role/lambda-basic"


@pytest.fixture
def fake(tmp_path):
    f = FakeLambda(tmp_path, {KEY_ID: SECRET})
    yield f
    f.close()


@pytest.fixture
def manifest(tmp_path):
    """Three functions (the stand-in runs none of them): two AWS creates, one it refuses."""
    rows = []
    for name, runtime, handler, entry in [("cpp-provided.al2023", "provided.al2023", "bootstrap", "bootstrap"),
                                          ("go-go1.x", "go1.x", "hello", "hello"),
                                          ("python-python3.12", "python3.12", "lambda_function.handler",
                                           "lambda_function.py")]:
        z = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(z, "w") as f:
            f.writestr(entry, b"not run by the stand-in\n")
        rows.append(f"{name}\t{runtime}\t{handler}\t{z.name}\ttest {name}")
    m = tmp_path / "manifest.tsv"
    m.write_text("\n".join(rows) + "\n")
    return m


def env_for(fake, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_REGION="eu-west-1", AWS_CA_BUNDLE=str(fake.cert))
    return env


def bench_args(fake, manifest, out, *more):
    return [str(BIN / "lambdakit"), "bench", "--aws", "--role", ROLE, "--endpoint",
            f"https://127.0.0.1:{fake.port}", "--manifest", str(manifest), "--out", str(out),
            "--no-plots", *more]


def test_a_run_on_aws_is_signed_waits_for_active_reads_reports_and_deletes_everything(
        fake, manifest, tmp_path):
    out = tmp_path / "out"
    r = subprocess.run(bench_args(fake, manifest, out, "--runs", "2", "--padding-sizes", "none"),
                       capture_output=True, text=True, timeout=120, env=env_for(fake, tmp_path))
    assert r.returncode == 0, r.stderr
    assert "go-go1.x left out on AWS" in r.stderr
    assert all(s["verdict"] == "ok" for s in fake.seen), [s for s in fake.seen if s["verdict"] != "ok"]
    assert all(s["scope"].endswith("/eu-west-1/lambda") for s in fake.seen)
    assert fake.functions == {}, "bench left functions behind"
    assert len(fake.deleted) == 4  # 2 rounds x 2 functions
    waited = [s for s in fake.seen if s["path"].endswith("/configuration")]
    assert len(waited) == 8  # each function polled until Active: once Pending, then Active
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8
    assert {r["Function"] for r in rows} == {"cpp-provided.al2023", "python-python3.12"}
    for row in rows:
        assert row["status"] == "success"
        assert row["report_duration_ms"] == "1.500"
        assert row["max_memory_mb"] == "20"
        assert row["init_ms"] == ""  # no service phases on AWS
        if row["Warmth"] == "cold":
            assert row["report_init_duration_ms"] == "12.340"
            assert abs(float(row["Lambda_Duration"]) - 0.01384) < 1e-6
        else:
            assert row["report_init_duration_ms"] == ""
    assert "AWS Lambda, eu-west-1" in (out / "table.txt").read_text()


def test_an_api_error_fails_the_run_and_still_deletes_what_it_created(fake, manifest, tmp_path):
    fake.fail_invokes_of = "python"
    r = subprocess.run(bench_args(fake, manifest, tmp_path / "out", "--runs", "2"),
                       capture_output=True, text=True, timeout=120, env=env_for(fake, tmp_path))
    assert r.returncode == 1
    assert "answered 500" in r.stderr and "stand-in failure" in r.stderr
    assert fake.functions == {}
    assert any("python" in name for name in fake.deleted)


def test_ctrl_c_deletes_the_function_in_flight(fake, manifest, tmp_path):
    fake.invoke_delay = 0.5
    p = subprocess.Popen(bench_args(fake, manifest, tmp_path / "out", "--runs", "20"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env_for(fake, tmp_path))
    deadline = time.monotonic() + 30
    while not fake.invoked and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.invoked, "no invoke within 30 s"
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    assert p.returncode == 1
    assert "interrupted" in err
    assert fake.functions == {}
    assert len(fake.deleted) >= 1


@pytest.mark.parametrize("drop, message", [
    ("--role", "--aws needs --role"),
    ("AWS_REGION", "--aws needs a region"),
    ("AWS_ACCESS_KEY_ID", "--aws needs credentials"),
])
def test_what_aws_needs_is_named(fake, manifest, tmp_path, drop, message):
    env = env_for(fake, tmp_path)
    args = bench_args(fake, manifest, tmp_path / "out")
    if drop.startswith("--"):
        i = args.index(drop)
        del args[i:i + 2]
    else:
        del env[drop]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2
    assert message in r.stderr
    assert fake.seen == []
