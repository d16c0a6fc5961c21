"""Rooms on every primary of a Redis Cluster: each call routed by its slot.

Two nodes in the rooms-apart layout (``ClusterConfig.rooms_apart``) on a
Redis Cluster of three primaries (``tests/cluster/redis_cluster.py``),
with rooms whose slots are on each primary: users of both nodes join,
talk, read history and leave; a room's slot migrated while its users talk
loses nothing acknowledged; a room's primary killed, its replica
promoted, the room talks on (:mod:`chatroom.backends.redis.routing`).

A kick and a lost connection are run in a room on each primary too, and
with ``--redis-replicas 1`` a message in a room is acknowledged only once
its own shard's replica has it (``WAIT`` on the connection that wrote it).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Generator
from typing import Any

from twisted.internet import defer, protocol, reactor, task
from twisted.internet.interfaces import IProtocol

from chatroom.backends.redis import scripts
from chatroom.backends.redis.redis_backend import RedisBackend
from chatroom.backends.redis.routing import RoutedCalls
from chatroom.core.model.config import CLUSTER_PREFIX, ClusterConfig, ServerConfig
from chatroom.core.model.text import name_key
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisClusterAddress
from chatroom.redisclient.slots import SlotMap, key_slot
from chatroom.wire.lines import parse_event
from chatroom.wiring.registries import RedisRegistry, redis_registry
from tests.backends.contracts.handler import ContractBase, User
from tests.cluster.redis_cluster import RedisClusterTestCase
from tests.cluster.sentinels import ask
from tests.support import FakeClient, until

CONFIG = ServerConfig(
    rate=0, room_capacity=10, max_rooms=10, history=3, resume_bound=200, retention=200
)


def room_key(room: str, kind: str = "room") -> str:
    """Room ``room``'s key of ``kind`` in the rooms-apart layout."""
    return f"{{chatroom/{name_key(room)}}}:{kind}"


def room_slot(room: str) -> int:
    """The slot of room ``room``'s keys in the rooms-apart layout."""
    return key_slot(room_key(room))


