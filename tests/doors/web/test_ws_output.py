"""The web door's output: frames written straight to the socket, a reactor
turn's frames in one ``send()``, as the line door's lines are; and the
ordinary ``transport.write`` path wherever there is no plain TCP socket."""

from __future__ import annotations

from twisted.internet import tcp
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.protocols.policies import WrappingFactory
from twisted.trial import unittest

from chatroom.doors.base.sendq import Flusher, SendQueue
from chatroom.doors.web.frames import frame_lines
from chatroom.doors.web.site import LimitedChannel
from chatroom.doors.web.socket import FramedStream
from chatroom.net.tcpdirect import direct_connection
from tests.support import SocketPairCase


class WireProtocol:
    """What :class:`FramedStream` reads of twisted.web's WebSocket wire
    protocol: the transport it writes to (here the HTTP connection's
    :class:`LimitedChannel`)."""

    def __init__(self, transport: object) -> None:
        self.transport = transport


def channel_over(transport: StringTransport | tcp.Connection) -> LimitedChannel:
    """A :class:`LimitedChannel` wrapping ``transport``, as the site makes it,
    registered as its producer as the HTTP channel is before the upgrade."""
    channel = LimitedChannel(WrappingFactory(ServerFactory()), Protocol())
    channel.transport = transport
    transport.registerProducer(channel, True)
    return channel


class NeverFull:
    """The queue's owner, for queues these tests never fill."""

    def output_full(self) -> None:
        raise AssertionError("a 1000-byte queue overflowed")


class DirectFramesTests(SocketPairCase):
    """Over a real TCP connection (a socket pair)."""

    def setUp(self) -> None:
        super().setUp()
        self.stream = FramedStream(WireProtocol(channel_over(self.connection)))
        self.queue = SendQueue(self.stream, 1000, NeverFull(), Flusher(self.clock))

    def test_frames_of_a_turn_arrive_together_in_order(self) -> None:
        """Two events' frames wait for the end of the turn, then reach the
        browser as they were framed, in order, without Twisted's buffer."""
        first = frame_lines(b"JOIN tea bob\r\n")
        second = frame_lines(b"MSG tea bob t hi\r\n")
        self.assertIs(direct_connection(self.stream), self.connection)
        self.queue.write(first)
        self.queue.write(second)
        self.assertEqual(self.received(), b"")
        self.clock.advance(0)
        self.assertEqual(self.received(), first + second)
        self.assertEqual(self.connection.dataBuffer, b"")

    def test_close_sends_what_was_written_first(self) -> None:
        """A goodbye written just before closing still reaches the browser."""
        goodbye = frame_lines(b"BYE Goodbye\r\n")
        self.queue.write(goodbye)
        self.queue.close()
        self.assertEqual(self.received(), goodbye)


class OrdinaryPathTests(unittest.TestCase):
    """Without a plain TCP socket under the channel (TLS, a test transport)."""

    def test_frames_go_through_the_transport(self) -> None:
        """The frames are written, unchanged, with ``transport.write``."""
        transport = StringTransport()
        stream = FramedStream(WireProtocol(channel_over(transport)))
        self.assertIsNone(direct_connection(stream))
        queue = SendQueue(stream, 1000, NeverFull(), Flusher(Clock()))
        queue.write(frame_lines(b"MSG tea bob t hi\r\n"))
        self.assertEqual(transport.value(), frame_lines(b"MSG tea bob t hi\r\n"))
