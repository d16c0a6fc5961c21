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

from chatroom.core.config import ServerConfig
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

    def test_no_event_queue_kept(self) -> None:
        """wsproto's per-connection event queue (which only a lost TCP
        connection it is told of would fill) is not kept."""
        session = self.connection.wrappedProtocol
        self.assertIsInstance(session, LineWebSocket)
        self.assertEqual(session.connection._events, ())


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