class RoutedTestCase(RedisClusterTestCase, ContractBase):
    """Two nodes (``a``, ``b``) in the rooms-apart layout on the cluster of
    three primaries; users connect to the node a test names."""

    config = CONFIG
    #: ``--redis-replicas``: a message acknowledged once this many replicas
    #: have it.
    replicas = 0

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.servers_of: dict[str, DoorHub] = {}
        self.registries: dict[str, RedisRegistry] = {}
        for node in ("a", "b"):
            yield self.start_node(node)

    @defer.inlineCallbacks
    def start_node(
        self, node_id: str, url: str | None = None
    ) -> Generator[Any, Any, None]:
        """Node ``node_id`` on the cluster at ``url`` (this test's if none)."""
        cluster = ClusterConfig(
            RedisClusterAddress.parse(url or self.redis_url),
            node_id=node_id,
            prefix=CLUSTER_PREFIX,
            rooms_apart=True,
            redis_timeout=3.0,
            replicas=self.replicas,
        )
        registry = redis_registry(self.config, cluster, reactor)
        server = DoorHub(self.config, clock=reactor, registry=registry)
        server.start()
        self.addCleanup(self._stop, server, registry)
        yield registry.backend.when_available()
        self.servers_of[node_id] = server
        self.registries[node_id] = registry

    def _stop(self, server: DoorHub, registry: RedisRegistry):
        server.stop()
        for connection in list(server.open_connections):
            IProtocol(connection).connectionLost(protocol.connectionDone)
        return registry.detach()

    def backend(self, node: str) -> RedisBackend:
        return self.registries[node].backend

    def wait(self):
        return task.deferLater(reactor, 0.005, lambda: None)

    @defer.inlineCallbacks
    def user(self, node: str, name: str) -> Generator[Any, Any, User]:
        """``name`` connected to node ``node``."""
        user = User(FakeClient(self.servers_of[node]))
        user.say(name)
        yield self.expect(user, f"WELCOME {name}")
        yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def slot_map(self) -> Generator[Any, Any, SlotMap]:
        """The cluster's map as a live server tells it."""
        port = next(p for p, s in self.servers.items() if not s.ended.called)
        return SlotMap.from_reply((yield ask(port, "CLUSTER", "SLOTS")), "127.0.0.1")

    @defer.inlineCallbacks
    def rooms_on_each_primary(self) -> Generator[Any, Any, dict[int, str]]:
        """A room per primary (its port → the room), its slot checked with
        ``CLUSTER KEYSLOT`` and the map."""
        slots = yield self.slot_map()
        rooms: dict[int, str] = {}
        for n in range(200):
            room = f"room{n}"
            node = slots.primary_of(room_slot(room))
            assert node is not None
            rooms.setdefault(node[1], room)
            if len(rooms) == 3:
                break
        self.assertEqual(len(rooms), 3)
        for port, room in rooms.items():
            told = yield ask(port, "CLUSTER", "KEYSLOT", room_key(room))
            self.assertEqual(int(told), room_slot(room))
        return rooms

    @defer.inlineCallbacks
    def said(self, speaker: User, room: str, text: str, *others: User):
        """``speaker`` says ``text`` in ``room``; it and ``others`` see it."""
        speaker.say(text)
        name = speaker.client.protocol.name
        for user in (speaker, *others):
            event = parse_event((yield self.expect(user, f"MSG {room} {name} ")))
            self.assertEqual(event.text, text)

    @defer.inlineCallbacks
    def pair_in(self, room: str, alice: User, bob: User):
        """Alice creates ``room``, bob joins it; each sees the other."""
        alice.say(f"/create {room}")
        yield self.expect(alice, f"MEMBERS {room} ")
        bob.say(f"/join {room}")
        yield self.expect(bob, f"MEMBERS {room} ")
        yield self.expect(alice, f"JOIN {room} bob")

    @defer.inlineCallbacks
    def answer(self, user: User, prefix: str) -> Generator[Any, Any, str]:
        """``user``'s next line starting with ``prefix``, or its next ``ERR``."""
        for _ in range(2000):
            for wanted in (prefix, "ERR "):
                line = user.take(wanted)
                if line is not None:
                    return line
            yield self.wait()
        raise AssertionError(f"no line {prefix!r}; unread: {user.unread()}")


