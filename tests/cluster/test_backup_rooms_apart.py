"""A backup of a chat whose rooms are spread over a Redis Cluster's primaries.

Two nodes in the rooms-apart layout on a cluster of three primaries
(``tests/cluster/test_routing.py``'s), a room on each primary with some
history: the node's backup (:meth:`RedisBackend.backup`) scans every
primary and has every key of the chat, the server's (``{chatroom}:``) and
each room's under its own tag; restored (``chatroom-admin restore``'s
:func:`~chatroom.wiring.redisrestore.restore_redis`) into a fresh cluster
of three primaries, and into a one-server cluster, each key is loaded on
its slot's primary, every key is where the layout puts it, and a node
there replays each room's history to a user who joins. A restore into a
target that holds keys of the chat, or into one Redis, is refused.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis.dumpfile import records
from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.redisclient.slots import SlotMap, key_slot
from chatroom.wire.lines import parse_event
from chatroom.wiring.redisrestore import RestoreError, restore_redis
from tests.cluster.redis_cluster import (
    cluster_asker,
    emptied_cluster_server,
    emptied_three_primaries,
    keys_where_rooms_apart_put_them,
)
from tests.cluster.sentinels import ask
from tests.cluster.support import RedisProcess
from tests.cluster.test_routing import RoutedTestCase, room_key, room_slot
from tests.support import free_port

#: What is said in each room before the backup.
LINES = ("first brew", "second brew")


class RoomsApartBackupTests(RoutedTestCase):
    """Back up rooms on three primaries; restore into fresh clusters."""

    @defer.inlineCallbacks
    def test_a_backup_of_every_primary_restored_where_the_layout_puts_it(self):
        """A room on each primary, each with its history, backed up by node
        a: the file has every key of every primary; restored into a fresh
        cluster of three primaries each key is on its slot's primary (and a
        second restore there is refused), and into a one-server cluster;
        on each a node replays every room's history to a user joining."""
        rooms = yield self.rooms_on_each_primary()
        server_port = yield self.slot_primary()
        self.assertTrue(set(rooms) - {server_port}, "a room off the server's shard")
        for n, room in enumerate(rooms.values()):
            keeper = yield self.user("b", f"keeper{n}")  # on the room to the end
            keeper.say(f"/create {room}")
            yield self.expect(keeper, f"MEMBERS {room} ")
            for text in LINES:
                yield self.said(keeper, room, text)
        path = self.mktemp()
        yield defer.ensureDeferred(self.backend("a").server.backup(path))

        with open(path, "rb") as file:
            backed_up = {key for key, _, _ in records(file)}
        held = set()
        for port in (yield self.slot_map()).primaries():
            held |= set((yield ask(port[1], "KEYS", "*")))
        self.assertEqual(backed_up, held)
        for room in rooms.values():
            self.assertIn(room_key(room, "history").encode(), backed_up)

        three = yield emptied_three_primaries()
        url = "cluster://" + ",".join(f"127.0.0.1:{port}" for port in three)
        self.assertEqual(restore_redis(path, url), len(backed_up))
        yield self.restored_where_the_layout_puts_it(three, rooms, backed_up)
        with self.assertRaisesRegex(RestoreError, "not empty"):
            restore_redis(path, url)
        yield self.start_node("c", url)
        yield self.history_replayed("c", rooms.values())

        one = yield emptied_cluster_server()
        one_url = f"cluster://127.0.0.1:{one}"
        self.assertEqual(restore_redis(path, one_url), len(backed_up))
        yield keys_where_rooms_apart_put_them(self, one)
        yield self.start_node("d", one_url)
        yield self.history_replayed("d", rooms.values())

    @defer.inlineCallbacks
    def test_a_rooms_apart_backup_is_refused_by_a_target_not_empty_or_one_redis(
        self,
    ):
        """A room's key already on any primary of the target makes it not
        empty; one Redis (no cluster) cannot take rooms apart."""
        rooms = yield self.rooms_on_each_primary()
        alice = yield self.user("a", "alice")
        room = next(iter(rooms.values()))
        alice.say(f"/create {room}")
        yield self.expect(alice, f"MEMBERS {room} ")
        path = self.mktemp()
        yield defer.ensureDeferred(self.backend("a").server.backup(path))

        three = yield emptied_three_primaries()
        target = yield self.other_room_on_a_primary(three)
        yield cluster_asker(three)("SET", target, "taken")
        url = "cluster://" + ",".join(f"127.0.0.1:{port}" for port in three)
        with self.assertRaisesRegex(RestoreError, "not empty"):
            restore_redis(path, url)

        plain = RedisProcess(free_port())
        yield plain.start()
        self.addCleanup(plain.stop)
        with self.assertRaisesRegex(RestoreError, "Redis Cluster"):
            restore_redis(path, plain.url)
        self.assertEqual((yield ask(plain.port, "DBSIZE")), 0)

    @defer.inlineCallbacks
    def other_room_on_a_primary(self, ports: list[int]) -> Generator[Any, Any, str]:
        """A room's key on a primary that is not the server slot's."""
        slots = SlotMap.from_reply((yield ask(ports[0], "CLUSTER", "SLOTS")), "x")
        server = slots.primary_of(key_slot(CLUSTER_PREFIX))
        for n in range(200):
            if slots.primary_of(room_slot(f"elsewhere{n}")) != server:
                return room_key(f"elsewhere{n}")
        raise AssertionError("no room off the server slot's primary")

    @defer.inlineCallbacks
    def restored_where_the_layout_puts_it(
        self, ports: list[int], rooms: dict[int, str], backed_up: set[bytes]
    ):
        """Every key backed up is on the target, each room's history on
        the primary serving its slot, and every key where the layout puts
        it."""
        asking = cluster_asker(ports)
        self.assertEqual(set((yield asking("KEYS", "*"))), backed_up)
        slots = SlotMap.from_reply((yield ask(ports[0], "CLUSTER", "SLOTS")), "x")
        for room in rooms.values():
            node = slots.primary_of(room_slot(room))
            assert node is not None
            length = yield ask(node[1], "LLEN", room_key(room, "history"))
            self.assertEqual(length, len(LINES), f"{room}'s history on {node}")
        yield keys_where_rooms_apart_put_them(self, asking)

    @defer.inlineCallbacks
    def history_replayed(self, node: str, rooms: Any):
        """A user of ``node`` joining each room is replayed its lines."""
        carol = yield self.user(node, f"carol{node}")
        for room in rooms:
            carol.say(f"/join {room}")
            yield self.expect(carol, f"MEMBERS {room} ")
            replayed = [parse_event(line).text for line in carol.unread()]
            self.assertEqual(replayed, list(LINES), room)
