"""The web door's WebSocket wire protocol (its sessions read frames with
wsproto themselves, in place of twisted.web's wire protocol): pings,
closes, fragmented messages and a request that is no handshake, driven
through the real ``--http`` site over a ``StringTransport``."""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.site import build_site
from chatroom.doors.web.socket import LineWebSocket
from tests.doors.web.test_http_bounds import UPGRADE
from tests.support import local_server


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A client's frame, masked with a zero key (so its payload reads as is)."""
    assert len(payload) < 126
    return (
        bytes((opcode | (0x80 if fin else 0), 0x80 | len(payload))) + bytes(4) + payload
    )


class WireTestCase(unittest.TestCase):
    """A ``/ws`` connection through the real site, upgraded."""

    def setUp(self) -> None:
        server = local_server(ServerConfig(), Clock())
        site = build_site(server)
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", "127.0.0.1", 50000)
        )
        self.connection: Any = site.buildProtocol(self.transport.getPeer())
        self.connection.makeConnection(self.transport)
        self.connection.dataReceived(UPGRADE)
        self.assertIn(b"HELLO chatroom", self.transport.value())
        self.transport.clear()

    def send(self, data: bytes) -> bytes:
        """What the server answers ``data``."""
        self.connection.dataReceived(data)
        answer = self.transport.value()
        self.transport.clear()
        return answer


class WireTests(WireTestCase):
    """What twisted.web's wire protocol did, the session does."""

    def test_ping_answered_with_pong(self) -> None:
        """A browser's ping gets its pong, with the same payload."""
        self.assertEqual(
            self.send(frame(0x9, b"are you there")), b"\x8a\x0dare you there"
        )

    def test_fragmented_message_is_one_line(self) -> None:
        """A message sent in two frames is one line: the name ``alice``."""
        self.assertEqual(self.send(frame(0x1, b"ali", fin=False)), b"")
        self.assertTrue(
            self.send(frame(0x0, b"ce")).startswith(b"\x81\x0dWELCOME alice")
        )

    def test_close_answered_then_closed(self) -> None:
        """A close frame is answered with one (same code) and the TCP
        connection closes."""
        answer = self.send(frame(0x8, b"\x03\xe8"))  # 1000, normal closure
        self.assertEqual(answer[:4], b"\x88\x02\x03\xe8")
        self.assertTrue(self.transport.disconnecting)

    def test_bad_frame_closes_with_protocol_error(self) -> None:
        """An unmasked frame from a client breaks the protocol: close 1002."""
        answer = self.send(b"\x81\x05hello")
        self.assertEqual((answer[0], answer[2:4]), (0x88, b"\x03\xea"))
        self.assertTrue(self.transport.disconnecting)

    def test_wsproto_kept_only_while_a_frame_needs_it(self) -> None:
        """An open WebSocket between everyday frames holds no wsproto
        connection; half a frame makes one (without the event queue only a
        lost TCP connection it is told of would fill), which reads the
        rest, and is let go once the frame is whole."""
        session = self.connection.wrappedProtocol
        self.assertIsInstance(session, LineWebSocket)
        self.assertIsNone(session.connection)
        whole = frame(0x1, b"alice")
        self.assertEqual(self.send(whole[:4]), b"")
        self.assertEqual(session.connection._events, ())
        self.assertTrue(self.send(whole[4:]).startswith(b"\x81\x0dWELCOME alice"))
        self.assertIsNone(session.connection)

    def test_wsproto_kept_through_a_fragmented_message(self) -> None:
        """A message in fragments keeps wsproto's connection until its last
        fragment, and a ping between them is answered."""
        session = self.connection.wrappedProtocol
        self.assertEqual(self.send(frame(0x1, b"ali", fin=False)), b"")
        self.assertIsNotNone(session.connection)
        self.assertEqual(self.send(frame(0x9, b"hi")), b"\x8a\x02hi")
        self.assertTrue(
            self.send(frame(0x0, b"ce")).startswith(b"\x81\x0dWELCOME alice")
        )
        self.assertIsNone(session.connection)

    def test_server_close_then_client_close(self) -> None:
        """A session the server ends sends a close frame from an idle
        WebSocket (no wsproto connection until then)."""
        session = self.connection.wrappedProtocol
        session.loseConnection(1001)
        answer = self.transport.value()
        self.assertEqual(answer, b"\x88\x02\x03\xe9")
        self.assertTrue(self.transport.disconnecting)


class NotAHandshakeTests(unittest.TestCase):
    """``/ws`` asked for without a WebSocket handshake."""

    def test_plain_get_is_400(self) -> None:
        """A plain ``GET /ws`` is answered 400, as twisted.web's resource did."""
        site = build_site(local_server(ServerConfig(), Clock()))
        transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 1))
        connection = site.buildProtocol(transport.getPeer())
        connection.makeConnection(transport)
        connection.dataReceived(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 400 "))
        self.assertIn(b"websocket protocol negotiation error", transport.value())