class RoomsOnEveryPrimaryTests(RoutedTestCase):
    """Rooms on each of three primaries, users on two nodes."""

    @defer.inlineCallbacks
    def test_users_of_two_nodes_talk_in_rooms_on_every_primary(self):
        """A room on each primary: alice (node a) creates it, bob (node b)
        joins; they talk in turn and each sees every line in order; carol
        (node a) joins and is replayed the last lines; bob leaves and alice
        sees him go. Each room's keys are on its own primary, each node
        keeps a commands and a subscriber link to each primary, and each
        room's channel is subscribed on the link to its primary."""
        rooms = yield self.rooms_on_each_primary()
        for node in ("a", "b"):
            calls = self.backend(node).calls
            self.assertIsInstance(calls, RoutedCalls)
            assert isinstance(calls, RoutedCalls)
            self.assertEqual({n[1] for n in calls.shards.links()}, set(rooms))
        alice = yield self.user("a", "alice")
        bob = yield self.user("b", "bob")
        for port, room in rooms.items():
            alice.say(f"/create {room}")
            yield self.expect(alice, f"MEMBERS {room} ")
            bob.say(f"/join {room}")
            yield self.expect(bob, f"MEMBERS {room} ")
            yield self.expect(alice, f"JOIN {room} bob")
            for n in range(4):
                speaker, other = (alice, bob) if n % 2 == 0 else (bob, alice)
                yield self.said(speaker, room, f"{room} line {n}", other)
            history = yield ask(port, "LLEN", room_key(room, "history"))
            self.assertEqual(history, 4, f"{room}'s history on {port}")
            for node in ("a", "b"):
                calls = self.backend(node).calls
                assert isinstance(calls, RoutedCalls)
                link = calls.subscribers.link_for(room_slot(room))
                assert link is not None
                self.assertEqual(link.peer(), ("127.0.0.1", port))
            carol = yield self.user("a", f"carol{room}")
            carol.say(f"/join {room}")
            yield self.expect(carol, f"MEMBERS {room} ")
            replayed = [parse_event(line).text for line in carol.unread()]
            self.assertEqual(replayed, [f"{room} line {n}" for n in (1, 2, 3)])
            carol.say("/leave")
            yield self.expect(carol, "ROOMS ")
            bob.say("/leave")
            yield self.expect(bob, "ROOMS ")
            yield self.expect(alice, f"PART {room} bob")

    @defer.inlineCallbacks
    def test_kicks_and_lost_connections_in_rooms_on_every_primary(self):
        """In a room on each primary: alice (node a) kicks bob (node b),
        who is told ``KICKED`` (the kick's word to his node, on the server
        slot's primary, and the room's departure, on the room's, on two
        connections); carol (node b) joins and her connection is lost:
        alice sees her go, and carol's name is free again."""
        rooms = yield self.rooms_on_each_primary()
        alice = yield self.user("a", "alice")
        for n, room in enumerate(rooms.values()):
            bob = yield self.user("b", f"bob{n}")
            alice.say(f"/create {room}")
            yield self.expect(alice, f"MEMBERS {room} ")
            bob.say(f"/join {room}")
            yield self.expect(alice, f"JOIN {room} bob{n}")
            alice.say(f"/kick bob{n} off you go")
            kicked = yield self.expect(bob, "KICKED ")
            self.assertEqual(kicked, f"KICKED {room} alice off you go")
            yield self.expect(alice, f"KICK {room} bob{n} alice off you go")
            carol = yield self.user("b", f"carol{n}")
            carol.say(f"/join {room}")
            yield self.expect(alice, f"JOIN {room} carol{n}")
            carol.client.lose()
            part = yield self.expect(alice, "PART ")
            self.assertEqual(part, f"PART {room} carol{n} connection lost")
            yield self.user("b", f"carol{n}")

    @defer.inlineCallbacks
    def test_a_call_waits_for_the_subscriber_of_its_shard(self):
        """A call whose reply says nothing of its events (``WHO``) returns
        once the subscriber link of the shard that ran it has caught up: a
        ``PING`` on that primary's subscriber link, none on the others'.
        The nodes' own timers (a heartbeat, a census) may ping another
        primary in the same moment on a loaded machine: the call's shard
        is pinged every time, and in one of three tries at most no other
        is."""
        rooms = yield self.rooms_on_each_primary()
        alice = yield self.user("a", "alice")
        calls = self.backend("a").calls
        for port, room in rooms.items():
            alice.say(f"/create {room}")
            yield self.expect(alice, f"MEMBERS {room} ")
            tries = []
            for _try in range(3):
                before = yield self.pings()
                yield defer.ensureDeferred(
                    calls.call(scripts.WHO, {"room": name_key(room)}, refusals={})
                )
                after = yield self.pings()
                grew = {p for p in after if after[p] > before[p]}
                self.assertIn(port, grew, f"{room} on {port}")
                tries.append(grew)
                if grew == {port}:
                    break
            self.assertIn({port}, tries, f"{room} on {port}")

    @defer.inlineCallbacks
    def test_the_lobbys_news_is_heard_from_every_primary(self):
        """The lobby's changes (a plain ``PUBLISH`` by a room's script, on the
        room's primary) is subscribed on every primary's link, so the
        ``PING`` of each before a sign-in's list covers news from any: a
        room made on each primary by alice (node a) is in the list of a
        user signing in on node b right after, which reads only the rooms
        named since its last read."""
        rooms = yield self.rooms_on_each_primary()
        yield self.user("b", "carol")  # node b keeps the rows it read
        for port in rooms:
            subscribed = yield ask(port, "PUBSUB", "NUMSUB", "{chatroom}:lobby")
            self.assertEqual(int(subscribed[1]), 1, f"the lobby on {port}")
        alice = yield self.user("a", "alice")
        for n, room in enumerate(rooms.values()):
            alice.say(f"/create {room}")
            yield self.expect(alice, f"MEMBERS {room} ")
            signing_in = yield self.user("b", f"dave{n}")
            self.assertIn(f"ROOM {room} 1 ", " ".join(signing_in.lines))

    @defer.inlineCallbacks
    def test_a_shards_lost_link_resumes_the_node(self):
        """A node's commands link, then its subscriber link, to a room's
        primary (not the server's) dropped: the node stops serving and
        resumes, as after any lost link, and the room talks on."""
        rooms = yield self.rooms_on_each_primary()
        server_port = yield self.slot_primary()
        port, room = next((p, r) for p, r in rooms.items() if p != server_port)
        alice = yield self.user("a", "alice")
        bob = yield self.user("b", "bob")
        yield self.pair_in(room, alice, bob)
        backend = self.backend("a")
        calls = backend.calls
        assert isinstance(calls, RoutedCalls)
        slot = room_slot(room)
        losses: list[None] = []
        lost = backend.lost

        def counted() -> None:
            losses.append(None)
            lost()

        self.patch(backend, "lost", counted)
        for n, link in enumerate(
            (calls.shards.link_for(slot), calls.subscribers.link_for(slot))
        ):
            assert link is not None
            self.assertEqual(link.peer(), ("127.0.0.1", port))
            before = len(losses)

            def resumed(before: int = before) -> defer.Deferred[bool]:
                return defer.succeed(len(losses) > before and backend.available)

            link.drop()
            yield until(resumed, 10, "node a lost a link, and serving again")
            yield self.said(bob, room, f"after {n}", alice)

    @defer.inlineCallbacks
    def pings(self) -> Generator[Any, Any, dict[int, int]]:
        """How many ``PING`` each primary has answered."""
        counts = {}
        for port in (yield self.slot_map()).primaries():
            stats = (yield ask(port[1], "INFO", "commandstats")).decode()
            calls = stats.partition("cmdstat_ping:calls=")[2].partition(",")[0]
            counts[port[1]] = int(calls or 0)
        return counts


