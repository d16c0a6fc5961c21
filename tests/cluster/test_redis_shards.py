"""The router over a Redis Cluster's primaries (``slots.py``).

The slot of a key, a redirection and a ``CLUSTER SLOTS`` reply are read by
pure functions, tested with literals; that the slot is Redis's own is
checked against ``CLUSTER KEYSLOT`` of a real server.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.trial import unittest

from chatroom.backends.redis.link import _ask_redis
from chatroom.backends.redis.slots import (
    SLOTS,
    Redirection,
    SlotMap,
    key_slot,
    redirection,
)
from tests.cluster.redis_cluster import emptied_cluster_server
from tests.cluster.support import NO_REDIS, REDIS_SERVER


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
