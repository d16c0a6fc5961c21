"""The router over a Redis Cluster's primaries (``slots.py``, ``shards.py``).

The slot of a key, a redirection and a ``CLUSTER SLOTS`` reply are read by
pure functions, tested with literals; that the slot is Redis's own is
checked against ``CLUSTER KEYSLOT`` of a real server, and
:class:`~chatroom.redisclient.shards.ShardLinks` is driven on six real
``redis-server`` (``tests/cluster/redis_cluster.py``): a slot migrated
(``ASK`` then ``MOVED``) and a primary killed (its replica promoted).
"""

from __future__ import annotations

import txredisapi
from twisted.internet import defer, reactor
from twisted.trial import unittest

from chatroom.redisclient.addresses import RedisClusterAddress
from chatroom.redisclient.deadlines import CallDeadlines
from chatroom.redisclient.link import RedisLink, _ask_redis
from chatroom.redisclient.shard_subscribers import ShardSubscribers
from chatroom.redisclient.shards import ShardLinks, ShardUnavailableError
from chatroom.redisclient.slots import (
    SLOTS,
    Redirection,
    SlotMap,
    key_slot,
    redirection,
)
from tests.cluster.redis_cluster import RedisClusterTestCase, emptied_cluster_server
from tests.cluster.sentinels import ask
from tests.cluster.support import NO_REDIS, REDIS_SERVER
from tests.support import until


class KeySlotTests(unittest.TestCase):
    """:func:`key_slot` against values Redis's documentation gives."""

    def test_known_slots(self):
        """``foo`` is in slot 12182, ``123456789`` (the CRC16 check string,
        0x31C3) in 12739, and the chat's prefix in 5402; bytes and str
        agree."""
        self.assertEqual(key_slot("foo"), 12182)
        self.assertEqual(key_slot(b"foo"), 12182)
        self.assertEqual(key_slot("123456789"), 0x31C3)
        self.assertEqual(key_slot("{chatroom}:"), 5402)
        self.assertEqual(key_slot(""), 0)

    def test_hash_tags(self):
        """Only the part between the first ``{`` and the first ``}`` after
        it is hashed, if it is not empty (the values are ``CLUSTER
        KEYSLOT``'s)."""
        self.assertEqual(key_slot("{user1000}.following"), 3443)
        self.assertEqual(key_slot("{user1000}.followers"), 3443)
        self.assertEqual(key_slot("user1000"), 3443)
        self.assertEqual(key_slot("foo{}{bar}"), 8363)  # the whole key
        self.assertEqual(key_slot("foo{{bar}}zap"), 4015)  # "{bar"
        self.assertEqual(key_slot("{bar"), 4015)
        self.assertEqual(key_slot("foo{bar}{zap}"), 5061)  # "bar"
        self.assertEqual(key_slot("bar"), 5061)
        self.assertEqual(key_slot(b"foo{bar"), 15278)  # no "}": the whole key


class RedirectionTests(unittest.TestCase):
    """:func:`redirection` reads ``MOVED`` and ``ASK`` and nothing else."""

    def test_moved_and_ask(self):
        """Kind, slot, host and port; an empty host (or Redis 7's ``?``)
        is left empty, for the caller to read as the node that answered."""
        self.assertEqual(
            redirection("MOVED 3999 127.0.0.1:6381"),
            Redirection("MOVED", 3999, "127.0.0.1", 6381),
        )
        self.assertEqual(
            redirection("ASK 12182 redis-2.example:7000"),
            Redirection("ASK", 12182, "redis-2.example", 7000),
        )
        self.assertEqual(
            redirection("MOVED 3999 :6380"), Redirection("MOVED", 3999, "", 6380)
        )
        self.assertEqual(redirection("ASK 1 ?:6380"), Redirection("ASK", 1, "", 6380))

    def test_other_errors(self):
        """Other refusals, and malformed redirections, are not redirections."""
        for text in (
            "READONLY You can't write against a read only replica.",
            "CLUSTERDOWN The cluster is down",
            "ERR unknown command",
            "MOVED 3999",
            "MOVED x 127.0.0.1:6381",
            "ASK 3999 127.0.0.1",
            "MOVED 3999 127.0.0.1:port",
        ):
            self.assertIsNone(redirection(text), text)


