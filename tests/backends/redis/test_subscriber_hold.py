"""A node's subscriber link with its reads held (``--subscriber-hold``):
a read after a quiet spell is handed on at once, a read that comes sooner
stops the socket being read for the rest of the hold, reading resumes
once it has passed (on the link's clock), and a link lost or stopped
while held leaves no timer due and reads no dead transport.

The real protocol and link over a ``StringTransport`` (whose
``producerState`` says whether the socket is read), on a ``Clock``.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.error import ConnectionLost
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.redisclient.addresses import redis_address
from chatroom.redisclient.link import RedisLink
from tests.backends.redis.test_subscriber import resp

CHANNEL = b"chatroom:chan:tea"


def event(number: int) -> bytes:
    return resp(b"message", CHANNEL, b"%d x" % number)


class HoldTestCase(unittest.TestCase):
    hold = 0.010

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.link = RedisLink(
            self.clock,
            redis_address("redis://127.0.0.1:6379"),
            "subscriber",
            subscriber=True,
            hold=self.hold,
        )
        self.heard: list[bytes] = []
        self.link.on_message = lambda channel, data: self.heard.append(data)
        self.protocol = self.link.protocol_class(
            self.link, charset=None, convertNumbers=False
        )
        self.protocol.callLater = self.clock.callLater
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.link.connection = self.protocol

    def reading(self) -> bool:
        return self.transport.producerState == "producing"


class HeldReadsTests(HoldTestCase):
    def test_a_read_after_a_quiet_spell_is_not_held(self) -> None:
        """A quiet node hands each event on as it comes, and keeps
        reading: nothing waits for a timer."""
        self.protocol.dataReceived(event(1))
        self.clock.advance(0.011)
        self.protocol.dataReceived(event(2))
        self.assertEqual(self.heard, [b"1 x", b"2 x"])
        self.assertTrue(self.reading())
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_a_read_soon_after_another_holds_the_next_until_the_hold_passed(
        self,
    ) -> None:
        """The second read within the hold is handed on, then the socket
        is not read until the hold since the first has passed; then it
        is read again, and a read at once after that is held again for
        a whole hold: at most one read per hold while events keep coming."""
        self.protocol.dataReceived(event(1))
        self.clock.advance(0.003)
        self.protocol.dataReceived(event(2))
        self.assertEqual(self.heard, [b"1 x", b"2 x"])
        self.assertFalse(self.reading())
        self.clock.advance(0.0069)
        self.assertFalse(self.reading())
        self.clock.advance(0.0001)
        self.assertTrue(self.reading())
        self.protocol.dataReceived(event(3) + event(4))  # what came meanwhile
        self.assertEqual(self.heard[2:], [b"3 x", b"4 x"])
        self.assertFalse(self.reading())
        self.clock.advance(0.0099)
        self.assertFalse(self.reading())
        self.clock.advance(0.0001)
        self.assertTrue(self.reading())

    def test_after_a_quiet_resumption_the_next_read_is_at_once(self) -> None:
        """Once the node is quiet again (nothing came by the end of a
        hold), its next event is read at once and not held."""
        self.protocol.dataReceived(event(1))
        self.protocol.dataReceived(event(2))
        self.clock.advance(0.010)
        self.assertTrue(self.reading())
        self.clock.advance(0.011)
        self.protocol.dataReceived(event(3))
        self.assertTrue(self.reading())
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_a_reply_is_counted_as_heard_when_read(self) -> None:
        """Reads held still count on the link's hearing when they come
        (a call's deadline asks whether Redis answers)."""
        before = self.link.hearing.reads
        self.protocol.dataReceived(event(1))
        self.protocol.dataReceived(event(2))
        self.clock.advance(0.010)
        self.protocol.dataReceived(event(3))
        self.assertEqual(self.link.hearing.reads, before + 3)

    def test_a_subscription_is_answered_by_the_read_it_came_in(self) -> None:
        """A subscription's answer in a held link's read answers the
        asking there and then."""
        self.protocol.dataReceived(event(1))
        asked = self.protocol.subscribe([b"chatroom:chan:cake"])
        self.protocol.dataReceived(resp(b"subscribe", b"chatroom:chan:cake", 2))
        self.assertEqual(self.successResultOf(asked)[0], b"subscribe")
        self.assertFalse(self.reading())

    def test_a_link_lost_while_held_leaves_no_timer(self) -> None:
        """The connection lost while its reads are held: no resumption is
        left due, and the dead transport is not read again."""
        self.protocol.dataReceived(event(1))
        self.protocol.dataReceived(event(2))
        self.assertFalse(self.reading())
        self.protocol.connectionLost(Failure(ConnectionLost()))
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(1)
        self.assertFalse(self.reading())

    def test_a_read_that_closes_the_connection_is_not_held(self) -> None:
        """A read after which the connection is closing (the node left
        it) does not pause a transport that is going."""
        self.protocol.dataReceived(event(1))
        self.transport.loseConnection()
        self.protocol.dataReceived(event(2))
        self.assertEqual(self.clock.getDelayedCalls(), [])


class SocketTransport(StringTransport):
    """A ``StringTransport`` with bytes waiting in its "socket", read by
    ``doRead`` as a TCP transport reads its socket."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = b""
        self.protocol: Any = None

    def doRead(self) -> None:
        data, self.waiting = self.waiting, b""
        if data:
            self.protocol.dataReceived(data)


class ResumedReadTests(HoldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.socket = self.transport = SocketTransport()
        self.socket.protocol = self.protocol
        self.protocol.makeConnection(self.socket)

    def test_what_came_while_held_is_read_when_the_hold_passes(self) -> None:
        """The events that waited are handed on when the hold passes, by
        the link reading its socket then (one wake for the hold, not a
        second for the socket), and the next read is held again."""
        self.protocol.dataReceived(event(1))
        self.protocol.dataReceived(event(2))
        self.socket.waiting = event(3) + event(4)
        self.clock.advance(0.010)
        self.assertEqual(self.heard, [b"1 x", b"2 x", b"3 x", b"4 x"])
        self.assertFalse(self.reading())
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(0.010)  # nothing came: read as it comes
        self.assertTrue(self.reading())
        self.assertEqual(self.clock.getDelayedCalls(), [])


class NoHoldTests(HoldTestCase):
    hold = 0.0

    def test_without_the_option_every_read_is_at_once(self) -> None:
        self.protocol.dataReceived(event(1))
        self.protocol.dataReceived(event(2))
        self.assertTrue(self.reading())
        self.assertEqual(self.clock.getDelayedCalls(), [])