class MovedSlotTests(RoutedTestCase):
    """A room's slot migrated to another primary while its users talk."""

    @defer.inlineCallbacks
    def test_a_slot_migrated_under_traffic_loses_nothing_acknowledged(self):
        """Alice (node a) and bob (node b) talk in a room while its slot
        moves to another primary (``IMPORTING``/``MIGRATING``, its keys
        ``MIGRATE``d, then ``SETSLOT NODE``): a line may be refused
        (``UNAVAILABLE``, while a node resumes after Redis ended its
        subscriptions there), but every line acknowledged is in the room's
        history on the new primary, and the other user sees them all, in
        order; the room talks on there."""
        rooms = yield self.rooms_on_each_primary()
        server_port = yield self.slot_primary()
        source, room = next((p, r) for p, r in rooms.items() if p != server_port)
        target = min(set(rooms) - {source})
        alice = yield self.user("a", "alice")
        bob = yield self.user("b", "bob")
        yield self.pair_in(room, alice, bob)
        acknowledged: list[str] = []
        talking = {"on": True}

        @defer.inlineCallbacks
        def talk():
            n = 0
            while talking["on"]:
                text = f"line {n}"
                n += 1
                alice.say(text)
                reply = yield self.answer(alice, f"MSG {room} alice ")
                if reply.startswith("MSG"):
                    self.assertEqual(parse_event(reply).text, text)
                    acknowledged.append(text)
                else:
                    self.assertIn("UNAVAILABLE", reply)
                    # A node not serving refuses at once, in the same turn:
                    # give the reactor a turn to let it resume.
                    yield self.wait()

        def more_than(count: int):
            return lambda: defer.succeed(len(acknowledged) > count)

        traffic = talk()
        yield until(more_than(3), 10, "lines acknowledged before")
        slot = room_slot(room)
        source_id = yield ask(source, "CLUSTER", "MYID")
        target_id = yield ask(target, "CLUSTER", "MYID")
        yield ask(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        yield ask(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        keys = yield ask(source, "CLUSTER", "GETKEYSINSLOT", slot, 100)
        yield ask(source, "MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", *keys)
        for port in (target, source, *(set(rooms) - {source, target})):
            yield ask(port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
        self.assertEqual(
            int((yield ask(source, "CLUSTER", "COUNTKEYSINSLOT", slot))), 0
        )
        yield until(more_than(len(acknowledged) + 3), 20, "lines after the move")
        talking["on"] = False
        yield traffic
        seen: list[str] = []
        while len(seen) < len(acknowledged):
            line = yield self.expect(bob, f"MSG {room} alice ")
            seen.append(parse_event(line).text)
        self.assertEqual(seen, acknowledged)
        stored = yield ask(target, "LRANGE", room_key(room, "history"), 0, -1)
        texts = {json.loads(line)["text"] for line in stored}
        self.assertEqual(set(acknowledged) - texts, set())
        yield self.said(bob, room, "still here", alice)
        for node in ("a", "b"):
            calls = self.backend(node).calls
            assert isinstance(calls, RoutedCalls)
            link = calls.subscribers.link_for(slot)
            assert link is not None
            self.assertEqual(link.peer(), ("127.0.0.1", target))


class KilledPrimaryTests(RoutedTestCase):
    """A room's primary killed: the cluster promotes its replica."""

    @defer.inlineCallbacks
    def test_a_rooms_primary_killed_its_replica_carries_on(self):
        """SIGKILL the primary of a room's slot (not the server's): once the
        cluster promotes its replica, the nodes resume, the room's history
        (replicated before the kill) is there, and alice and bob talk on
        in it, each seeing the other."""
        rooms = yield self.rooms_on_each_primary()
        server_port = yield self.slot_primary()
        old, room = next((p, r) for p, r in rooms.items() if p != server_port)
        alice = yield self.user("a", "alice")
        bob = yield self.user("b", "bob")
        yield self.pair_in(room, alice, bob)
        yield self.said(alice, room, "before", bob)
        replica = yield until(
            lambda: self.in_sync(old), 10, "the replica has what was acknowledged"
        )
        yield self.servers[old].stop()  # SIGKILL

        @defer.inlineCallbacks
        def promoted():
            return (yield ask(replica, "ROLE"))[0] == b"master"

        yield until(promoted, 30, "the cluster promoted the replica")
        yield until(
            lambda: defer.succeed(
                all(self.backend(node).available for node in ("a", "b"))
            ),
            20,
            "both nodes serving again",
        )
        for n in range(3):
            speaker, other = (alice, bob) if n % 2 == 0 else (bob, alice)
            yield self.retried_say(speaker, room, f"after {n}", other)
        stored = yield ask(replica, "LRANGE", room_key(room, "history"), 0, -1)
        said = [json.loads(line)["text"] for line in stored]
        self.assertEqual(said, ["before", "after 0", "after 1", "after 2"])

    @defer.inlineCallbacks
    def retried_say(self, speaker: User, room: str, text: str, other: User):
        """``said``, trying again while the cluster answers ``UNAVAILABLE``
        (a node may be resuming a moment longer)."""
        name = speaker.client.protocol.name
        for _ in range(20):
            speaker.say(text)
            line = yield self.answer(speaker, f"MSG {room} {name} ")
            if line.startswith("MSG"):
                break
        event = parse_event((yield self.expect(other, f"MSG {room} {name} ")))
        self.assertEqual(event.text, text)


#: What a sender is told of a message no replica confirmed.
UNCONFIRMED = "ERR UNAVAILABLE no replica of Redis confirmed it, so this was not sent: "


class ReplicatedRoomTests(RoutedTestCase):
    """``--redis-replicas 1`` with rooms on every primary: a message is
    confirmed by ``WAIT`` on the connection that wrote it, its room's
    shard's (:mod:`chatroom.backends.redis.replicas`)."""

    replicas = 1

    @defer.inlineCallbacks
    def test_a_message_waits_for_its_own_shards_replica(self):
        """With the replica of a room's primary (not the server's) stopped
        (``SIGSTOP``), alice's message there is refused with its text once
        its ``WAIT`` times out, though bob sees it, while carol's message in
        a room on the server's primary is acknowledged; the replica going
        on, alice's messages are acknowledged again."""
        rooms = yield self.rooms_on_each_primary()
        server_port = yield self.slot_primary()
        port, room = next((p, r) for p, r in rooms.items() if p != server_port)
        alice = yield self.user("a", "alice")
        bob = yield self.user("b", "bob")
        carol = yield self.user("a", "carol")
        yield self.pair_in(room, alice, bob)
        carol.say(f"/create {rooms[server_port]}")
        yield self.expect(carol, f"MEMBERS {rooms[server_port]} ")
        replica = yield self.replica_of(port)
        yield self.said(alice, room, "kept", bob)

        os.kill(self.servers[replica].pid, signal.SIGSTOP)
        self.addCleanup(self.went_on, replica)
        alice.say("anyone keeping this?")
        refused = yield self.answer(alice, f"MSG {room} alice ")
        self.assertEqual(refused, UNCONFIRMED + "anyone keeping this?")
        yield self.expect(bob, f"MSG {room} alice ")  # published, not confirmed
        yield self.said(carol, rooms[server_port], "on the server's shard")

        self.went_on(replica)
        yield until(lambda: self.in_sync(port), 10, "the replica caught up")
        yield self.said(alice, room, "and now?", bob)

    def went_on(self, replica: int) -> None:
        os.kill(self.servers[replica].pid, signal.SIGCONT)

    @defer.inlineCallbacks
    def test_a_rooms_primary_killed_after_an_acknowledgement_loses_nothing(self):
        """Alice says ten lines at once in a room whose primary is not the
        server's; right after her last acknowledgement its primary is
        killed (no wait for its replica): once the replica is promoted,
        every line she saw acknowledged is in the room's history there."""
        rooms = yield self.rooms_on_each_primary()
        server_port = yield self.slot_primary()
        old, room = next((p, r) for p, r in rooms.items() if p != server_port)
        replica = yield self.replica_of(old)
        alice = yield self.user("a", "alice")
        bob = yield self.user("b", "bob")
        yield self.pair_in(room, alice, bob)
        for n in range(10):
            alice.say(f"line {n}")
        acknowledged = []
        for _ in range(10):
            line = yield self.answer(alice, f"MSG {room} alice ")
            if line.startswith("MSG "):
                acknowledged.append(parse_event(line).text)
        yield self.servers[old].stop()  # SIGKILL, at once
        self.assertGreater(len(acknowledged), 0)

        @defer.inlineCallbacks
        def promoted():
            return (yield ask(replica, "ROLE"))[0] == b"master"

        yield until(promoted, 30, "the cluster promoted the replica")
        stored = yield ask(replica, "LRANGE", room_key(room, "history"), 0, -1)
        kept = [json.loads(line)["text"] for line in stored]
        self.assertEqual([t for t in acknowledged if t not in kept], [])
