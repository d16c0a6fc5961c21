"""IRC over a WebSocket (:mod:`chatroom.doors.web.ircsocket`), unit by unit.

A real :class:`IRCWebSocket` (and behind it the IRC door's
:class:`IRCProtocol`) writes its frames to a ``StringTransport``, and wsproto,
as a browser's client side, reads them back; IRC clients over TCP share the
server (a ``task.Clock``). The handshake over real sockets is
``tests/integration/test_irc_websocket.py``.
"""

from __future__ import annotations

from typing import Any, cast

from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from wsproto.frame_protocol import FrameProtocol, Opcode

from chatroom.doors.web.ircsocket import (
    BINARY,
    TEXT,
    IRCWebSocket,
    chosen_subprotocol,
)
from tests.doors.irc.test_irc import IRCTestCase
from tests.support import settle


class FakeWebSocket:
    """What the session keeps of Twisted's WebSocket: its TCP transport,
    where the HTTP channel had registered itself as producer."""

    def __init__(self) -> None:
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", "127.0.0.1", 40000)
        )
        self.transport.registerProducer(self, True)

    def pauseProducing(self) -> None:
        """The HTTP channel's part: nothing to pause here."""

    def resumeProducing(self) -> None:
        """Likewise."""

    def stopProducing(self) -> None:
        """Likewise."""

    def loseConnection(self, code: int = 1000) -> None:
        """Twisted's sends a close frame, then closes the TCP connection."""
        self.close_code = code
        self.transport.loseConnection()


class Browser:
    """An IRC client in a browser, on one :class:`IRCWebSocket`."""

    def __init__(self, test: IRCTestCase, binary: bool) -> None:
        self.socket = FakeWebSocket()
        self.session = IRCWebSocket(test.next_door(), None, binary)
        self.session.negotiationStarted(cast(Any, self.socket))
        self.session.negotiationFinished()
        self.reader = FrameProtocol(client=True, extensions=[])

    def frames(self) -> list[tuple[Opcode, bytes]]:
        """Every message the server sent since last asked: (kind, payload)."""
        settle()
        data = self.socket.transport.value()
        self.socket.transport.clear()
        self.reader.receive_bytes(data)
        found = []
        for frame in self.reader.received_frames():
            payload = frame.payload
            if isinstance(payload, str):
                payload = payload.encode("utf-8")
            assert isinstance(payload, bytes | bytearray), frame
            found.append((frame.opcode, bytes(payload)))
        return found

    def lines(self) -> list[str]:
        return [payload.decode("utf-8") for _, payload in self.frames()]


class SubprotocolTests(IRCTestCase):
    """Which subprotocol the handshake agrees on."""

    def test_client_order_wins(self) -> None:
        """The first subprotocol the client offers that we speak is chosen;
        unknown ones are passed over; none known is None (text messages)."""
        self.assertEqual(chosen_subprotocol([BINARY, TEXT]), BINARY)
        self.assertEqual(chosen_subprotocol([TEXT, BINARY]), TEXT)
        self.assertEqual(chosen_subprotocol(["chat", TEXT]), TEXT)
        self.assertIsNone(chosen_subprotocol(["chat"]))
        self.assertIsNone(chosen_subprotocol([]))


class IRCOverWebSocketFramingTests(IRCTestCase):
    """One IRC line per message, both ways."""

    def registered(self, binary: bool) -> Browser:
        browser = Browser(self, binary)
        browser.session.textMessageReceived("NICK wes")
        browser.session.textMessageReceived("USER wes 0 * :Wes")
        return browser

    def test_text_messages_one_line_each(self) -> None:
        """With text.ircv3.net the welcome arrives as text messages, one
        line each and without CRLF."""
        browser = self.registered(binary=False)
        frames = browser.frames()
        self.assertTrue(all(kind == Opcode.TEXT for kind, _ in frames))
        first = frames[0][1].decode()
        self.assertTrue(first.startswith(":chatroom 001 wes "), first)
        self.assertFalse(any(b"\r" in p or b"\n" in p for _, p in frames))
        self.assertIn(" 376 ", frames[-1][1].decode())

    def test_binary_messages_when_agreed(self) -> None:
        """With binary.ircv3.net every message is binary, each one line."""
        browser = self.registered(binary=True)
        frames = browser.frames()
        self.assertTrue(all(kind == Opcode.BINARY for kind, _ in frames))
        self.assertTrue(frames[0][1].startswith(b":chatroom 001 wes "))

    def test_talks_with_tcp_irc_and_line_users(self) -> None:
        """A browser's PRIVMSG reaches a TCP IRC user and a line user in
        the channel; theirs reach the browser as one message each. A CRLF
        the client adds is dropped."""
        line, (ivy,) = self.line_room("lina", "ivy")
        browser = self.registered(binary=False)
        browser.session.textMessageReceived("JOIN #tea\r\n")
        browser.frames()
        ivy.received()
        line.received()
        browser.session.bytesMessageReceived(b"PRIVMSG #tea :hi from the web")
        self.assertEqual(
            ivy.received(), [":wes!wes@chatroom PRIVMSG #tea :hi from the web"]
        )
        self.assertTrue(line.received()[0].endswith(" hi from the web"))
        ivy.send("PRIVMSG #tea :hello wes")
        self.assertEqual(browser.lines(), [":ivy!ivy@chatroom PRIVMSG #tea :hello wes"])

    def test_invalid_utf8_is_refused(self) -> None:
        """A binary message that is not UTF-8 is FAIL INVALID_UTF8, as on
        TCP (the door is UTF8ONLY), and the session goes on."""
        browser = self.registered(binary=True)
        browser.frames()
        browser.session.bytesMessageReceived(b"PRIVMSG wes :caf\xe9")
        (refusal,) = browser.lines()
        self.assertIn(" FAIL PRIVMSG INVALID_UTF8 ", refusal)
        browser.session.textMessageReceived("PING :still")
        self.assertEqual(browser.lines(), [":chatroom PONG chatroom :still"])

    def test_oversized_message_closes(self) -> None:
        """A message longer than an unfinished line may grow (64 KiB)
        closes the session, as on TCP."""
        browser = self.registered(binary=False)
        browser.frames()
        browser.session.textMessageReceived("PRIVMSG wes :" + "x" * 70_000)
        self.assertIn("Input line too long", browser.lines()[-1])
        self.assertEqual(browser.socket.close_code, 1000)
        self.assertTrue(browser.socket.transport.disconnecting)
