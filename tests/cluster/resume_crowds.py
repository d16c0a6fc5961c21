"""Nodes with crowds that resume together, in one process: for
``tests/cluster/test_resume_storm.py`` and ``benchmarks/resume_storm.py``
(which loads this file by its path, so that it runs in an older tree too).

Each node is a real Redis registry and line door on the reactor, its
clients in-process connections (``FakeClient``); user i of every node is
in room ``r{i // ROOM}``, each room made at start (``--rooms``). A storm
drops every node's commands link to Redis in one reactor turn: each
reconnects within about 0.1 s and resumes, all of them together, as
after an outage.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, cast

from twisted.internet import reactor, task
from twisted.logger import ILogObserver, globalLogPublisher

from chatroom.core.model.config import ClusterConfig, ServerConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.redisclient.deadlines import TICKS
from tests.cluster.support import stepped_registry
from tests.support import FakeClient, redis_backend

#: Members of a room.
ROOM = 100

#: Sign-ins a reactor turn, while the crowd comes.
BATCH = 200


def config(users: int, room: int = ROOM) -> ServerConfig:
    """The nodes' settings: ``users`` per node's rooms of ``room`` (of
    each node's) made at start (``--rooms``), as big as the nodes' members
    of them need."""
    rooms = tuple(f"r{i}" for i in range((users + room - 1) // room))
    return ServerConfig(
        rate=0,
        max_per_ip=0,
        max_clients=0,
        room_capacity=100_000,
        rooms=rooms,
        ping_interval=86_400,  # the clients answer no PING: none is sent
    )


class Resumes:
    """The log's count, per node, of resumes finished (``in the cluster``)
    and of calls Redis did not answer in time."""

    def __init__(self) -> None:
        self.finished: Counter[str] = Counter()
        self.late: Counter[str] = Counter()
        globalLogPublisher.addObserver(cast(ILogObserver, self.observe))

    def observe(self, event: dict[str, Any]) -> None:
        form = event.get("log_format")
        if form == "node {node}: in the cluster":
            self.finished[event["node"]] += 1
        elif form == "Redis did not answer {what} in time":
            self.late[str(event["what"])] += 1

    def stop(self) -> None:
        globalLogPublisher.removeObserver(cast(ILogObserver, self.observe))


def start_node(url: str, node_id: str, settings: ServerConfig) -> DoorHub:
    """A chat node on the Redis at ``url`` (its core and links on the
    reactor), started."""
    cluster = ClusterConfig(RedisAddress.parse(url), node_id=node_id)
    registry = stepped_registry(settings, cluster, reactor)
    hub = DoorHub(settings, clock=reactor, registry=registry)
    hub.start()
    return hub


def time_out_after(hubs: list[DoorHub], timeout: float) -> None:
    """The nodes' calls time out after ``timeout`` from now on, as at
    ``--redis-timeout`` ``timeout``: a crowd comes at the default (a loaded
    machine's sign-ins overrun a short one), and the storm is at this."""
    for hub in hubs:
        deadlines = redis_backend(hub).calls.deadlines
        deadlines.timeout = timeout
        deadlines.tick = timeout / TICKS


async def wait_for(check: Any, bound: float, what: str) -> None:
    """Until ``check()`` is true, looking each reactor turn, for at most
    ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} in {bound} s")
        await task.deferLater(reactor, 0.005, lambda: None)


async def answered(asked: list[tuple[FakeClient, str]], answer: bytes) -> None:
    """Each client of ``asked`` has said its line and heard ``answer``; a
    client refused (``ERR``: Redis slow on a loaded machine) says it again."""
    for client, line in asked:
        client.send(line)
    waiting = list(asked)
    deadline = time.monotonic() + 120
    while waiting:
        if time.monotonic() > deadline:
            said = waiting[0][0].transport.value()[-200:]
            raise AssertionError(f"no {answer!r} to {waiting[0][1]}: {said!r}")
        await task.deferLater(reactor, 0.005, lambda: None)
        left = []
        for client, line in waiting:
            heard = client.transport.value()
            if answer in heard:
                client.transport.clear()
            elif b"ERR " in heard:
                client.transport.clear()
                client.send(line)
                left.append((client, line))
            else:
                left.append((client, line))
        waiting = left


async def crowd(
    hub: DoorHub, node: str, size: int, room: int = ROOM
) -> list[FakeClient]:
    """``size`` clients of ``hub``, named ``{node}u{i}``, each in room
    ``r{i // room}``, :data:`BATCH` at a time."""
    clients: list[FakeClient] = []
    for start in range(0, size, BATCH):
        batch = [FakeClient(hub) for _ in range(start, min(size, start + BATCH))]
        await answered(
            [(c, f"{node}u{i}") for i, c in enumerate(batch, start)], b"WELCOME "
        )
        await answered(
            [(c, f"/join r{i // room}") for i, c in enumerate(batch, start)],
            b"JOINED ",
        )
        clients += batch
    return clients


def resuming(hubs: list[DoorHub]) -> bool:
    """Whether any node is not serving, or has a resume under way or asked for."""
    for hub in hubs:
        node = redis_backend(hub).node
        if not node.available or node._resuming or node._resume_again:
            return True
    return False


async def storm(
    hubs: list[DoorHub], resumes: Resumes, meanwhile: Any = None
) -> tuple[float, list[int]]:
    """Every node's commands link dropped in one turn; the seconds until
    every node served again, and each node's resumes meanwhile.
    ``meanwhile``: called once a node does not serve, before all do again."""
    before = dict(resumes.finished)
    started = time.monotonic()
    for hub in hubs:
        redis_backend(hub).calls.commands.drop()
    await wait_for(lambda: resuming(hubs), 10, "dropped")
    if meanwhile is not None:
        meanwhile()
    await wait_for(lambda: not resuming(hubs), 300, "resumed")
    took = time.monotonic() - started
    ids = [redis_backend(hub).node.id for hub in hubs]
    return took, [resumes.finished[n] - before.get(n, 0) for n in ids]
