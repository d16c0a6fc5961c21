"""A node's subscriber connection (its ``SubscriberProtocol``) on a Redis
Cluster, where the scripts publish by sharded pub/sub: what it
sends to subscribe, what it hands on, and the ``sunsubscribe`` Redis sends
by itself when the cluster moves the chat's slot, which makes the node
subscribe again where the slot went.

The real protocol and link over a ``StringTransport`` speaking RESP; the
whole path against real Redis Cluster processes is in
``tests/cluster/test_redis_cluster.py``.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.redisclient.addresses import redis_address
from chatroom.redisclient.link import RedisLink


def resp(*items: bytes | int) -> bytes:
    """A RESP array of bulk strings and integers, as Redis sends a push."""
    parts = [b"*%d\r\n" % len(items)]
    for item in items:
        if isinstance(item, int):
            parts.append(b":%d\r\n" % item)
        else:
            parts.append(b"$%d\r\n%s\r\n" % (len(item), item))
    return b"".join(parts)


class SubscriberTestCase(unittest.TestCase):
    url = "cluster://127.0.0.1:7000,127.0.0.1:7001"

    def setUp(self) -> None:
        self.link = RedisLink(
            Clock(),
            redis_address(self.url),
            "subscriber",
            True,
            cluster_key=CLUSTER_PREFIX,
        )
        self.heard: list[tuple[bytes, bytes]] = []
        self.link.on_message = lambda channel, data: self.heard.append((channel, data))
        self.protocol = self.link.protocol_class(
            self.link, charset=None, convertNumbers=False
        )
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.link.connection = self.protocol
        self.transport.clear()


class ShardedTests(SubscriberTestCase):
    def test_subscribes_by_sharded_pub_sub(self) -> None:
        """A channel is asked for with ``SSUBSCRIBE``, and its confirmation
        answers the asking."""
        asked = self.protocol.subscribe([b"{chatroom}:chan:tea"])
        self.assertTrue(self.transport.value().startswith(b"*2\r\n$10\r\nSSUBSCRIBE"))
        self.protocol.dataReceived(resp(b"ssubscribe", b"{chatroom}:chan:tea", 1))
        self.assertEqual(self.successResultOf(asked)[0], b"ssubscribe")

    def test_sharded_messages_are_handed_on(self) -> None:
        self.protocol.dataReceived(resp(b"smessage", b"{chatroom}:chan:tea", b"7 x"))
        self.assertEqual(self.heard, [(b"{chatroom}:chan:tea", b"7 x")])

    def test_its_own_unsubscribing_keeps_the_connection(self) -> None:
        leaving = self.protocol.unsubscribe([b"{chatroom}:chan:tea"])
        self.assertIn(b"SUNSUBSCRIBE", self.transport.value())
        self.protocol.dataReceived(resp(b"sunsubscribe", b"{chatroom}:chan:tea", 0))
        self.successResultOf(leaving)
        self.assertFalse(self.transport.disconnecting)

    def test_the_slot_moved_drops_the_connection(self) -> None:
        """A ``sunsubscribe`` nobody asked for: the cluster moved the
        chat's slot, and the link is dropped to reconnect to its new
        primary (the node then subscribes again and catches up)."""
        self.protocol.dataReceived(resp(b"sunsubscribe", b"{chatroom}:chan:tea", 0))
        self.assertTrue(self.transport.disconnecting)


class PlainRedisTests(SubscriberTestCase):
    url = "redis://127.0.0.1:6379"

    def test_subscribes_as_before(self) -> None:
        """On one Redis (or behind Sentinel), plain ``SUBSCRIBE`` and
        ``message``, as the scripts ``PUBLISH`` there."""
        self.protocol.subscribe([b"chatroom:chan:tea"])
        self.assertTrue(self.transport.value().startswith(b"*2\r\n$9\r\nSUBSCRIBE"))
        self.protocol.dataReceived(resp(b"message", b"chatroom:chan:tea", b"7 x"))
        self.assertEqual(self.heard, [(b"chatroom:chan:tea", b"7 x")])

    def test_messages_and_answers_in_one_read_keep_their_order(self) -> None:
        """A read may hold several channels' messages and a subscription's
        answer, and end in the middle of a message: each message is
        handed on once, in order, the answer goes to who asked, and the
        cut message comes whole with the next read."""
        asked = self.protocol.subscribe([b"chatroom:chan:cake"])
        data = (
            resp(b"message", b"chatroom:chan:tea", b"7 x")
            + resp(b"subscribe", b"chatroom:chan:cake", 2)
            + resp(b"message", b"chatroom:chan:cake", b"1 y")
            + resp(b"message", b"chatroom:chan:tea", b"8 z")
        )
        self.protocol.dataReceived(data[:-5])
        self.assertEqual(
            self.heard,
            [(b"chatroom:chan:tea", b"7 x"), (b"chatroom:chan:cake", b"1 y")],
        )
        self.assertEqual(self.successResultOf(asked)[0], b"subscribe")
        self.protocol.dataReceived(data[-5:])
        self.assertEqual(self.heard[2:], [(b"chatroom:chan:tea", b"8 z")])
