"""The property-based tests on two Redis-backed nodes (issue 36).

``tests/core/test_properties.py`` runs Hypothesis's scripts (connects, commands,
junk bytes, partial lines, disconnects from four clients) on one server;
here the same scripts run on two nodes sharing a real redis-server, the
clients spread over both (even slots on the first, odd on the second), and
after every step the same invariants (:func:`check_snapshot`) are checked
against what Redis holds: each name held once in the whole cluster, by the
client that says it has it; each room's members exactly the clients in it
on either node; no room left empty; every line sent clean.

Hypothesis cannot await, so it draws the scripts first and the test runs
each against the cluster (no shrinking: a failure names its whole script).
The step "wait" jumps a fake clock in the one-server test; real nodes run
on the reactor's clock, so here it passes nothing (:meth:`ClientSlots.wait`).
"""

from __future__ import annotations

from typing import Any

import txredisapi
from hypothesis import HealthCheck, Phase, given, settings
from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from chatroom.backends.redis.redis_backend import RedisBackend
from chatroom.core.model.text import name_key
from chatroom.doors.line.protocol import LineFactory
from chatroom.wiring.tap import ChatroomService
from tests.cluster.support import ClusterTestCase, nodes_quiet
from tests.core.test_properties import (
    CLIENTS,
    CONFIG,
    ClientSlots,
    RoomState,
    Snapshot,
    check_snapshot,
    steps,
)
from tests.support import redis_backend

#: Scripts run (the longest of :data:`DRAWN` drawn, each up to 40 steps
#: after :data:`OPENING`, on two nodes): Hypothesis's first draws are the
#: simplest, in which nobody even names itself.
SCRIPTS, DRAWN = 20, 100

#: How every script starts: three names on both nodes, two of them in a
#: room of their own across the nodes, so that the drawn steps (the names
#: Alice and ＡＬＩＣＥ among them, the same name to the cluster) meet
#: them there.
OPENING: list[tuple[Any, ...]] = [
    ("connect", 0), ("connect", 1), ("connect", 2), ("connect", 3),
    ("send", 0, b"alice\r\n"), ("send", 1, b"bob\r\n"), ("send", 2, b"lab\r\n"),
    ("send", 0, b"/create tea\r\n"), ("send", 1, b"/join tea\r\n"),
]  # fmt: skip

#: The one-server test's limits, as the nodes' options.
OPTIONS = (
    "--rooms", ",".join(CONFIG.rooms),
    "--room-capacity", str(CONFIG.room_capacity),
    "--max-rooms", str(CONFIG.max_rooms),
    "--history", str(CONFIG.history),
    "--max-line", str(CONFIG.max_line),
    "--rate", str(CONFIG.rate),
    "--burst", str(CONFIG.burst),
    "--max-per-ip", str(CONFIG.max_per_ip),
    "--login-timeout", str(CONFIG.login_timeout),
    "--ping-interval", str(CONFIG.ping_interval),
    "--ping-timeout", str(CONFIG.ping_timeout),
    "--sendq", str(CONFIG.sendq),
)  # fmt: skip


def drawn_scripts(count: int, drawn: int) -> list[list[tuple[Any, ...]]]:
    """The ``count`` longest of ``drawn`` scripts Hypothesis draws from the
    one-server test's strategy (generation only: they run later, on the
    reactor), each after :data:`OPENING`."""
    scripts: list[list[tuple[Any, ...]]] = []

    @settings(
        max_examples=drawn,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(steps)
    def collect(script: list[tuple[Any, ...]]) -> None:
        scripts.append(script)

    collect()
    longest = sorted(scripts, key=len, reverse=True)[:count]
    return [OPENING + script for script in longest]


class ClusterWorld(ClientSlots):
    """Two nodes and up to ``CLIENTS`` client slots spread over them."""

    def __init__(self, nodes: list[ChatroomService]) -> None:
        super().__init__([LineFactory(node.server) for node in nodes])
        self.backends: list[RedisBackend] = [redis_backend(n.server) for n in nodes]

    def quiet(self) -> defer.Deferred[None]:
        """Until the step's work is done on both nodes."""
        return nodes_quiet(self.backends)

    @defer.inlineCallbacks
    def settle(self):
        """The step's work done, then what a reactor would do (:meth:`collect`)."""
        yield self.quiet()
        self.collect()
        yield self.quiet()

    @defer.inlineCallbacks
    def snapshot(self, redis: Any):
        """Names and rooms as Redis holds them, in the clients' terms."""
        prefix = self.backends[0].cluster.prefix
        clients = self.connected()

        def who(key: bytes) -> object:
            text = key.decode()
            return next(
                (c for c in clients if c.name and name_key(c.name) == text), text
            )

        users = yield redis.hgetall(f"{prefix}users")
        rooms: dict[str, RoomState] = {}
        for r in (yield redis.hkeys(f"{prefix}rooms")):
            room = r.decode()
            name, permanent, capacity, owner = yield redis.hmget(
                f"{prefix}room:{room}", ["name", "permanent", "capacity", "owner"]
            )
            members = yield redis.zrange(f"{prefix}members:{room}", 0, -1)
            rooms[room] = RoomState(
                name.decode(),
                permanent == b"1",
                int(capacity),
                {who(m) for m in members},
                who(owner) if owner else None,
            )
        return Snapshot(
            clients,
            {key.decode(): who(key) for key in users},
            rooms,
            CONFIG.max_rooms,
            self.output,
        )


class ClusterRegistryInvariantTests(ClusterTestCase):
    """The one-server invariants, on two nodes sharing Redis."""

    timeout = 240
    node_options = OPTIONS

    @defer.inlineCallbacks
    def test_any_interleaving_on_two_nodes(self):
        """After every step of every drawn script, Redis's names and rooms
        match the clients on both nodes and every line sent is clean; once
        every client has gone, only the permanent room is left."""
        nodes = yield self.start_nodes(2)
        redis = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", self.redis.port),
            txredisapi.RedisProtocol(charset=None, convertNumbers=False),
        )
        self.addCleanup(redis.transport.loseConnection)
        for script in drawn_scripts(SCRIPTS, DRAWN):
            world = ClusterWorld(nodes)
            try:
                for step in script:
                    world.step(step)
                    yield world.settle()
                    check_snapshot(self, (yield world.snapshot(redis)))
                for slot in range(CLIENTS):
                    world.drop(slot)
                yield world.settle()
                seen = yield world.snapshot(redis)
                check_snapshot(self, seen)
                self.assertEqual(seen.users, {})
                self.assertEqual(list(seen.rooms), ["general"])
            except AssertionError as failed:
                raise AssertionError(f"{failed}\nin the script {script!r}") from failed
