"""The send queue: the --sendq bound, the producer registration, and the
direct-to-socket path with the Twisted internals it depends on pinned."""

from __future__ import annotations

import socket

from twisted.internet import tcp
from twisted.internet.protocol import Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.doors.base.sendq import Flusher, OutputQueue
from chatroom.doors.base.tcpdirect import (
    PRIVATE_ATTRIBUTES,
    direct_connection,
    send_direct,
)


class OutputQueueTests(unittest.TestCase):
    """Backpressure and the bound, over a test transport (the ordinary path)."""

    def setUp(self) -> None:
        self.transport = StringTransport()
        self.overflows = 0
        self.queue = OutputQueue(self.transport, 100, self._overflowed)

    def _overflowed(self) -> None:
        self.overflows += 1

    def test_registered_as_streaming_producer(self) -> None:
        """The transport reports a client that stops reading to the queue."""
        self.assertIs(self.transport.producer, self.queue)
        self.assertTrue(self.transport.streaming)

    def test_fallback_path_writes_to_the_transport(self) -> None:
        """Without a plain TCP socket, bytes go through transport.write."""
        self.assertIsNone(direct_connection(self.transport))
        self.queue.write(b"hello\r\n")
        self.assertEqual(self.transport.value(), b"hello\r\n")

    def test_bound_applies_only_while_paused(self) -> None:
        """Past the limit while the client is not reading: overflow, once."""
        self.queue.write(b"x" * 500)  # reading: no bound
        self.queue.pauseProducing()
        self.queue.write(b"y" * 60)
        self.assertEqual(self.overflows, 0)
        self.queue.write(b"y" * 60)
        self.assertEqual(self.overflows, 1)
        self.queue.write(b"z")
        self.assertEqual(self.overflows, 1)
        self.assertNotIn(b"z", self.transport.value())

    def test_resume_forgives(self) -> None:
        """Once the client reads again the count starts afresh."""
        self.queue.pauseProducing()
        self.queue.write(b"y" * 90)
        self.queue.resumeProducing()
        self.queue.pauseProducing()
        self.queue.write(b"y" * 90)
        self.assertEqual(self.overflows, 0)


class DirectWriteTests(unittest.TestCase):
    """The fast path on a real TCP connection (a socket pair)."""

    def setUp(self) -> None:
        ours, self.theirs = socket.socketpair()
        ours.setblocking(False)
        self.addCleanup(self.theirs.close)
        self.connection = tcp.Connection(ours, Protocol())
        self.addCleanup(ours.close)

    def test_twisted_still_has_the_attributes(self) -> None:
        """Pinned: the private attributes the fast path reads exist."""
        for name in PRIVATE_ATTRIBUTES:
            self.assertTrue(hasattr(self.connection, name), name)

    def test_writes_straight_to_the_socket(self) -> None:
        """With nothing queued, bytes reach the peer without transport.write."""
        self.connection.connected = True
        self.assertIs(direct_connection(self.connection), self.connection)
        self.assertEqual(send_direct(self.connection, b"MSG tea a t hi\r\n"), b"")
        self.assertEqual(self.theirs.recv(100), b"MSG tea a t hi\r\n")
        self.assertEqual(self.connection.dataBuffer, b"")

    def test_keeps_order_behind_queued_bytes(self) -> None:
        """Something already queued: the fast path declines, order is kept."""
        self.connection.connected = True
        self.connection.dataBuffer = b"earlier"
        self.assertEqual(send_direct(self.connection, b"later"), b"later")


class CoalescingTests(unittest.TestCase):
    """On the direct path, one reactor turn's writes leave in one send()."""

    def setUp(self) -> None:
        ours, self.theirs = socket.socketpair()
        ours.setblocking(False)
        self.theirs.setblocking(False)
        self.addCleanup(self.theirs.close)
        self.addCleanup(ours.close)
        connection = tcp.Connection(ours, Protocol())
        connection.connected = True
        self.clock = Clock()
        self.connection = connection
        self.queue = OutputQueue(connection, 1000, lambda: None, Flusher(self.clock))

    def received(self) -> bytes:
        try:
            return self.theirs.recv(65536)
        except BlockingIOError:
            return b""

    def test_one_turn_one_send(self) -> None:
        """Writes wait for the end of the turn, then arrive together, in order."""
        self.queue.write(b"JOIN tea bob\r\n")
        self.queue.write(b"MSG tea bob t hi\r\n")
        self.assertEqual(self.received(), b"")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"JOIN tea bob\r\nMSG tea bob t hi\r\n")

    def test_close_flushes_first(self) -> None:
        """What was written before close (a BYE, say) is sent, not lost."""
        self.queue.write(b"BYE Goodbye\r\n")
        self.queue.close()
        self.assertEqual(self.received(), b"BYE Goodbye\r\n")
        self.queue.write(b"too late\r\n")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")
