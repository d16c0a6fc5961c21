"""Property-based tests: any interleaving from any clients keeps the server sound.

Hypothesis generates sequences of connects, commands, junk bytes, partial
lines, clock jumps and disconnects from several clients sharing one server.
After every step the registries must match the connected clients exactly,
and no client may have been sent a control character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.core.model.text import has_control_characters, name_key
from chatroom.doors.line.protocol import (
    LOBBY,
    ROOM,
    USERNAME,
    LineFactory,
    LineProtocol,
)
from tests.support import device, local_backend, local_server

CLIENTS = 4
NAMES = ["alice", "Alice", "ＡＬＩＣＥ", "bob", "b.o-b_2", "x" * 33, "bad name", ""]
ROOMS = ["general", "tea", "TEA", "lab", "l@b"]
TEXTS = ["hi", "/me waves", "//slash", "\x1b[2J", "tab\there", "\u009b31m", "é✓"]

command_lines = st.one_of(
    st.sampled_from(NAMES),
    st.builds("/nick {}".format, st.sampled_from(NAMES)),
    st.builds("/create {}".format, st.sampled_from(ROOMS)),
    st.builds("/join {}".format, st.sampled_from(ROOMS)),
    st.builds("/delete {}".format, st.sampled_from(ROOMS)),
    st.builds("/msg {} {}".format, st.sampled_from(NAMES), st.sampled_from(TEXTS)),
    st.builds("/topic {}".format, st.sampled_from(TEXTS)),
    st.sampled_from(["/leave", "/who", "/list", "/help", "/watch on", "/watch off"]),
    st.sampled_from(["/quit", "/quit bye", "PING x", "PONG y", "/bogus", "/"]),
    st.sampled_from(TEXTS),
).map(lambda line: line.encode("utf-8") + b"\r\n")

payloads = st.one_of(
    command_lines,
    command_lines.map(lambda line: line[: len(line) // 2]),  # a partial line
    st.binary(max_size=80),  # junk, including bad UTF-8 and bare CRs
    st.lists(command_lines, min_size=2, max_size=4).map(b"".join),
)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("connect"), st.integers(0, CLIENTS - 1)),
        st.tuples(st.just("send"), st.integers(0, CLIENTS - 1), payloads),
        st.tuples(st.just("send"), st.integers(0, CLIENTS - 1), payloads),
        st.tuples(st.just("drop"), st.integers(0, CLIENTS - 1)),
        st.tuples(st.just("wait"), st.sampled_from([0.5, 1.0, 30.0, 200.0])),
    ),
    max_size=40,
)


#: The server every world runs: small limits, so that scripts reach them.
CONFIG = ServerConfig(
    rooms=("general",),
    room_capacity=3,
    max_rooms=3,
    history=3,
    max_line=64,
    rate=5,
    burst=5,
    max_per_ip=0,
    login_timeout=60,
    ping_interval=100,
    ping_timeout=50,
    sendq=1 << 20,
)


class ClientSlots:
    """Up to ``CLIENTS`` client slots over the doors of ``factories``
    (slot ``n`` on ``factories[n % len(factories)]``): one server here,
    two nodes in ``tests/cluster/test_properties_cluster.py``."""

    def __init__(self, factories: list[LineFactory]) -> None:
        self.factories = factories
        self.slots: list[tuple[LineProtocol, StringTransport] | None] = [None] * CLIENTS
        self.output: list[bytes] = []

    def step(self, step: tuple) -> None:
        """One of a script's steps; "wait" is the subclass's (:meth:`wait`)."""
        if step[0] == "connect":
            self.connect(step[1])
        elif step[0] == "send":
            self.send(step[1], step[2])
        elif step[0] == "drop":
            self.drop(step[1])
        else:
            self.wait(step[1])

    def wait(self, seconds: float) -> None:
        """Time passes (nothing on real nodes, whose clock is the reactor's)."""

    def connect(self, slot: int) -> None:
        if self.slots[slot] is None:
            address = IPv4Address("TCP", "10.0.0.1", slot)
            transport = StringTransport(peerAddress=address)
            factory = self.factories[slot % len(self.factories)]
            protocol = factory.buildProtocol(address)
            assert protocol is not None
            protocol.makeConnection(transport)
            self.slots[slot] = (protocol, transport)

    def send(self, slot: int, data: bytes) -> None:
        held = self.slots[slot]
        if held is not None:
            held[0].dataReceived(data)

    def drop(self, slot: int) -> None:
        held = self.slots[slot]
        if held is not None:
            held[0].connectionLost(Failure(ConnectionDone()))
            self.slots[slot] = None

    def collect(self) -> None:
        """Do what the reactor would: keep what each client was sent, and
        deliver connectionLost to the sockets the server closed."""
        for slot, entry in enumerate(self.slots):
            if entry is None:
                continue
            _protocol, transport = entry
            self.output.append(transport.value())
            transport.clear()
            if transport.disconnecting:
                self.drop(slot)

    def connected(self) -> list[LineProtocol]:
        return [entry[0] for entry in self.slots if entry is not None]


class World(ClientSlots):
    """One server, a clock, and up to ``CLIENTS`` client slots."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
        super().__init__([LineFactory(self.server)])

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def settle(self) -> None:
        self.collect()


@dataclass
class RoomState:
    """One room as its back-end holds it: members and owner as the
    client protocols they are (a name no client holds stays a string)."""

    name: str
    permanent: bool
    capacity: int
    members: set[object]
    owner: object


@dataclass
class Snapshot:
    """What one check compares: the connected clients, who holds each name
    (by name key), the rooms (by key), and what the clients were sent."""

    clients: list[LineProtocol]
    users: dict[str, object]
    rooms: dict[str, RoomState]
    max_rooms: int
    output: list[bytes] = field(default_factory=list)


def check_snapshot(test: unittest.TestCase, seen: Snapshot) -> None:
    """The invariants a back-end keeps after every step, whichever it is
    (one server here; two Redis-backed nodes in
    ``tests/cluster/test_properties_cluster.py``): every name held by
    exactly the client that says it has it; each client in the state its
    name and room say; each room's members exactly the clients in it, no
    more than its capacity, an owner among them, none left empty unless
    permanent; and every line sent whole and free of control characters."""
    clients = seen.clients
    named = {name_key(c.name): c for c in clients if c.name is not None}
    test.assertEqual(len(named), sum(c.name is not None for c in clients))
    test.assertEqual(seen.users, named)
    for client in clients:
        expected = USERNAME if client.name is None else (ROOM if client.room else LOBBY)
        test.assertEqual(client.state, expected)
        if client.room is not None:
            room = seen.rooms[name_key(client.room)]
            test.assertEqual(room.name, client.room)
            test.assertIn(client, room.members)
    test.assertIn("general", seen.rooms)
    for room in seen.rooms.values():
        members = {c for c in clients if c.room == room.name}
        test.assertEqual(room.members, members)
        test.assertLessEqual(len(members), room.capacity)
        if not room.permanent:
            test.assertTrue(members, f"empty room {room.name} left behind")
            test.assertIn(room.owner, members)
    test.assertLessEqual(len(seen.rooms), seen.max_rooms)
    for data in seen.output:
        test.assertTrue(data == b"" or data.endswith(b"\r\n"), data)
        for line in data.decode("utf-8").split("\r\n"):
            test.assertFalse(has_control_characters(line), line)


class RegistryInvariantTests(unittest.TestCase):
    """The server's view of names, rooms and members always matches reality."""

    def check(self, world: World) -> None:
        server = world.server
        registry = local_backend(server)
        clients = world.connected()
        self.assertEqual(set(server.connections), set(clients))
        rooms = {
            key: RoomState(
                room.name,
                room.permanent,
                room.capacity,
                {device(m) for m in room.members},
                device(room.owner) if room.owner is not None else None,
            )
            for key, room in registry.rooms.by_key.items()
        }
        users = {k: device(m) for k, m in registry.server.users.items()}
        check_snapshot(
            self,
            Snapshot(clients, users, rooms, server.config.max_rooms, world.output),
        )

    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(steps)
    def test_any_interleaving(self, script: list[tuple]) -> None:
        """After every step, registries match the clients and output is clean."""
        world = World()
        for step in script:
            world.step(step)
            world.settle()
            self.check(world)
        for slot in range(CLIENTS):
            world.drop(slot)
        world.settle()
        self.check(world)
        self.assertEqual(local_backend(world.server).server.users, {})
        self.assertEqual(list(local_backend(world.server).rooms.by_key), ["general"])
