"""`lambdakit bench --quick` end to end: the functions built by scripts/bench-functions, every row
of the experiment present, the CSV with the study's columns and one row per invocation, valid PNG
and SVG plots, and an HTML report that references them and renders in a real headless browser
(Debian's chromium) with no console errors."""

import csv
import json
import os
import shutil
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LAMBDAKIT_BIN_DIR", ROOT / "build/bin"))
MANIFEST = ROOT / "build/bench/functions/manifest.tsv"

# Every function the experiment compares: C++ on each of the four paths, and the baselines.
EXPECTED = [
    "cpp-provided.al2023",
    "cpp-provided.al2023-bundle",
    "cpp-provided.al2023-static",
    "cpp-go1.x",
    "cpp-python3.12",
    "cpp-nodejs20.x",
    "go-go1.x",
    "go-provided.al2023",
    "python-python3.12",
    "nodejs-nodejs20.x",
    "rust-provided.al2023",
]
STUDY_COLUMNS = ["Function", "Lambda_Size", "Time", "Warmth", "Duration", "Lambda_Duration",
                 "Function_Duration"]


@pytest.fixture(scope="module")
def functions():
    r = subprocess.run([str(ROOT / "scripts/bench-functions")], capture_output=True, text=True,
                       timeout=1800)
    assert r.returncode == 0, r.stderr[-4000:]
    return [line.split("\t")[0] for line in MANIFEST.read_text().splitlines()
            if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def run(functions, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    r = subprocess.run([str(BIN / "lambdakit"), "bench", "--quick", "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return out, r.stdout


def test_every_function_is_built(functions):
    assert functions == EXPECTED


def test_the_table_has_every_function(run):
    _, stdout = run
    for name in EXPECTED:
        assert f"  {name} " in stdout, stdout
    assert "cold start, phase by phase" in stdout
    assert "ms/MB" in stdout  # the padding fit


def test_the_csv_has_the_studys_columns_and_every_invocation(run):
    out, _ = run
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
        header = rows[0].keys() if rows else []
    assert list(header)[:7] == STUDY_COLUMNS
    for name in EXPECTED:
        mine = [r for r in rows if r["Function"] == name]
        assert [r["Warmth"] for r in mine].count("cold") == 3, name
        assert [r["Warmth"] for r in mine].count("warm") == 3, name
        for r in mine:
            assert r["status"] == "success", r
            assert float(r["Duration"]) > 0
            assert float(r["client_ms"]) > 0
            if r["Warmth"] == "cold":
                assert float(r["init_ms"]) > 0 and float(r["spawn_ms"]) >= 0, r
                assert float(r["create_ms"]) > 0
    padded = [r for r in rows if int(r["padding_bytes"]) > 0]
    assert len(padded) == 4  # --quick: 2 sizes x 2 runs
    assert {int(r["padding_bytes"]) for r in padded} == {1_000_000, 10_000_000}
    assert all(int(r["zip_bytes"]) > int(r["padding_bytes"]) for r in padded)


def test_the_summary_holds_every_function(run):
    out, _ = run
    s = json.loads((out / "summary.json").read_text())
    assert [f["function"] for f in s["functions"]] == EXPECTED
    assert s["run"]["rounds"] == 3
    for f in s["functions"]:
        assert f["cold"]["count"] == 3 and f["warm"]["count"] == 3
        assert f["zip_bytes"] > 0 and f["unzipped_bytes"] >= f["zip_bytes"] * 0.5
    assert s["padding"]["create"]["points"] == 4


def test_the_plots_are_valid_png_and_svg(run):
    out, _ = run
    for stem in ("coldwarm", "padding"):
        png = (out / f"{stem}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000, stem
        svg = xml.dom.minidom.parse(str(out / f"{stem}.svg"))
        assert svg.documentElement.tagName == "svg"


def test_the_report_references_the_plots_and_renders(run):
    out, _ = run
    page = (out / "report.html").read_text()
    assert 'src="coldwarm.svg"' in page and 'src="padding.svg"' in page
    for name in EXPECTED:
        assert name in page
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/install-deps installs Debian's chromium)")
    shot = out / "report.png"
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
                        "--window-size=1400,2000", (out / "report.html").as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    console_errors = [l for l in r.stderr.splitlines()
                      if ("CONSOLE" in l and "ERROR" in l.upper()) or "ERR_FILE_NOT_FOUND" in l
                      or "Failed to load resource" in l]
    assert not console_errors, console_errors
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_a_function_that_is_not_there_is_named(functions, tmp_path):
    r = subprocess.run([str(BIN / "lambdakit"), "bench", "--quick", "--functions", "nope",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "no function named \"nope\"; there are: cpp-provided.al2023" in r.stderr


def test_a_missing_manifest_says_how_to_make_it(tmp_path):
    r = subprocess.run([str(BIN / "lambdakit"), "bench", "--manifest", str(tmp_path / "m.tsv"),
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "run scripts/bench-functions" in r.stderr
