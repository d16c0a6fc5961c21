"""The layout of a chat on a Redis Cluster (``--redis cluster://``), read
or recorded once per node start (:mod:`chatroom.wiring.clusterlayout`).

A new chat keeps its rooms apart, spread over the cluster's primaries; a
chat already holding keys in the one-slot layout, and no record, keeps that
layout; the record decides, and nodes starting together agree. Then real
``twistd chatroom --redis cluster://`` processes, two started at once on a
cluster of three primaries made from nothing, put rooms on each primary
and chat.
"""

from __future__ import annotations

from typing import Any

import redis
from twisted.internet import defer, reactor
from twisted.trial import unittest

from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.redisclient.addresses import RedisClusterAddress
from chatroom.redisclient.slots import key_slot
from chatroom.wiring.clusterlayout import (
    LAYOUT_KEY,
    ONE_SLOT,
    ROOMS_APART,
    LayoutUnreadError,
    layout_on,
    rooms_apart,
)
from tests.cluster.redis_cluster import RedisClusterTestCase, emptied_cluster_server
from tests.cluster.sentinels import ask
from tests.cluster.test_routing import room_key, room_slot
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import connect_client, free_port


class LayoutRecordTests(unittest.TestCase):
    """What a node reads or records, on the shared one-server cluster."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.port = yield emptied_cluster_server()
        self.address = RedisClusterAddress((("127.0.0.1", self.port),))

    def test_a_new_chat_keeps_its_rooms_apart(self):
        """An empty chat's slot: rooms apart, recorded; read again the same."""
        self.assertTrue(rooms_apart(self.address, 2.0))
        self.assertEqual(self.recorded(), ROOMS_APART)
        self.assertTrue(rooms_apart(self.address, 2.0))

    @defer.inlineCallbacks
    def test_a_one_slot_chat_keeps_its_layout(self):
        """A chat's slot holding a one-slot chat's keys (an older version's,
        a restored backup's) and no record: one slot, recorded."""
        yield ask(self.port, "SET", f"{CLUSTER_PREFIX}epoch", "e1")
        self.assertFalse(rooms_apart(self.address, 2.0))
        self.assertEqual(self.recorded(), ONE_SLOT)
        self.assertFalse(rooms_apart(self.address, 2.0))

    @defer.inlineCallbacks
    def test_the_record_decides(self):
        """A recorded layout is kept whatever the slot holds."""
        yield ask(self.port, "SET", LAYOUT_KEY, ROOMS_APART)
        yield ask(self.port, "SET", f"{CLUSTER_PREFIX}epoch", "e1")
        self.assertTrue(rooms_apart(self.address, 2.0))
        yield ask(self.port, "SET", LAYOUT_KEY, ONE_SLOT)
        self.assertFalse(rooms_apart(self.address, 2.0))

    def test_nodes_starting_together_agree(self):
        """Another node records rooms apart after this one found no record
        and before it counts the slot's keys (the record among them): this
        one's record of one slot is not written, and it reads rooms apart."""
        slot = key_slot(CLUSTER_PREFIX)
        port = self.port

        class Overtaken(redis.Redis):
            def execute_command(self, *args: Any, **options: Any) -> Any:
                if args[:2] == ("CLUSTER", "COUNTKEYSINSLOT"):
                    with redis.Redis(port=port) as other:
                        other.set(LAYOUT_KEY, ROOMS_APART, nx=True)
                return super().execute_command(*args, **options)

        self.assertEqual(layout_on(Overtaken(port=port), slot), ROOMS_APART)
        self.assertEqual(self.recorded(), ROOMS_APART)

    @defer.inlineCallbacks
    def test_a_layout_unknown_here_is_refused(self):
        yield ask(self.port, "SET", LAYOUT_KEY, "sideways")
        problem = self.assertRaises(LayoutUnreadError, rooms_apart, self.address, 2.0)
        self.assertIn("sideways", str(problem))

    def test_the_servers_are_asked_in_turn(self):
        """A server down is passed over; with none up, each says why."""
        down = ("127.0.0.1", free_port())
        first_down = RedisClusterAddress((down, *self.address.nodes))
        self.assertTrue(rooms_apart(first_down, 2.0))
        problem = self.assertRaises(
            LayoutUnreadError, rooms_apart, RedisClusterAddress((down,)), 2.0
        )
        self.assertIn(f"127.0.0.1:{down[1]}: ", str(problem))

    def recorded(self) -> bytes | None:
        with redis.Redis(port=self.port) as client:
            recorded = client.get(LAYOUT_KEY)
            assert recorded is None or isinstance(recorded, bytes)
            return recorded


class ClusterDeploymentTests(RedisClusterTestCase):
    """``twistd chatroom --redis cluster://`` on a cluster of three primaries
    with their replicas, made from nothing."""

    @defer.inlineCallbacks
    def test_two_nodes_started_at_once_spread_the_rooms_and_chat(self):
        """Two nodes started together agree on rooms apart (recorded in the
        chat's slot); a room whose slot is on each primary has its keys
        there, under its own tag, and users of both nodes chat in each."""
        nodes = [self.twistd(node_id) for node_id in ("a", "b")]
        ports = []
        for node_id, process in zip(("a", "b"), nodes, strict=True):
            ports.append((yield process.listening))
            yield process.when_output(f"node {node_id}: in the cluster".encode())
            self.assertIn(f"node {node_id}: rooms apart".encode(), process.output)
        primary = yield self.slot_primary()
        self.assertEqual((yield ask(primary, "GET", LAYOUT_KEY)), ROOMS_APART)

        alice = yield connect_client(reactor, ports[0], "alice")
        bob = yield connect_client(reactor, ports[1], "bob")
        self.addCleanup(alice.transport.loseConnection)
        self.addCleanup(bob.transport.loseConnection)
        rooms = yield self.rooms_on_each_primary()
        for port, room in rooms.items():
            alice.say(f"/create {room}")
            yield alice.expect_line(f"JOINED {room} ")
            bob.say(f"/join {room}")
            yield alice.expect_line(f"JOIN {room} bob")
            alice.say(f"tea on {port}")
            self.assertIn(f"tea on {port}", (yield bob.expect_line(f"MSG {room} ")))
            self.assertEqual((yield ask(port, "EXISTS", room_key(room, "history"))), 1)
        for port in self.servers:
            keys = yield ask(port, "KEYS", "{chatroom}:room:*")
            self.assertEqual(keys, [], "a room's key in the one-slot layout")

    def twistd(self, node_id: str) -> TwistdProcess:
        """``twistd chatroom`` on the cluster, as an operator starts a node."""
        return spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1",
            "--redis", self.redis_url,
            "--node-id", node_id,
            "--rate", "0",
        )  # fmt: skip

    @defer.inlineCallbacks
    def rooms_on_each_primary(self):
        """A room per primary (its port → the room), as the cluster's map
        and ``CLUSTER KEYSLOT`` place it."""
        port = next(iter(self.servers))
        slots = yield ask(port, "CLUSTER", "SLOTS")
        rooms: dict[int, str] = {}
        for n in range(200):
            room = f"room{n}"
            slot = room_slot(room)
            for first, last, owner, *_ in slots:
                if first <= slot <= last:
                    rooms.setdefault(int(owner[1]), room)
            if len(rooms) == 3:
                break
        self.assertEqual(len(rooms), 3)
        for port, room in rooms.items():
            told = yield ask(port, "CLUSTER", "KEYSLOT", room_key(room))
            self.assertEqual(int(told), room_slot(room))
        return rooms
