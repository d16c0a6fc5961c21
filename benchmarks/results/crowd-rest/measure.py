"""One ``million`` run at 20k on 3 nodes from TREE, and its crowd at rest.

Usage: ``measure.py SIDE TREE TAG``. From 80 s after the crowd came in,
for :data:`WINDOW` seconds (one round of ``PING``s and their checks): each
node's and Redis's CPU from ``/proc`` (``TAG-rest.json``, % of a core),
``strace -c`` on the third node (``TAG-strace.txt``), py-spy on the second
(``TAG-spy.txt``). The benchmark's own report goes to ``TAG.out``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

PYTHON = "/work/main/.venv/bin/python"
PY_SPY = "/work/tools/bin/py-spy"
WINDOW = float(os.environ.get("WINDOW", 120))


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def ticks(pid: int) -> int:
    """User and system CPU, in clock ticks (100 a second)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def descriptors(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def load() -> list[str]:
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def main(side: str, tree: str, tag: str) -> None:
    out = open(f"/tmp/cr/{tag}.out", "w")  # noqa: SIM115 (the run's whole life)
    bench = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "chatroom.bench",
            "million",
            "--million",
            "20k",
            "--million-nodes",
            "3",
            "--million-hold",
            "230",
            "--json",
            f"/tmp/cr/{tag}.json",
        ],
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=tree),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    nodes: list[int] = []
    redis = 0
    while bench.poll() is None and len(nodes) < 3:
        time.sleep(1)
        for child in children(bench.pid):
            if "prefork" in command(child):
                nodes = sorted(children(child))
            if "redis-server" in command(child):
                redis = child
    print(side, "nodes", nodes, "redis", redis, file=sys.stderr)
    while sum(descriptors(pid) for pid in nodes) < 20000:
        time.sleep(0.5)
    filled = time.monotonic()
    print("filled", time.strftime("%T"), file=sys.stderr)
    time.sleep(max(0, filled + 80 - time.monotonic()))
    load_before = load()
    before = {pid: ticks(pid) for pid in [*nodes, redis]}
    spy = subprocess.Popen(
        [
            PY_SPY,
            "record",
            "--pid",
            str(nodes[1]),
            "--nonblocking",
            "--rate",
            "200",
            "--duration",
            str(int(WINDOW)),
            "--format",
            "raw",
            "-o",
            f"/tmp/cr/{tag}-spy.txt",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    strace = subprocess.Popen(
        [
            "timeout",
            str(WINDOW),
            "strace",
            "-c",
            "-p",
            str(nodes[2]),
            "-o",
            f"/tmp/cr/{tag}-strace.txt",
        ],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(WINDOW)
    after = {pid: ticks(pid) for pid in [*nodes, redis]}
    load_after = load()
    spy.wait()
    strace.wait()
    names = {redis: "redis"} | {pid: f"node{n + 1}" for n, pid in enumerate(nodes)}
    result = {
        "side": side,
        "window_s": WINDOW,
        "cpu_pct": {
            names[pid]: round((after[pid] - before[pid]) / WINDOW, 3) for pid in before
        },
        "fds": [descriptors(pid) for pid in nodes],
        "load_before": load_before,
        "load_after": load_after,
    }
    bench.wait()
    print(json.dumps(result), file=sys.stderr)
    with open(f"/tmp/cr/{tag}-rest.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
