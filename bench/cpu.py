"""CPU meters of the stack's processes, read from Linux /proc: how many CPU seconds each
has spent so far, so that a run's share is the difference of two readings."""

import contextlib
import math
import os
from collections.abc import Callable
from pathlib import Path

Meter = Callable[[], float]  # CPU seconds a process has spent so far


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (field 3 on)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and of all its descendants so far, those
    that ended included (a PostgreSQL backend is a child of the postmaster); Linux /proc,
    NaN elsewhere."""
    try:
        own = _stat(pid)
    except OSError:
        return math.nan
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                children.setdefault(int(_stat(entry.name)[1]), []).append(int(entry.name))
    ticks, todo = sum(int(f) for f in own[11:15]), children.get(pid, [])  # utime stime cutime cstime
    while todo:
        child = todo.pop()
        with contextlib.suppress(OSError):
            ticks += sum(int(f) for f in _stat(child)[11:15])
        todo += children.get(child, [])
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process alone: the stack's processes are its children."""
    times = os.times()
    return times.user + times.system
