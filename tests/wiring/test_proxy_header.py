"""Doors behind a proxy that sends the PROXY protocol's header (``haproxy:``).

Real line and IRC doors over ``StringTransport`` (the proxy's connection,
from 10.0.0.2), time on a ``task.Clock``: the door sees the client's
address from the header at its first moment, so ``--max-per-ip`` counts
clients, not the proxy; a connection without a header never reaches a door.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.line.protocol import LineFactory
from chatroom.net.tcpdirect import direct_connection
from chatroom.wiring.proxyheader import (
    HEADER_WAIT,
    HeaderFirst,
    ProxiedFactory,
    split_proxied,
)
from tests.support import local_server

PROXY = IPv4Address("TCP", "10.0.0.2", 51000)


def v1(client: str, port: int = 40000) -> bytes:
    return f"PROXY TCP4 {client} 10.0.0.9 {port} 8080\r\n".encode()


def v2(client: str, port: int = 40000) -> bytes:
    """A v2 (binary) header: PROXY command, TCP over IPv4."""
    addresses = bytes(int(part) for part in client.split(".")) + bytes([10, 0, 0, 9])
    body = addresses + struct.pack("!HH", port, 8080)
    signature = b"\r\n\r\n\x00\r\nQUIT\n"
    return signature + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


class ProxyHeaderCase(unittest.TestCase):
    config = ServerConfig(max_per_ip=2)

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(self.config, self.clock)
        self.factory = ProxiedFactory(LineFactory(self.server), self.clock)
        self._wrappers: dict[int, HeaderFirst] = {}

    def connect(self, factory: ProxiedFactory | None = None) -> StringTransport:
        """A connection from the proxy, before its header."""
        transport = StringTransport(peerAddress=PROXY)
        wrapper = (factory or self.factory).buildProtocol(PROXY)
        assert isinstance(wrapper, HeaderFirst)
        wrapper.makeConnection(transport)
        self._wrappers[id(transport)] = wrapper
        return transport

    def wrapper(self, transport: StringTransport) -> HeaderFirst:
        """The wrapper the proxy's connection ``transport`` was given."""
        return self._wrappers[id(transport)]


class ProxyHeaderTests(ProxyHeaderCase):
    def test_the_door_starts_with_the_client_address(self) -> None:
        """Nothing is said before the header; then the greeting, and the
        session's address (what the log, bans and limits use) is the
        client's, for a v1 and a v2 header alike."""
        for header, client in (
            (v1("203.0.113.7"), "203.0.113.7"),
            (v2("198.51.100.4"), "198.51.100.4"),
        ):
            transport = self.connect()
            self.assertEqual(transport.value(), b"")
            self.wrapper(transport).dataReceived(
                header + b"alice" + client[-1].encode() + b"\r\n"
            )
            lines = transport.value().decode().split("\r\n")
            self.assertTrue(lines[0].startswith("HELLO chatroom "), lines)
            self.assertEqual(lines[1], f"WELCOME alice{client[-1]}")
            door = self.wrapper(transport).wrappedProtocol
            self.assertEqual(door.connection.host, client)  # type: ignore[attr-defined]

    def test_header_in_pieces(self) -> None:
        """A header split over reads (a byte at a time) is still read whole."""
        transport = self.connect()
        for byte in v1("203.0.113.8"):
            self.wrapper(transport).dataReceived(bytes([byte]))
        self.assertTrue(transport.value().startswith(b"HELLO chatroom "))

    def test_max_per_ip_counts_clients_not_the_proxy(self) -> None:
        """Three clients through one proxy all get in past --max-per-ip 2;
        a third from one client's address is refused, as if it came direct."""
        for client in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.1"):
            transport = self.connect()
            self.wrapper(transport).dataReceived(v1(client))
            self.assertTrue(transport.value().startswith(b"HELLO "), client)
        refused = self.connect()
        self.wrapper(refused).dataReceived(v1("203.0.113.1"))
        self.assertIn(b"ERR SERVER_FULL ", refused.value())

    def test_no_header_never_reaches_a_door(self) -> None:
        """A client that talks to the port directly (no header) is closed
        at once, and one that sends nothing is closed after HEADER_WAIT
        seconds; neither was ever a connection of the server's."""
        talking = self.connect()
        self.wrapper(talking).dataReceived(b"alice\r\nhello everyone\r\n")
        self.assertTrue(talking.disconnected or talking.disconnecting)
        self.assertEqual(talking.value(), b"")
        silent = self.connect()
        self.clock.advance(HEADER_WAIT - 1)
        self.assertFalse(silent.disconnected or silent.disconnecting)
        self.clock.advance(1)
        self.assertTrue(silent.disconnected or silent.disconnecting)
        self.wrapper(silent).connectionLost(None)
        self.assertEqual(len(self.server.connections), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_irc_door_behind_the_proxy(self) -> None:
        """At the IRC door too, three users through one proxy all get in
        past --max-per-ip 2: each is counted by the address the header gave."""
        factory = ProxiedFactory(IRCFactory(self.server), self.clock)
        for number in range(3):
            transport = self.connect(factory)
            self.wrapper(transport).dataReceived(
                v1(f"203.0.113.{50 + number}")
                + f"NICK wes{number}\r\nUSER wes 0 * :Wes\r\n".encode()
            )
            self.assertIn(f" 001 wes{number} ", transport.value().decode())

    def test_the_door_still_writes_to_the_socket_itself(self) -> None:
        """Past the header, the door's output goes straight to the TCP
        connection under the wrapper (tcpdirect), not through it."""
        wrapper = HeaderFirst(self.factory, Protocol())
        underneath = object()
        wrapper.transport = underneath  # type: ignore[assignment]
        self.assertIs(wrapper.direct_transport, underneath)
        self.assertIsNone(direct_connection(wrapper))  # not TCP here: the plain path

    def test_endpoint_descriptions(self) -> None:
        """``haproxy:`` over tcp: or unix: is read; over TLS it is refused
        in words, since the header would come before TLS."""
        self.assertEqual(split_proxied("tcp:8080"), (False, "tcp:8080"))
        self.assertEqual(
            split_proxied("haproxy:tcp:8080:interface=10.0.0.9"),
            (True, "tcp:8080:interface=10.0.0.9"),
        )
        with self.assertRaises(ValueError) as refused:
            split_proxied("haproxy:ssl:6697:privateKey=key.pem")
        self.assertIn("terminate TLS at the proxy", str(refused.exception))


class ProxyHeaderLimitsTests(ProxyHeaderCase):
    config = replace(ServerConfig(), max_per_ip=1)

    def test_the_proxy_itself_is_not_counted(self) -> None:
        """Connections waiting for their header hold no place of anyone's."""
        waiting = [self.connect() for _ in range(5)]
        self.assertEqual(len(self.server.connections), 0)
        self.wrapper(waiting[0]).dataReceived(v1("203.0.113.9"))
        self.assertTrue(waiting[0].value().startswith(b"HELLO "))
