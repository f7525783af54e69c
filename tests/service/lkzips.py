"""Zips for the service tests: the example binaries and the peers in functions/ as provided.*
functions, and hand-made zips (modes, symbolic links, unsafe names) for the code-store tests."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = Path(__file__).resolve().parent / "functions"


def bin_dir() -> Path:
    return Path(os.environ.get("LAMBDAKIT_BIN_DIR", REPO_ROOT / "build" / "bin"))


def example_binary(name: str) -> Path:
    path = bin_dir() / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"example binary {name!r} not found/executable at {path}. "
                    "Run `make build` or set LAMBDAKIT_BIN_DIR.", pytrace=False)
    return path


# --- zips ---------------------------------------------------------------------------------------

def make_zip(files: dict[str, bytes | tuple[bytes, int]],
             symlinks: dict[str, str] | None = None,
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip as the Lambda console/CLI would upload it. `files` maps archive name -> bytes or
    (bytes, unix mode); `symlinks` maps archive name -> link target (stored the way Info-ZIP's
    `zip -y` stores links: S_IFLNK mode, the target as the entry's data). Names are written
    exactly as given, so '../x' and '/x' reach the archive unchanged."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, value in files.items():
            data, mode = value if isinstance(value, tuple) else (value, 0o644)
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3  # Unix: unzip honours the mode bits below
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = compression
            zf.writestr(info, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target.encode())
    return buf.getvalue()


@lru_cache(maxsize=None)
def example_zip(name: str) -> bytes:
    """The example binary `name` as a provided.* function: the zip's root holds `bootstrap`, 0755."""
    return make_zip({"bootstrap": (example_binary(name).read_bytes(), 0o755)})


def python_script_bytes(path: Path) -> bytes:
    """A Python script with its `#!/usr/bin/env python3` line pointed at the interpreter running
    the tests, so it does not depend on the PATH the service gives functions (Lambda's is
    /usr/local/bin:/usr/bin/:/bin:/opt/bin)."""
    src = path.read_bytes()
    first, _, rest = src.partition(b"\n")
    assert first.startswith(b"#!"), f"{path} has no shebang line"
    return b"#!" + sys.executable.encode() + b"\n" + rest


def peer_bootstrap_bytes(peer: str) -> bytes:
    """tests/service/functions/<peer>/bootstrap, see python_script_bytes."""
    return python_script_bytes(FUNCTIONS_DIR / peer / "bootstrap")


@lru_cache(maxsize=None)
def peer_zip(peer: str) -> bytes:
    return make_zip({"bootstrap": (peer_bootstrap_bytes(peer), 0o755)})


def code_sha256(zip_bytes: bytes) -> str:
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
