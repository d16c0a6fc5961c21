"""The send queue: the --sendq bound, the producer registration, and the
direct-to-socket path with the Twisted internals it depends on pinned."""

from __future__ import annotations

import gc
import socket

from twisted.internet import tcp
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.doors.base.sendq import Flusher, SendQueue
from chatroom.net.tcpdirect import (
    PRIVATE_ATTRIBUTES,
    LeanServer,
    TurnWriter,
    direct_connection,
    lean_transports,
    send_direct,
)
from tests.support import SocketPairCase


class SendQueueTests(unittest.TestCase):
    """Backpressure and the bound, over a test transport (the ordinary path)."""

    def setUp(self) -> None:
        self.transport = StringTransport()
        self.overflows = 0
        self.queue = SendQueue(self.transport, 100, self)

    def output_full(self) -> None:
        """The queue's owner: count overflows."""
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


class TurnWriterTests(SocketPairCase):
    """A Redis link's commands of one turn: one send() at the turn's end."""

    def setUp(self) -> None:
        super().setUp()
        self.writer = TurnWriter(self.connection, self.clock)

    def test_a_turns_commands_leave_together_at_its_end(self) -> None:
        """Nothing is sent during the turn; at its end every command, in
        order, and Twisted never had to wait for the socket."""
        self.writer.write(b"*1\r\n$4\r\nPING\r\n")
        self.writer.writeSequence([b"*2\r\n$3\r\nGET\r\n", b"$1\r\nk\r\n"])
        self.assertEqual(self.received(), b"")
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(0)
        self.assertEqual(
            self.received(), b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        )
        self.assertEqual(self.connection.dataBuffer, b"")
        self.assertFalse(self.connection._tempDataBuffer)

    def test_bytes_twisted_holds_go_first(self) -> None:
        """Twisted still holding bytes of the connection's (the socket was
        full): the turn's commands queue behind them, in order."""
        self.connection.dataBuffer = b"earlier"
        self.writer.write(b"later")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")
        self.assertEqual(self.connection._tempDataBuffer, [b"later"])

    def test_closing_sends_the_turns_commands_first(self) -> None:
        """A QUIT written just before closing still reaches the peer."""
        self.writer.write(b"*1\r\n$4\r\nQUIT\r\n")
        self.writer.loseConnection()
        self.assertEqual(self.received(), b"*1\r\n$4\r\nQUIT\r\n")

    def test_an_aborted_connection_sends_nothing_more(self) -> None:
        """Dropped for not answering: the turn's commands are not sent."""
        self.writer.write(b"*1\r\n$4\r\nPING\r\n")
        self.writer.abortConnection()
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")

    def test_the_rest_is_the_transports(self) -> None:
        """Whatever is not writing or closing is the transport's own."""
        self.assertIs(self.writer.socket, self.connection.socket)
        self.assertIs(self.writer.getHandle(), self.connection.socket)


class _ChosenServer(tcp.Server):
    """A server transport someone chose for a port."""


