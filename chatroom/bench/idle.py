"""``python -m chatroom.bench.idle``: the memory of a server nobody is connected to.

It starts, on free loopback ports, the servers people run, and leaves them
idle:

- ``server``: ``twistd chatroom`` alone with its three doors (``--port``,
  ``--irc``, ``--http``) and a ``--db`` file, as most run it;
- ``node``: a node of a cluster on a private ``redis-server``, ``--port``
  and ``--redis`` alone, as ``chatroom-cluster --redis URL --port P``
  starts each of its nodes;
- ``node, 3 doors``: the same node with ``--irc`` and ``--http`` too;
- ``cluster node``: one of two nodes that ``chatroom-cluster --workers 2``
  starts with the three doors (forked from the launcher, which imported
  their code once: :mod:`chatroom.wiring.prefork`), and ``its launcher``.

Once each serves (a node: once it has joined its cluster) and
``--settle`` more seconds have passed, it prints each one's resident
memory three ways (:func:`~chatroom.bench.sampling.proc_memory_kib`):
RSS, PSS and USS. USS, the pages the process alone holds, is what each
node added to a machine costs; RSS also counts the pages of the shared
libraries (Python's, OpenSSL's, ICU's), which every node on the machine
shares, and a forked node's USS leaves out the pages it still shares with
its launcher and the other nodes. Each server is stopped before the next
starts. Nothing here asserts a size: the figures are for
``docs/performance.md``.
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
    _spawn,
    find_redis_server,
    free_port,
    start_cluster,
    start_redis,
    start_server,
)

#: The doors besides ``--port``, each on a free loopback port.
OTHER_DOORS = ("--irc", "--http")

#: Starts a kind of server (its code, the redis-server binary); yields the
#: processes to measure, each with its label (the kind's own first).
Measured = list[tuple[str, int]]
Started = Callable[[ServerCode, str | None], AbstractContextManager[Measured]]

#: The nodes ``chatroom-cluster`` is asked for (one is measured): with two,
#: what a forked node shares, it shares with another node too.
CLUSTER_WORKERS = 2


def _doors() -> list[str]:
    """``--irc`` and ``--http``, each on a port of its own."""
    options = []
    for door in OTHER_DOORS:
        options += [door, f"tcp:{free_port()}:interface=127.0.0.1"]
    return options


@contextmanager
def _server(code: ServerCode, redis_server: str | None) -> Iterator[Measured]:
    """A server alone with its three doors and a ``--db`` file; its pid."""
    with tempfile.TemporaryDirectory(prefix="chatroom-idle-") as directory:
        db = str(Path(directory) / "chatroom.sqlite3")
        started = start_server("chatroom", code, ["--db", db, *_doors()])
        try:
            assert started.target.pid is not None
            yield [("server", started.target.pid)]
        finally:
            started.stop()


def _node(label: str, doors: list[str]) -> Started:
    """One node of a cluster (with ``doors`` besides ``--port``) and its Redis."""

    @contextmanager
    def node(code: ServerCode, redis_server: str | None) -> Iterator[Measured]:
        if redis_server is None:
            raise BenchError(NO_REDIS)
        cluster = start_cluster(1, redis_server, code, doors)
        try:
            pid = cluster.nodes[0].target.pid
            assert pid is not None
            yield [(label, pid)]
        finally:
            cluster.stop()

    return node


@contextmanager
def _cluster_node(code: ServerCode, redis_server: str | None) -> Iterator[Measured]:
    """``chatroom-cluster`` with the three doors and two nodes, on its own
    Redis: its first node, then the launcher."""
    if redis_server is None:
        raise BenchError(NO_REDIS)
    redis = start_redis(redis_server)
    port = free_port()
    argv = [
        code.python, "-m", "chatroom.wiring.cluster",
        "--workers", str(CLUSTER_WORKERS), "--node-id", "idle",
        "--redis", f"redis://127.0.0.1:{redis.target.port}/0",
        "--port", f"tcp:{port}:interface=127.0.0.1", *_doors(),
    ]  # fmt: skip
    launcher = _spawn(argv, "chatroom-cluster", port, root=code.root)
    try:
        for number in range(1, CLUSTER_WORKERS + 1):
            launcher.wait_until(
                launcher.logged(f"node idle-{number}: in the cluster"),
                "join the cluster",
                60,
            )
        pid = launcher.target.pid
        assert pid is not None
        yield [("cluster node", _first_child(pid)), ("its launcher", pid)]
    finally:
        launcher.stop()
        redis.stop()


def _first_child(pid: int) -> int:
    """The first process ``pid`` started that is still running."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    if not children:
        raise BenchError("chatroom-cluster has no node running")
    return min(int(child) for child in children)


def measure(
    code: ServerCode, redis_server: str | None, settle: float
) -> list[tuple[str, dict[str, int]]]:
    """Each kind of server's memory, idle ``settle`` seconds after it serves."""
    kinds: list[tuple[str, Started]] = [
        ("server", _server),
        ("node", _node("node", [])),
        ("node, 3 doors", _node("node, 3 doors", _doors())),
        ("cluster node", _cluster_node),
    ]
    figures = []
    for kind, start in kinds:
        try:
            with start(code, redis_server) as processes:
                time.sleep(settle)
                measured = [(label, proc_memory_kib(pid)) for label, pid in processes]
        except RuntimeError as problem:
            raise BenchError(f"cannot start the {kind}: {problem}") from None
        for label, memory in measured:
            if memory is None:
                raise BenchError(f"the {label} exited before it was measured")
            figures.append((label, memory))
    return figures


def report(figures: list[tuple[str, dict[str, int]]]) -> str:
    """The figures as a table, in MiB."""
    lines = [f"{'idle':<15} {'RSS MiB':>8} {'PSS MiB':>8} {'USS MiB':>8}"]
    for label, memory in figures:
        lines.append(
            f"{label:<15} "
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
    parser.add_argument(
        "--server-tree",
        type=Path,
        help="the checkout the servers run, to compare another revision "
        "(default: this one)",
    )
    options = parser.parse_args(argv)
    code = ServerCode(options.server_python or sys.executable)
    if options.server_tree is not None:
        code = ServerCode(code.python, options.server_tree.resolve())
    redis_server = options.redis_server or find_redis_server()
    try:
        print(report(measure(code, redis_server, options.settle)))
    except BenchError as problem:
        print(f"python -m chatroom.bench.idle: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
