"""/proc helpers for the service tests: which processes the service started, and whether they
are still alive (zombies count as gone)."""

from __future__ import annotations

import os
import time
from pathlib import Path


# --- /proc --------------------------------------------------------------------------------------

def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, starttime) of pid, or None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # comm may hold spaces and parentheses
    return fields[0], int(fields[1]), int(fields[19])


def proc_alive(pid: int, starttime: int | None = None) -> bool:
    """True while pid runs (zombies count as gone); with starttime, only if it is the same process."""
    st = proc_stat(pid)
    if st is None or st[0] in ("Z", "X"):
        return False
    return starttime is None or st[2] == starttime


def proc_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "<gone>"


def descendants(root_pid: int) -> dict[int, int]:
    """pid -> starttime for every live (non-zombie) descendant of root_pid."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = proc_stat(int(entry))
        if st is not None and st[0] not in ("Z", "X"):
            children.setdefault(st[1], []).append((int(entry), st[2]))
    out: dict[int, int] = {}
    todo = [root_pid]
    while todo:
        for pid, start in children.get(todo.pop(), []):
            out[pid] = start
            todo.append(pid)
    return out


def wait_until(predicate, timeout: float, interval: float = 0.02, what: str = "condition"):
    """Poll predicate() until it returns a truthy value (returned) or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
