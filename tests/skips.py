"""Which tests skipped, and why: `make test` lists them at its end, so a skip is never silent.

Two halves:

* a pytest plugin. `python3 -m pytest -p tests.skips --skip-report FILE ...` writes FILE (JSON)
  at the end of the session: how many tests were selected, and every test that skipped (at
  collection, in a fixture or in the test) with its reason, as `-rs` shows it;

* a report. `python3 tests/skips.py report DIR SUITE...` reads, for each SUITE, DIR/SUITE.json
  (written by the plugin) or DIR/SUITE.xml (written by `ctest --output-junit`), and prints every
  skipped test with its reason, or "no tests skipped". It fails if a suite left no results, ran
  no test at all or (pytest) did not exit 0, so the report cannot be vacuous either.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# --- pytest plugin ------------------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption("--skip-report", metavar="FILE", default=None,
                     help="write the selected test count and every skipped test (JSON) to FILE")


def pytest_configure(config):
    path = config.getoption("skip_report")
    if path:
        config.pluginmanager.register(_SkipRecorder(Path(path)), "lambdakit-skip-recorder")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, lineno, "Skipped: why")
        path, lineno, reason = longrepr  # lineno counts from 1, as -rs prints it
        reason = str(reason)
        if reason.startswith("Skipped: "):
            reason = reason[len("Skipped: "):]
        try:
            path = Path(path).resolve().relative_to(Path.cwd())
        except ValueError:
            pass
        return f"{reason} ({path}:{lineno})"
    return str(longrepr)


class _SkipRecorder:
    def __init__(self, path: Path):
        self.path = path
        self.skipped: list[dict] = []
        self.xfailed: list[dict] = []

    def _record(self, report):
        if not report.skipped:
            return
        if hasattr(report, "wasxfail"):
            self.xfailed.append({"test": report.nodeid, "reason": report.wasxfail or "xfail"})
        else:
            self.skipped.append({"test": report.nodeid, "reason": _skip_reason(report)})

    def pytest_runtest_logreport(self, report):
        self._record(report)

    def pytest_collectreport(self, report):
        self._record(report)

    def pytest_sessionfinish(self, session, exitstatus):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({
            "tests": len(getattr(session, "items", [])),
            "exitstatus": int(exitstatus),
            "skipped": self.skipped,
            "xfailed": self.xfailed,
        }, indent=1) + "\n")


# --- the report ---------------------------------------------------------------------------------


def _gtest_reason(output: str) -> str:
    """GTEST_SKIP() prints `file:line: Skipped` and then its message."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.rstrip().endswith(": Skipped"):
            rest = []
            for follow in lines[i + 1:]:
                if not follow.strip() or follow.startswith("[ "):
                    break
                rest.append(follow.strip())
            return " ".join(rest) or line.strip()
    return ""


def _ctest_results(path: Path) -> tuple[int, list[dict]]:
    root = ET.parse(path).getroot()
    cases = root.iter("testcase")
    count, skipped = 0, []
    for case in cases:
        count += 1
        status = case.get("status", "")
        if status not in ("notrun", "disabled"):
            continue
        element = case.find("skipped")
        output = case.findtext("system-out") or ""
        why = element.get("message", "") if element is not None else status
        detail = _gtest_reason(output)
        if not detail and status == "notrun":
            tail = [ln.strip() for ln in output.splitlines() if ln.strip()]
            detail = tail[-1] if tail else ""
        reason = f"{detail} ({why})" if detail and detail != why else why
        skipped.append({"test": case.get("name", "?"), "reason": reason})
    return count, skipped


def report(results: Path, suites: list[str]) -> int:
    problems, counts, skips, xfails = [], [], [], []
    for suite in suites:
        js, xml = results / f"{suite}.json", results / f"{suite}.xml"
        if js.exists():
            doc = json.loads(js.read_text())
            count, skipped, xfailed = doc["tests"], doc["skipped"], doc["xfailed"]
            if doc["exitstatus"] != 0:
                problems.append(f"{suite}: pytest exited with status {doc['exitstatus']}")
        elif xml.exists():
            (count, skipped), xfailed = _ctest_results(xml), []
        else:
            problems.append(f"{suite}: no results in {results} (did the suite run?)")
            continue
        if count == 0:
            problems.append(f"{suite}: ran no tests")
        counts.append(f"{suite} {count}")
        skips += [f"  {suite}: {s['test']}\n      {s['reason']}" for s in skipped]
        xfails += [f"  {suite}: {s['test']}\n      {s['reason']}" for s in xfailed]
    print(f"\ntests selected: {', '.join(counts) or 'none'}")
    if skips:
        print(f"{len(skips)} test(s) skipped:")
        print("\n".join(skips))
    else:
        print("no tests skipped")
    if xfails:
        print(f"{len(xfails)} test(s) expected to fail (xfail):")
        print("\n".join(xfails))
    sys.stdout.flush()
    for p in problems:
        print(f"skips: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "report":
        sys.exit(f"usage: {sys.argv[0]} report RESULTS_DIR SUITE...")
    sys.exit(report(Path(sys.argv[2]), sys.argv[3:]))
