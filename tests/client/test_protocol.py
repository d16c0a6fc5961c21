"""The client protocol: framing and grammar in, events out, keepalive answered."""

from __future__ import annotations

from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.client.protocol import ChatClientProtocol
from chatroom.wire.lines import ParsedLine


class ClientRecorder:
    """An EventReceiver that keeps everything it is told."""

    def __init__(self) -> None:
        self.events: list[ParsedLine] = []
        self.made = 0
        self.lost: list[Failure] = []

    def connection_made(self, protocol: ChatClientProtocol) -> None:
        self.made += 1

    def event_received(self, event: ParsedLine) -> None:
        self.events.append(event)

    def connection_lost(self, reason: Failure) -> None:
        self.lost.append(reason)


class ChatClientProtocolTests(unittest.TestCase):
    """Lines from the server become events, however the bytes arrive."""

    def setUp(self) -> None:
        self.receiver = ClientRecorder()
        self.protocol = ChatClientProtocol(self.receiver)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def test_connection_reported(self) -> None:
        """The receiver hears that the connection opened."""
        self.assertEqual(self.receiver.made, 1)

    def test_line_split_anywhere(self) -> None:
        """A line split inside a UTF-8 character and between CR and LF is one event."""
        data = "MSG tea bob 2026-11-21T18:04:05.123Z héllo there\r\n".encode()
        cut = data.index("é".encode()) + 1
        for piece in (data[:cut], data[cut:-1], data[-1:]):
            self.protocol.dataReceived(piece)
        self.assertEqual(
            self.receiver.events,
            [
                ParsedLine(
                    "MSG", ("tea", "bob", "2026-11-21T18:04:05.123Z"), "héllo there"
                )
            ],
        )

    def test_several_lines_in_one_segment(self) -> None:
        """Lines sharing a segment are delivered in order."""
        self.protocol.dataReceived(
            b"WELCOME alice\r\nROOMS 1\r\nROOM general 0 256\r\n"
        )
        self.assertEqual(
            [event.name for event in self.receiver.events],
            ["WELCOME", "ROOMS", "ROOM"],
        )
        self.assertEqual(self.receiver.events[2].fields, ("general", "0", "256"))

    def test_ping_answered_not_shown(self) -> None:
        """A keepalive PING is answered with its token and never reaches the model."""
        self.protocol.dataReceived(b"PING abc123\r\n")
        self.assertEqual(self.transport.value(), b"PONG abc123\r\n")
        self.assertEqual(self.receiver.events, [])

    def test_send_line(self) -> None:
        """Typed text goes out UTF-8 encoded with a CRLF end."""
        self.protocol.send_line("hello wörld")
        self.assertEqual(self.transport.value(), "hello wörld\r\n".encode())

    def test_bad_bytes_do_not_break_the_session(self) -> None:
        """Invalid UTF-8 is shown with replacement characters, not a crash."""
        self.protocol.dataReceived(b"HELP caf\xff\r\nHELP ok\r\n")
        self.assertEqual(
            [event.text for event in self.receiver.events], ["caf\ufffd", "ok"]
        )

    def test_connection_lost_reported(self) -> None:
        """The receiver hears when the connection goes."""
        self.protocol.connectionLost(Failure(ConnectionError("gone")))
        self.assertEqual(len(self.receiver.lost), 1)
