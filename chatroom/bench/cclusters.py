"""The cluster as one more server of the C generator's side-by-side runs.

``--c-servers chatroom-cluster2`` (1, 2 or 3 nodes) starts a private
``redis-server`` and that many ``twistd chatroom --redis`` nodes for each
run, as ``fanout --nodes`` does, and the generator spreads its clients over
the nodes' ports (``ports=`` in cgen.c: client ``i`` on node
``(i // rooms) % nodes``), so every room has members and senders on every
node and every message crosses Redis. Its CPU is the nodes' summed (what the
report compares with the single server, per delivery), each node's, and
Redis's apart.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chatroom.bench.errors import BenchError
from chatroom.bench.servers import (
    NO_REDIS,
    SERVER_OPTIONS,
    LoadTarget,
    NodesTarget,
    ServerCode,
    find_redis_server,
    serving,
    start_cluster,
)

#: A TCP socket's state in ``/proc/net/tcp`` once connected.
ESTABLISHED = "01"


def renice(pid: int, niceness: int) -> int:
    """Set every thread of ``pid`` to ``niceness``; the niceness it had
    (lowering it takes root: ``OSError`` otherwise)."""
    before = os.getpriority(os.PRIO_PROCESS, pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)
    return before


def redis_at_niceness(redis: int, niceness: int) -> None:
    """Redis at ``niceness`` (``--redis-nice``): the nodes wait on it, and
    preempted by them and the generator it holds every node's next turn
    (docs/performance.md, "Where two nodes' extra tail goes")."""
    try:
        renice(redis, niceness)
    except OSError as error:
        raise BenchError(
            f"--redis-nice {niceness}: {error.strerror} (lowering a niceness "
            "takes root)"
        ) from None


#: The cluster layouts ``--c-servers`` offers, and their node counts.
CLUSTER_KINDS = {f"chatroom-cluster{n}": n for n in (1, 2, 3)}


class ClusterTarget(NodesTarget):
    """The nodes of a cluster, each on its own port, and their Redis.

    As a :class:`NodesTarget` its CPU and memory are the nodes' summed;
    :meth:`parts` are the processes sampled one by one besides.
    """

    def __init__(
        self, ports: list[int], pids: list[int], redis_pid: int, label: str
    ) -> None:
        super().__init__("127.0.0.1", ports[0], pids, label, "line")
        self.ports = ports
        self.redis = LoadTarget("127.0.0.1", 0, redis_pid, "redis")

    def parts(self) -> list[LoadTarget]:
        """Each node, then Redis."""
        nodes = [
            LoadTarget("127.0.0.1", port, pid, f"node{number}")
            for number, (port, pid) in enumerate(
                zip(self.ports, self.pids, strict=True), 1
            )
        ]
        return [*nodes, self.redis]


def spread(target: LoadTarget) -> dict[str, Any]:
    """The generator's ``ports=`` for a cluster target (nothing otherwise)."""
    if isinstance(target, ClusterTarget):
        return {"ports": ",".join(str(port) for port in target.ports)}
    return {}


def parts(target: LoadTarget) -> list[LoadTarget]:
    """What is sampled apart from the target itself: a cluster's nodes and Redis."""
    return target.parts() if isinstance(target, ClusterTarget) else []


def clients_per_node(target: LoadTarget) -> list[int] | None:
    """How many clients each node of a cluster target holds (else None).

    Counted from the kernel's table of TCP sockets (``/proc/net/tcp``):
    established sockets of the node's process (by inode, from
    ``/proc/PID/fd``) whose local end is its port, so the report shows the
    clients really were spread over the nodes.
    """
    if not isinstance(target, ClusterTarget):
        return None
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    accepted: dict[str, int] = {}  # socket inode -> local port
    for line in lines:
        fields = line.split()
        if fields[3] == ESTABLISHED:
            accepted[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return [
        sum(accepted.get(inode) == port for inode in _socket_inodes(pid))
        for port, pid in zip(target.ports, target.pids, strict=True)
    ]


def _socket_inodes(pid: int) -> list[str]:
    """The inodes of the sockets process ``pid`` has open."""
    inodes = []
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(fd.path)
            except OSError:
                continue  # closed meanwhile
            if link.startswith("socket:["):
                inodes.append(link[8:-1])
    except OSError:
        return []
    return inodes


def check_redis(kinds: list[str], options: argparse.Namespace) -> None:
    """A cluster layout without a ``redis-server`` fails at once, not run by run."""
    if any(kind in CLUSTER_KINDS for kind in kinds) and not (
        options.redis_server or find_redis_server()
    ):
        raise BenchError(NO_REDIS)


@contextmanager
def serving_any(
    kind: str, options: argparse.Namespace, extra: list[str]
) -> Iterator[LoadTarget]:
    """A fresh server of ``kind`` for the ``with`` block, cluster or not."""
    nodes = CLUSTER_KINDS.get(kind)
    if nodes is None:
        with serving(kind, ServerCode.of(options), extra) as target:
            yield target
        return
    redis_server = options.redis_server or find_redis_server()
    if redis_server is None:
        raise BenchError(NO_REDIS)
    try:
        cluster = start_cluster(
            nodes, redis_server, ServerCode.of(options), SERVER_OPTIONS + extra
        )
    except RuntimeError as error:
        raise BenchError(f"cannot start {kind}: {error}") from None
    if options.redis_nice is not None:
        redis_at_niceness(cluster.redis.process.pid, options.redis_nice)
    target = ClusterTarget(
        [node.target.port for node in cluster.nodes],
        [node.process.pid for node in cluster.nodes],
        cluster.redis.process.pid,
        kind,
    )
    try:
        yield target
    except BenchError as error:
        raise BenchError(f"{error}\n{cluster.log_tails()[-4000:]}") from None
    finally:
        cluster.stop()