class LeanServerTests(unittest.TestCase):
    """The leaner server transport against Twisted's own, on a socket pair.

    What it derives instead of storing reads Twisted's private attributes:
    these tests pin that it still says what Twisted's transport says."""

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()  # Twisted's in-memory reactor
        pair = [socket.socketpair(), socket.socketpair()]
        self.theirs = pair[1][1]
        for ours, theirs in pair:
            self.addCleanup(ours.close)
            self.addCleanup(theirs.close)
        peer = ("127.0.0.1", 40000)
        listening = tcp.Port(6667, Factory(), reactor=self.clock)
        listening._realPortNumber = 6667  # as startListening sets it
        self.twisted = tcp.Server(
            pair[0][0], Protocol(), peer, listening, 7, self.clock
        )
        self.lean = LeanServer(pair[1][0], Protocol(), peer, listening, 7, self.clock)
        self.lean.protocol.makeConnection(self.lean)

    def test_says_what_twisteds_transport_says(self) -> None:
        """Its log prefix (what its log lines are tagged with) and its repr
        are Twisted's, and the reactor gets the socket's descriptor."""
        self.assertEqual(self.lean.logPrefix(), self.twisted.logPrefix())
        self.assertEqual(repr(self.lean), repr(self.twisted))
        self.assertEqual(self.lean.getPeer(), self.twisted.getPeer())
        self.assertEqual(self.lean.client, self.twisted.client)
        self.assertEqual(self.lean.fileno(), self.lean.socket.fileno())

    def test_holds_none_of_it(self) -> None:
        """An idle connection stores neither string, nor a bound ``fileno``,
        nor a list for queued bytes, nor the peer's address as a tuple (its
        port alone: the host is the transport's ``hostname``)."""
        for attribute in ("logstr", "repstr", "fileno", "_tempDataBuffer", "client"):
            self.assertIn(attribute, vars(self.twisted))
            self.assertNotIn(attribute, vars(self.lean))
        self.assertIsNone(self.lean._queue)
        self.assertEqual(vars(self.lean)["_peer"], 40000)

    def test_an_ipv6_peer_is_reported_as_twisteds_transport_reports_it(self) -> None:
        """A peer of four parts (IPv6's flow and scope) is kept whole."""
        peer = ("::1", 40003, 0, 0)
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        self.addCleanup(theirs.close)
        lean = LeanServer(ours, Protocol(), peer, self.lean.server, 9, self.clock)
        twisted = tcp.Server(theirs, Protocol(), peer, self.lean.server, 9, self.clock)
        self.assertEqual(lean.getPeer(), twisted.getPeer())
        self.assertEqual(lean.hostname, "::1")

    def test_queued_bytes_are_sent_in_order_then_let_go(self) -> None:
        """Bytes ``write`` queues reach the peer in order; once sent, the
        transport holds no list for them."""
        self.lean.write(b"JOIN tea bob\r\n")
        self.lean.writeSequence([b"MSG tea ", b"bob t hi\r\n"])
        self.assertEqual(self.lean._tempDataLen, 32)
        self.lean.doWrite()
        self.assertEqual(self.theirs.recv(100), b"JOIN tea bob\r\nMSG tea bob t hi\r\n")
        self.assertIsNone(self.lean._queue)

    def test_one_host_string_for_every_connection_from_a_host(self) -> None:
        """Two connections from one address share its host string (the one
        ``accept()`` made for each is let go) and report their own peers."""
        transports = []
        for port in (40001, 40002):
            host = ".".join(["127", "0", "0", "1"])  # a new string, as accept() makes
            ours, theirs = socket.socketpair()
            self.addCleanup(ours.close)
            self.addCleanup(theirs.close)
            transports.append(
                LeanServer(
                    ours, Protocol(), (host, port), self.lean.server, 8, self.clock
                )
            )
        first, second = transports
        self.assertIs(first.hostname, second.hostname)
        self.assertEqual(
            [(t.getPeer().host, t.getPeer().port) for t in transports],
            [("127.0.0.1", 40001), ("127.0.0.1", 40002)],
        )

    def test_closed_transport_has_no_descriptor(self) -> None:
        """After the connection is lost the reactor sees -1, as with Twisted's."""
        self.lean.connectionLost(Failure(ConnectionDone()))
        self.twisted.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.lean.fileno(), -1)
        self.assertEqual(self.twisted.fileno(), -1)

    def test_only_plain_tcp_ports_are_changed(self) -> None:
        """A listening TCP port accepts with the lean transport; a port
        whose transport someone chose already keeps it."""
        port = tcp.Port(0, Factory(), reactor=self.clock)
        self.assertIs(lean_transports(port), port)
        self.assertIs(port.transport, LeanServer)
        chosen = tcp.Port(0, Factory(), reactor=self.clock)
        chosen.transport = _ChosenServer
        lean_transports(chosen)
        self.assertIs(chosen.transport, _ChosenServer)


class CoalescingTests(SocketPairCase):
    """On the direct path, one reactor turn's writes leave in one send()."""

    def setUp(self) -> None:
        super().setUp()
        self.queue = SendQueue(self.connection, 1000, self, Flusher(self.clock))

    def output_full(self) -> None:
        """The queue's owner (never full here)."""

    def test_one_turn_one_send(self) -> None:
        """Writes wait for the end of the turn, then arrive together, in order."""
        self.queue.write(b"JOIN tea bob\r\n")
        self.queue.write(b"MSG tea bob t hi\r\n")
        self.assertEqual(self.received(), b"")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"JOIN tea bob\r\nMSG tea bob t hi\r\n")

    def test_a_turns_one_write_is_nothing_for_the_collector(self) -> None:
        """Idle, a queue holds nothing; a turn's one write is kept as its
        bytes, which the collector does not track (a list per turn made a
        message to a room of 10,000 feed the oldest generation: 11 % of the
        server in full collections, docs/performance.md); only a second
        write in the turn makes a list, and the turn's end lets it go."""
        self.assertIsNone(self.queue._pending)
        self.queue.write(b"MSG tea bob t hi\r\n")
        self.assertFalse(gc.is_tracked(self.queue._pending))
        self.queue.write(b"MSG tea bob t again\r\n")
        self.clock.advance(0)
        self.assertIsNone(self.queue._pending)
        self.assertEqual(
            self.received(), b"MSG tea bob t hi\r\nMSG tea bob t again\r\n"
        )

    def test_a_stopped_queue_sends_what_it_had_and_takes_nothing_more(self) -> None:
        """Once its connection is closing (the goodbye written), the queue
        takes no later event, but the goodbye still goes at the turn's end."""
        self.queue.write(b"BYE Goodbye\r\n")
        self.queue.stop()
        self.queue.write(b"MSG tea bob t too late\r\n")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"BYE Goodbye\r\n")
        self.queue.write(b"MSG tea bob t later still\r\n")
        self.queue.close()
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")

    def test_close_flushes_first(self) -> None:
        """What was written before close (a BYE, say) is sent, not lost."""
        self.queue.write(b"BYE Goodbye\r\n")
        self.queue.close()
        self.assertEqual(self.received(), b"BYE Goodbye\r\n")
        self.queue.write(b"too late\r\n")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")
