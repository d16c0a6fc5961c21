"""The WebSocket handshake at ``/ws`` and ``/irc``
(:mod:`chatroom.doors.web.handshake`), through the real ``--http`` site
over a ``StringTransport``: each answer is the one wsproto gives the same
request (read here by wsproto's own handshake), byte for byte, whether
the door read the request itself (the everyday handshake, with no h11
parser run) or left it to wsproto (anything unusual)."""

from __future__ import annotations

import socket
import sys
from types import FrameType
from typing import Any

import h11
from twisted.internet import tcp
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial import unittest
from wsproto import ConnectionType
from wsproto.events import AcceptConnection
from wsproto.events import Request as Asked
from wsproto.handshake import H11Handshake
from wsproto.utilities import RemoteProtocolError

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.web.ircsocket import chosen_subprotocol
from chatroom.doors.web.site import build_site
from tests.support import local_server

#: A browser's handshake, its headers as it sends them.
BROWSER = [
    (b"Host", b"localhost:8080"),
    (b"User-Agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Firefox/140.0"),
    (b"Accept", b"*/*"),
    (b"Sec-WebSocket-Version", b"13"),
    (b"Origin", b"http://localhost:8080"),
    (b"Sec-WebSocket-Extensions", b"permessage-deflate"),
    (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    (b"Connection", b"keep-alive, Upgrade"),
    (b"Upgrade", b"websocket"),
]


def changed(*replaced: tuple[bytes, bytes | None]) -> list[tuple[bytes, bytes]]:
    """:data:`BROWSER` with each named header given another value (None:
    without it)."""
    values = dict(replaced)
    headers = [(name, values.get(name, value)) for name, value in BROWSER]
    return [(name, value) for name, value in headers if value is not None]


#: Everyday handshakes: the door reads them itself.
EVERYDAY = {
    "a browser's": BROWSER,
    "a bare one": [
        (b"Host", b"x"),
        (b"Upgrade", b"WebSocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Version", b"13"),
        (b"Sec-WebSocket-Key", b"Y2hhdHJvb20tYmVuY2gtMQ=="),
    ],
    "IRC's subprotocols": [
        *BROWSER,
        (b"Sec-WebSocket-Protocol", b"binary.ircv3.net, text.ircv3.net"),
    ],
    "subprotocols in two headers": [
        *BROWSER,
        (b"Sec-WebSocket-Protocol", b"chat"),
        (b"Sec-WebSocket-Protocol", b"Text.IRCv3.net"),
    ],
    "an empty subprotocol": [*BROWSER, (b"Sec-WebSocket-Protocol", b"")],
}

#: Handshakes the door leaves to wsproto: some it accepts, some it refuses.
UNUSUAL = {
    "no Upgrade in Connection": changed((b"Connection", b"keep-alive")),
    "another version": changed((b"Sec-WebSocket-Version", b"8")),
    "no key": changed((b"Sec-WebSocket-Key", None)),
    "no Host": changed((b"Host", None), (b"Origin", None)),
    "Upgrade: h2c": changed((b"Upgrade", b"h2c")),
    "two keys": [*BROWSER, (b"Sec-WebSocket-Key", b"c2Vjb25kIG5vbmNlIGhlcmU=")],
    "a vertical tab in a value": changed((b"User-Agent", b"odd\x0bagent")),
    "a form feed in a value": changed((b"Accept", b"\x0c")),
    "a body's length": [*BROWSER, (b"Content-Length", b"0")],
    "a header near h11's bound": [*BROWSER, (b"X-Filler", b"f" * 9000)],
    "Connection not ASCII": changed((b"Connection", b"Upgrade, caf\xc3\xa9")),
}


class Traced:
    """Which modules' Python ran while it was on (``sys.setprofile``)."""

    def __init__(self) -> None:
        self.files: set[str] = set()

    def __enter__(self) -> Traced:
        sys.setprofile(self._called)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)

    def _called(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self.files.add(frame.f_code.co_filename)

    def ran(self, package: str) -> bool:
        return any(f"/{package}/" in name for name in self.files)


def wsprotos_answer(
    path: bytes, headers: list[tuple[bytes, bytes]], irc: bool
) -> bytes | None:
    """What wsproto's own handshake answers the request (None: it refuses
    it), with the subprotocol the door would choose at ``/irc``."""
    handshake = H11Handshake(ConnectionType.SERVER)
    try:
        handshake.initiate_upgrade_connection(headers, path)
    except (RemoteProtocolError, h11.ProtocolError, UnicodeError):
        return None
    (asked,) = [event for event in handshake.events() if isinstance(event, Asked)]
    subprotocol = chosen_subprotocol(asked.subprotocols) if irc else None
    return handshake.send(AcceptConnection(subprotocol=subprotocol))


class HandshakeTests(unittest.TestCase):
    """Each handshake at ``/ws`` and ``/irc`` answered as wsproto answers it."""

    def setUp(self) -> None:
        server = local_server(ServerConfig(), Clock())
        self.site = build_site(server, irc=IRCFactory(server))

    def answer(self, path: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
        """The site's answer to the request, up to its headers' end."""
        transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 5000))
        connection: Any = self.site.buildProtocol(transport.getPeer())
        connection.makeConnection(transport)
        lines = [b"GET %s HTTP/1.1" % path, *[b"%s: %s" % pair for pair in headers]]
        connection.dataReceived(b"\r\n".join(lines) + b"\r\n\r\n")
        head, _, _ = transport.value().partition(b"\r\n\r\n")
        return head + b"\r\n\r\n"

    def test_everyday_handshakes_answered_as_wsproto_would_without_h11(
        self,
    ) -> None:
        """An everyday handshake's ``101`` is wsproto's, byte for byte (the
        accept token, the subprotocol chosen at ``/irc``), and no h11
        parser ran for it."""
        for name, headers in EVERYDAY.items():
            for path in (b"/ws", b"/irc"):
                with self.subTest(name, path=path):
                    expected = wsprotos_answer(path, headers, path == b"/irc")
                    assert expected is not None
                    with Traced() as traced:
                        self.assertEqual(self.answer(path, headers), expected)
                    self.assertFalse(traced.ran("h11"), name)

    def test_unusual_handshakes_are_wsprotos(self) -> None:
        """A handshake out of the everyday is read by wsproto: its ``101``
        if it accepts it, else the door's ``400`` (a refusal of h11's
        too: no ``Host``, or a ``Connection`` that is not ASCII)."""
        for name, headers in UNUSUAL.items():
            with self.subTest(name):
                expected = wsprotos_answer(b"/ws", headers, False)
                answer = self.answer(b"/ws", headers)
                if expected is None:
                    self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
                else:
                    self.assertEqual(answer, expected)