class SlotMapTests(unittest.TestCase):
    """A :class:`SlotMap` drawn from a ``CLUSTER SLOTS`` reply."""

    REPLY = [
        [0, 5460, [b"127.0.0.1", 7000, b"id0"], [b"127.0.0.1", 7003, b"id3"]],
        [5461, 10922, [b"", 7001, b"id1"]],
        [10923, 16383, [b"10.0.0.3", 7002, b"id2", {}], [b"10.0.0.6", 7005, b"id5"]],
    ]

    def test_from_reply(self):
        """Each range's first entry is its primary (a replica never is); an
        empty host is the node that was asked."""
        slots = SlotMap.from_reply(self.REPLY, "10.0.0.9")
        self.assertEqual(slots.primary_of(0), ("127.0.0.1", 7000))
        self.assertEqual(slots.primary_of(5460), ("127.0.0.1", 7000))
        self.assertEqual(slots.primary_of(5461), ("10.0.0.9", 7001))
        self.assertEqual(slots.primary_of(SLOTS - 1), ("10.0.0.3", 7002))
        self.assertEqual(
            slots.primaries(),
            {("127.0.0.1", 7000), ("10.0.0.9", 7001), ("10.0.0.3", 7002)},
        )

    def test_unserved_and_moved(self):
        """A slot in no range has no primary; :meth:`SlotMap.moved` changes
        that one slot alone, and a primary left without slots is no longer
        among the primaries."""
        slots = SlotMap.from_reply(self.REPLY[:1], "10.0.0.9")
        self.assertIsNone(slots.primary_of(5461))
        self.assertEqual(slots.unserved(), SLOTS - 5461)  # the first range's left
        self.assertEqual(slots.primaries(), {("127.0.0.1", 7000)})
        slots.moved(5461, ("10.0.0.4", 7004))
        self.assertEqual(slots.primary_of(5461), ("10.0.0.4", 7004))
        self.assertIsNone(slots.primary_of(5462))
        whole = SlotMap([("a", 1)] * SLOTS)
        whole.moved(7, ("b", 2))
        self.assertEqual(whole.primaries(), {("a", 1), ("b", 2)})
        self.assertNotEqual(whole, SlotMap([("a", 1)] * SLOTS))
        self.assertRaises(ValueError, SlotMap, [("a", 1)])


def key_shapes() -> list[bytes]:
    """A few hundred keys of every shape: plain, tagged, an empty tag, a
    tag in braces, an unclosed brace, unicode, binary and empty."""
    keys: list[bytes] = [b"", b"{", b"}", b"{}", b"}{", b"{}}", b"{{}}"]
    for i in range(40):
        keys += [
            f"key:{i}".encode(),
            f"{{room{i}}}:members".encode(),
            f"foo{{}}{{bar{i}}}".encode(),
            f"a{{{{b{i}}}}}c".encode(),
            f"x{{y{i}".encode(),
            f"salle-{i}-été {{комната{i}}}".encode(),
            f"{{🎉{i}}}".encode(),
            bytes([i, 255 - i, 123, i * 3 % 256, 125]),
        ]
    return keys


class KeySlotOnRedisTests(unittest.TestCase):
    """:func:`key_slot` is Redis's own hash slot."""

    if REDIS_SERVER is None:
        skip = NO_REDIS

    @defer.inlineCallbacks
    def test_as_cluster_keyslot(self):
        """For a few hundred keys of every shape, ``CLUSTER KEYSLOT`` (asked
        on one connection) answers what :func:`key_slot` says."""
        port = yield emptied_cluster_server()
        keys = key_shapes()
        replies = yield defer.ensureDeferred(
            _ask_redis(
                reactor,
                "127.0.0.1",
                port,
                None,
                *(("CLUSTER", "KEYSLOT", key) for key in keys),
            )
        )
        self.assertGreater(len(keys), 300)
        mismatched = [
            (key, int(reply), key_slot(key))
            for key, reply in zip(keys, replies, strict=True)
            if int(reply) != key_slot(key)
        ]
        self.assertEqual(mismatched, [])


def port_of(link: RedisLink | None) -> int:
    """The port ``link`` is connected to."""
    assert link is not None
    peer = link.peer()
    assert peer is not None
    return peer[1]


