"""What the kernel says about a process: CPU time and resident memory.

Every figure comes from ``/proc/PID`` because only the kernel's figures
include everything (the interpreter, the heap, socket bookkeeping in user
space), and because the same reading works for a Python server, a PyPy
server, ``redis-server`` and the C load generator alike.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from chatroom.bench.errors import BenchError


def _proc_file(pid: int | None, name: str) -> str | None:
    """``/proc/PID/NAME``, or None if there is no such process (any more)."""
    if pid is None:
        return None
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return None


def proc_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU of ``pid`` so far, from ``/proc/PID/stat``."""
    stat = _proc_file(pid, "stat")
    if stat is None:
        return None
    fields = stat.rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def proc_rss_kib(pid: int | None) -> int | None:
    """Resident memory of ``pid`` (``VmRSS``), in KiB."""
    status = _proc_file(pid, "status")
    if status is None:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def proc_memory_kib(pid: int | None) -> dict[str, int] | None:
    """``pid``'s resident memory three ways, in KiB, from
    ``/proc/PID/smaps_rollup``: ``rss`` (every page it maps, shared
    libraries included), ``pss`` (a shared page divided among the processes
    mapping it) and ``uss`` (its private pages alone: what another node of
    the same code adds to the machine)."""
    rollup = _proc_file(pid, "smaps_rollup")
    if rollup is None:
        return None
    kib = {}
    for line in rollup.splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            kib[name] = int(value.split()[0])
    return {
        "rss": kib["Rss"],
        "pss": kib["Pss"],
        "uss": kib["Private_Clean"] + kib["Private_Dirty"],
    }


def raise_nofile_limit() -> None:
    """Allow as many descriptors as the hard limit does: thousands of sockets.

    Called by the coordinator, the Python generator's workers, and (before
    exec) every server the benchmark starts.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_percent(seconds: float | None, wall: float) -> float | None:
    """CPU seconds over wall seconds, as % of one core (None if unknown)."""
    if seconds is None or wall <= 0:
        return None
    return round(100 * seconds / wall, 1)


def total(values: Sequence[float | int | None]) -> Any:
    """The sum, or None if any part is unknown (a half-known total misleads)."""
    if not values or None in values:
        return None
    return round(sum(v for v in values if v is not None), 1)


class Sampled(Protocol):
    """Anything whose CPU and memory can be read (a server, Redis, a generator)."""

    def cpu_seconds(self) -> float | None: ...

    def rss_kib(self) -> int | None: ...


Sample = tuple[float | None, int | None]


def monitor(
    targets: Sequence[Sampled], t0: float, marks: list[float]
) -> list[list[Sample]]:
    """Each process's (CPU seconds, RSS KiB) at each mark (seconds after ``t0``).

    ``samples[mark][process]``; RSS is the maximum seen since the last mark,
    read every quarter second, so a short peak between marks is not missed.
    """
    samples: list[list[Sample]] = []
    peaks: list[int | None] = [None] * len(targets)
    for mark in marks:
        while True:
            left = t0 + mark - time.time()
            for position, target in enumerate(targets):
                rss, peak = target.rss_kib(), peaks[position]
                if rss is not None:
                    peaks[position] = rss if peak is None else max(peak, rss)
            if left <= 0:
                break
            time.sleep(min(left, 0.25))
        samples.append(
            [(t.cpu_seconds(), peak) for t, peak in zip(targets, peaks, strict=True)]
        )
        peaks = [None] * len(targets)
    return samples


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        # Other processes' load shares the cores; a busy machine shows here.
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def interpreter(python: str) -> str:
    """Which Python ``python`` is (e.g. ``PyPy 3.9.16``): what servers run on."""
    probe = "import platform as p; print(p.python_implementation(), p.python_version())"
    try:
        return subprocess.run(
            [python, "-c", probe],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchError(f"cannot run {python}: {error}") from None