class PeerConnection(tcp.Connection):
    """A TCP transport over a connected pair of sockets, saying where it
    comes from."""

    def getPeer(self) -> IPv4Address:
        return IPv4Address("TCP", "127.0.0.1", 5000)

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", "127.0.0.1", 8080)


class OneSendTests(unittest.TestCase):
    """At ``/ws`` the ``101`` and the session's ``HELLO`` leave together."""

    def setUp(self) -> None:
        listening = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listening.close)
        self.theirs = socket.create_connection(listening.getsockname())
        self.addCleanup(self.theirs.close)
        ours, _ = listening.accept()
        self.addCleanup(ours.close)
        ours.setblocking(False)
        self.theirs.setblocking(False)
        self.clock = Clock()
        site = build_site(local_server(ServerConfig(), self.clock))
        self.protocol: Any = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5000))
        transport = PeerConnection(ours, self.protocol, MemoryReactorClock())
        transport.connected = True
        self.protocol.makeConnection(transport)

    def received(self) -> bytes:
        try:
            return self.theirs.recv(65536)
        except BlockingIOError:
            return b""

    def test_the_101_and_hello_in_one_send_at_the_turns_end(self) -> None:
        """Nothing reaches the client while the handshake's turn runs; at
        its end the ``101`` and the ``HELLO`` frame, in that order, in one
        piece (one ``send()``, where the ``101`` had one of its own)."""
        lines = [b"GET /ws HTTP/1.1", *[b"%s: %s" % h for h in EVERYDAY["a bare one"]]]
        self.protocol.dataReceived(b"\r\n".join(lines) + b"\r\n\r\n")
        self.assertEqual(self.received(), b"")
        self.clock.advance(0)
        expected = wsprotos_answer(b"/ws", EVERYDAY["a bare one"], False)
        assert expected is not None
        both = self.received()
        self.assertTrue(both.startswith(expected + b"\x81"), both)
        self.assertIn(b"HELLO chatroom", both)
