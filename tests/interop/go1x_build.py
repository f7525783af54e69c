"""Building the Go programs of tests/interop/go1x (rpcdrive, vectors, hello, echo), once per source.

The binaries are cached under ~/.cache/lambdakit/go1x/<key> (or $LAMBDAKIT_GO1X_CACHE/<key>), where
the key hashes every .go file, go.mod and go.sum, the Go version, GOOS/GOARCH, GOFLAGS and the
build flags: any change of source or toolchain builds afresh, an unchanged tree reuses the last
build. A build goes to a temporary directory that is renamed into place only when complete.

Configuration: LAMBDAKIT_GO (the go command; default: `go` on PATH, else /usr/local/go/bin/go),
LAMBDAKIT_GO1X_CACHE. No Go toolchain, or a failed build, FAILS the test (never skips).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

GO_MODULE = Path(__file__).resolve().parent / "go1x"
PROGRAMS = ("rpcdrive", "vectors", "hello", "echo")
BUILD_FLAGS = ("-trimpath", "-ldflags=-s -w")
BUILD_TIMEOUT_S = 900.0  # a cold module download and build on a 2-core machine


def go_tool() -> str:
    explicit = os.environ.get("LAMBDAKIT_GO")
    candidates = [explicit] if explicit else [shutil.which("go"), "/usr/local/go/bin/go"]
    for go in candidates:
        if go and os.access(go, os.X_OK):
            return go
    pytest.fail("no Go toolchain found (set LAMBDAKIT_GO, or install Go >= 1.26 on PATH or in "
                "/usr/local/go): the go1.x interop tests build their Go programs with it", pytrace=False)


def go_env(go: str) -> dict[str, str]:
    """GOVERSION, GOOS, GOARCH, GOFLAGS as the module's go command sees them (GOTOOLCHAIN applied)."""
    r = subprocess.run([go, "env", "-json", "GOVERSION", "GOOS", "GOARCH", "GOFLAGS"], cwd=GO_MODULE,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.fail(f"`{go} env` failed in {GO_MODULE}:\n{r.stderr}", pytrace=False)
    return json.loads(r.stdout)


def go_minor(env: dict[str, str]) -> int:
    """21 for go1.21.x (a development toolchain counts as the newest)."""
    version = env["GOVERSION"]
    if not version.startswith("go1."):
        return 1 << 30
    return int(version[4:].split(".")[0].split("rc")[0].split("beta")[0])


def source_key(env: dict[str, str]) -> str:
    h = hashlib.sha256()
    files = [GO_MODULE / "go.mod", GO_MODULE / "go.sum", *sorted(GO_MODULE.rglob("*.go"))]
    for path in files:
        h.update(str(path.relative_to(GO_MODULE)).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(json.dumps([env, BUILD_FLAGS], sort_keys=True).encode())
    return h.hexdigest()[:24]


def cache_root() -> Path:
    explicit = os.environ.get("LAMBDAKIT_GO1X_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lambdakit" / "go1x"


def _complete(d: Path) -> bool:
    return all((d / p).is_file() and os.access(d / p, os.X_OK) for p in PROGRAMS)


def build() -> tuple[Path, dict[str, str]]:
    """The directory holding the four binaries (built now, or reused), and the go env used."""
    go = go_tool()
    env = go_env(go)
    root = cache_root()
    final = root / source_key(env)
    if _complete(final):
        return final, env
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="building-", dir=root))
    cmd = [go, "build", *BUILD_FLAGS, "-o", f"{tmp}{os.sep}", *(f"./cmd/{p}" for p in PROGRAMS)]
    try:
        r = subprocess.run(cmd, cwd=GO_MODULE, env={**os.environ, "CGO_ENABLED": "0"},
                           capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"`{' '.join(cmd)}` took longer than {BUILD_TIMEOUT_S:.0f}s", pytrace=False)
    if r.returncode != 0 or not _complete(tmp):
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"building the go1.x test programs failed (in {GO_MODULE}):\n$ {' '.join(cmd)}\n"
                    f"{r.stdout}{r.stderr}", pytrace=False)
    if final.exists() and not _complete(final):
        shutil.rmtree(final, ignore_errors=True)  # a damaged cache entry
    try:
        tmp.rename(final)
    except OSError:  # another session published the same key first: use theirs
        shutil.rmtree(tmp, ignore_errors=True)
    if not _complete(final):
        pytest.fail(f"go1.x test programs missing from {final} after the build", pytrace=False)
    return final, env