def run(shards: ShardLinks, slot: int, *command) -> defer.Deferred:
    """:meth:`ShardLinks.execute` as a Deferred."""
    return defer.ensureDeferred(shards.execute(slot, *command))


class ShardLinksTests(RedisClusterTestCase):
    """:class:`ShardLinks` on a Redis Cluster of three primaries."""

    @defer.inlineCallbacks
    def shard_links(self):
        """A started :class:`ShardLinks` on :attr:`redis_url`, once it
        serves on a link to each of the three primaries."""
        shards = ShardLinks(reactor, RedisClusterAddress.parse(self.redis_url))
        shards.startService()
        self.addCleanup(shards.stopService)

        def serving():
            links = shards.links()
            up = all(link.connection is not None for link in links.values())
            return defer.succeed(len(links) == 3 and up)

        yield until(serving, 10, "a link to each primary serving")
        return shards

    @defer.inlineCallbacks
    def primary_ports(self):
        """The ports of the servers that say they are primaries."""
        ports = set()
        for port in self.servers:
            if not self.servers[port].ended.called:
                role = yield ask(port, "ROLE")
                if role[0] == b"master":
                    ports.add(port)
        return ports

    @defer.inlineCallbacks
    def test_routes_by_slot_and_follows_a_migration(self):
        """One link per primary; each key is written on the primary serving
        its slot (a direct ``GET`` there finds it). While its slot migrates
        (``MIGRATING``/``IMPORTING``), a key already moved is read after the
        old primary's ``ASK`` and a new key written on the new primary, the
        map unchanged; once the slot is the new primary's (``SETSLOT
        NODE``), the old one's ``MOVED`` updates the map. A refusal that is
        no redirection reaches the caller as Redis's error, and a link to a
        replica never serves."""
        shards = yield self.shard_links()
        primaries = yield self.primary_ports()
        self.assertEqual({port for _host, port in shards.primaries()}, primaries)
        self.assertEqual({node[1] for node in shards.links()}, primaries)
        keys = [f"{{room{i}}}:topic" for i in range(30)]
        used = set()
        for key in keys:
            yield run(shards, key_slot(key), "SET", key, key)
        for key in keys:
            port = port_of(shards.link_for(key_slot(key)))
            used.add(port)
            self.assertEqual((yield ask(port, "GET", key)), key.encode())
            self.assertEqual(
                (yield run(shards, key_slot(key), "GET", key)), key.encode()
            )
        self.assertEqual(used, primaries)  # 30 rooms spread over all three

        key = keys[0]
        slot = key_slot(key)
        before = shards.link_for(slot)
        source = port_of(before)
        target = min(primaries - {source})
        source_id = yield ask(source, "CLUSTER", "MYID")
        target_id = yield ask(target, "CLUSTER", "MYID")
        yield ask(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        yield ask(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        yield ask(source, "MIGRATE", "127.0.0.1", str(target), key, "0", "5000")
        self.assertEqual((yield run(shards, slot, "GET", key)), key.encode())
        self.assertIs(shards.link_for(slot), before)  # ASK left the map alone
        newcomer = "{room0}:newcomer"
        yield run(shards, slot, "SET", newcomer, "here")
        self.assertEqual(
            int((yield ask(target, "CLUSTER", "COUNTKEYSINSLOT", slot))), 2
        )
        self.assertIs(shards.link_for(slot), before)

        for port in primaries:
            yield ask(port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
        self.assertEqual((yield run(shards, slot, "GET", newcomer)), b"here")
        self.assertEqual(port_of(shards.link_for(slot)), target)
        self.assertEqual(len(shards.links()), 3)  # the old one serves other slots

        yield run(shards, key_slot("list"), "RPUSH", "list", "x")
        refused = run(shards, key_slot("list"), "GET", "list")
        failure = yield self.assertFailure(refused, txredisapi.ResponseError)
        self.assertIn("WRONGTYPE", str(failure))  # other refusals pass through

        # A link to a node the map names but that is a replica (the map is
        # stale) asks it ROLE and leaves it, again and again, never serving.
        replica = yield self.replica_of(target)
        stale = shards._open(("127.0.0.1", replica))

        @defer.inlineCallbacks
        def asked_twice():
            stats = (yield ask(replica, "INFO", "commandstats")).decode()
            role = stats.partition("cmdstat_role:calls=")[2].partition(",")[0]
            return role.isdigit() and int(role) >= 2

        yield until(asked_twice, 10, "the replica asked ROLE twice")
        self.assertIsNone(stale.connection)

    @defer.inlineCallbacks
    def test_follows_a_killed_primary_to_its_promoted_replica(self):
        """SIGKILL a slot's primary: a command meanwhile fails
        (:class:`ShardUnavailableError`, within its timeout); once the
        cluster promotes the replica, the command succeeds there, the map
        names it, and the dead primary's link is stopped."""
        shards = yield self.shard_links()
        key = "{room1}:topic"
        slot = key_slot(key)
        yield run(shards, slot, "SET", key, "kept")
        old_link = shards.link_for(slot)
        assert old_link is not None
        old = port_of(old_link)
        replica = yield until(lambda: self.in_sync(old), 10, "the replica has the key")
        yield self.servers[old].stop()  # SIGKILL
        usual = shards.deadlines
        # 0.5 s: the cluster waits 1 s before failing over
        shards.deadlines = CallDeadlines(reactor, 0.5)
        yield self.assertFailure(run(shards, slot, "GET", key), ShardUnavailableError)
        shards.deadlines = usual

        @defer.inlineCallbacks
        def promoted():
            return (yield ask(replica, "ROLE"))[0] == b"master"

        yield until(promoted, 30, "the cluster promoted the replica")

        def answered():
            return run(shards, slot, "GET", key).addCallback(lambda got: got == b"kept")

        yield until(answered, 10, "the command answered on the promoted replica")
        now = yield self.primary_ports()
        self.assertEqual(shards.primaries(), {("127.0.0.1", port) for port in now})
        self.assertIn(("127.0.0.1", replica), shards.primaries())
        self.assertNotIn(("127.0.0.1", old), shards.links())
        self.assertFalse(old_link.running)
        self.assertEqual(len(shards.links()), 3)

    @defer.inlineCallbacks
    def test_a_map_naming_a_replica_is_asked_again(self):
        """The map names a replica as a slot's primary (a primary killed
        and back as its replacement's replica before the map was asked
        again; the chaos run's shard fault): the link there finds it is no
        primary, the map is asked again at once, with no command to ask it,
        and the replica's link is stopped."""
        shards = yield self.shard_links()
        slot = key_slot("{room1}:topic")
        link = shards.link_for(slot)
        assert link is not None and shards.map is not None
        primary = port_of(link)
        replica = yield self.replica_of(primary)
        shards.map.moved(slot, ("127.0.0.1", replica))
        shards._relink()
        self.assertIn(("127.0.0.1", replica), shards.links())

        def asked_again():
            assert shards.map is not None
            return defer.succeed(
                shards.map.primary_of(slot) == ("127.0.0.1", primary)
                and ("127.0.0.1", replica) not in shards.links()
            )

        yield until(asked_again, 10, "the map asked again, the replica left")

    @defer.inlineCallbacks
    def test_a_subscriber_link_to_a_replica_has_the_map_asked_again(self):
        """The map names a replica as a slot's primary, and only the
        subscriber link has gone there (the commands' link got in while
        the killed primary, started again, still said it was one; the
        chaos run's shard fault): that link finds it is no primary, the
        map is asked again with no command to ask it, and the subscriber
        link to the replica is stopped, so a node waiting for every link
        to serve is not left waiting."""
        shards = yield self.shard_links()
        subscribers = ShardSubscribers(reactor, shards)
        subscribers.startService()
        self.addCleanup(subscribers.stopService)
        subscribers.relink()
        yield until(
            lambda: defer.succeed(subscribers.connected()),
            10,
            "a subscriber link to each primary serving",
        )
        slot = key_slot("{room1}:topic")
        primary = port_of(shards.link_for(slot))
        replica = yield self.replica_of(primary)
        assert shards.map is not None
        shards.map.moved(slot, ("127.0.0.1", replica))
        subscribers.relink()  # the commands' links are left as they are
        stale = subscribers.link_for(slot)
        assert stale is not None
        self.assertNotIn(("127.0.0.1", replica), shards.links())

        def asked_again():
            assert shards.map is not None
            return defer.succeed(
                shards.map.primary_of(slot) == ("127.0.0.1", primary)
                and not stale.running
                and subscribers.connected()
            )

        yield until(asked_again, 10, "the map asked again, the replica left")
