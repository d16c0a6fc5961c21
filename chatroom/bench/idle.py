"""``python -m chatroom.bench.idle``: the memory of a server nobody is connected to.

It starts, on free loopback ports, the servers people run, and leaves them
idle:

- ``server``: ``twistd chatroom`` alone with its three doors (``--port``,
  ``--irc``, ``--http``) and a ``--db`` file, as most run it;
- ``node``: a node of a cluster on a private ``redis-server``, ``--port``
  and ``--redis`` alone, as ``chatroom-cluster --redis URL --port P``
  starts each of its nodes;
- ``node, 3 doors``: the same node with ``--irc`` and ``--http`` too.

Once each serves (a node: once it has joined its cluster) and
``--settle`` more seconds have passed, it prints each one's resident
memory three ways (:func:`~chatroom.bench.sampling.proc_memory_kib`):
RSS, PSS and USS. USS, the pages the process alone holds, is what each
node added to a machine costs; RSS also counts the pages of the shared
libraries (Python's, OpenSSL's, ICU's), which every node on the machine
shares. Each server is stopped before the next starts. Nothing here
asserts a size: the figures are for ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from chatroom.bench.errors import BenchError
from chatroom.bench.sampling import proc_memory_kib
from chatroom.bench.servers import (
    NO_REDIS,
    ServerCode,
    find_redis_server,
    free_port,
    start_cluster,
    start_server,
)

#: The doors besides ``--port``, each on a free loopback port.
OTHER_DOORS = ("--irc", "--http")

#: Starts a kind of server (its code, the redis-server binary); yields its pid.
Started = Callable[[ServerCode, str | None], AbstractContextManager[int]]


def _doors() -> list[str]:
    """``--irc`` and ``--http``, each on a port of its own."""
    options = []
    for door in OTHER_DOORS:
        options += [door, f"tcp:{free_port()}:interface=127.0.0.1"]
    return options


@contextmanager
def _server(code: ServerCode, redis_server: str | None) -> Iterator[int]:
    """A server alone with its three doors and a ``--db`` file; its pid."""
    with tempfile.TemporaryDirectory(prefix="chatroom-idle-") as directory:
        db = str(Path(directory) / "chatroom.sqlite3")
        started = start_server("chatroom", code, ["--db", db, *_doors()])
        try:
            assert started.target.pid is not None
            yield started.target.pid
        finally:
            started.stop()


def _node(doors: list[str]) -> Started:
    """One node of a cluster (with ``doors`` besides ``--port``) and its Redis."""

    @contextmanager
    def node(code: ServerCode, redis_server: str | None) -> Iterator[int]:
        if redis_server is None:
            raise BenchError(NO_REDIS)
        cluster = start_cluster(1, redis_server, code, doors)
        try:
            pid = cluster.nodes[0].target.pid
            assert pid is not None
            yield pid
        finally:
            cluster.stop()

    return node


def measure(
    code: ServerCode, redis_server: str | None, settle: float
) -> list[tuple[str, dict[str, int]]]:
    """Each kind of server's memory, idle ``settle`` seconds after it serves."""
    kinds: list[tuple[str, Started]] = [
        ("server", _server),
        ("node", _node([])),
        ("node, 3 doors", _node(_doors())),
    ]
    figures = []
    for label, start in kinds:
        try:
            with start(code, redis_server) as pid:
                time.sleep(settle)
                memory = proc_memory_kib(pid)
        except RuntimeError as problem:
            raise BenchError(f"cannot start the {label}: {problem}") from None
        if memory is None:
            raise BenchError(f"the {label} exited before it was measured")
        figures.append((label, memory))
    return figures


def report(figures: list[tuple[str, dict[str, int]]]) -> str:
    """The figures as a table, in MiB."""
    lines = [f"{'idle':<14} {'RSS MiB':>8} {'PSS MiB':>8} {'USS MiB':>8}"]
    for label, memory in figures:
        lines.append(
            f"{label:<14} "
            + " ".join(f"{memory[kind] / 1024:8.1f}" for kind in ("rss", "pss", "uss"))
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chatroom.bench.idle")
    parser.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="seconds each server is left idle once it serves (default 3)",
    )
    parser.add_argument("--redis-server", help="redis-server binary (default: PATH)")
    parser.add_argument(
        "--server-python", help="interpreter for the servers (default: this one)"
    )
    options = parser.parse_args(argv)
    code = ServerCode(options.server_python or sys.executable)
    redis_server = options.redis_server or find_redis_server()
    try:
        print(report(measure(code, redis_server, options.settle)))
    except BenchError as problem:
        print(f"python -m chatroom.bench.idle: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
