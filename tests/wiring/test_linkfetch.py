"""The preview fetcher's rules without the network: which addresses are
refused, ``--preview-allow``'s exceptions, and the time bound on a
``MemoryReactorClock`` (a server that connects and never answers)."""

from __future__ import annotations

import ipaddress

from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial import unittest

from chatroom.wiring.linkfetch import (
    TIME_LIMIT,
    AddressPolicy,
    CheckedEndpoints,
    PageFetcher,
    is_public,
    request_url,
)
from chatroom.wiring.tap import Options


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


class AddressTests(unittest.TestCase):
    """What is never fetched, IPv4 and IPv6."""

    def test_internal_addresses_are_not_public(self) -> None:
        """Loopback, private, link-local (cloud metadata), multicast,
        reserved, unspecified, carrier-grade NAT, and IPv6 forms that carry
        such an IPv4 address."""
        for text in (
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "224.0.0.1",
            "240.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2002:7f00:1::",  # 6to4 of 127.0.0.1
        ):
            self.assertFalse(is_public(ip(text)), text)

    def test_public_addresses_are(self) -> None:
        """Addresses of the Internet are fetched."""
        for text in ("93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"):
            self.assertTrue(is_public(ip(text)), text)

    def test_exceptions_by_network_and_by_host_and_port(self) -> None:
        """A network allows any port of its addresses; ``HOST:PORT`` one
        port of one address, or of a host name as the link names it."""
        policy = AddressPolicy.parse(
            ["10.0.0.0/8", "127.0.0.1:8080", "[::1]:9000", "wiki.intra:80"]
        )
        self.assertTrue(policy.allows(ip("10.9.9.9"), "10.9.9.9", 443))
        self.assertTrue(policy.allows(ip("127.0.0.1"), "127.0.0.1", 8080))
        self.assertFalse(policy.allows(ip("127.0.0.1"), "127.0.0.1", 8081))
        self.assertTrue(policy.allows(ip("::1"), "::1", 9000))
        self.assertTrue(policy.allows(ip("192.168.0.5"), "wiki.intra", 80))
        self.assertFalse(policy.allows(ip("192.168.0.5"), "other.intra", 80))
        self.assertFalse(AddressPolicy().allows(ip("127.0.0.1"), "localhost", 80))

    def test_bad_exceptions_are_one_line_errors(self) -> None:
        """``--preview-allow`` refuses what is neither, at start-up."""
        with self.assertRaises(ValueError):
            AddressPolicy.parse(["not-a-network"])
        options = Options()
        with self.assertRaisesRegex(Exception, "--preview-allow: 'nonsense'"):
            options.parseOptions(["--preview-allow", "nonsense"])
        with self.assertRaisesRegex(Exception, "--previews: on or off"):
            Options().parseOptions(["--previews", "maybe"])

    def test_request_urls_are_ascii(self) -> None:
        """An international host is asked in IDNA, a path percent-encoded."""
        self.assertEqual(
            request_url("https://bücher.example/thé?q=é"),
            b"https://xn--bcher-kva.example/th%C3%A9?q=%C3%A9",
        )


class TimeBoundTests(unittest.TestCase):
    """The whole fetch is bounded on the reactor's clock."""

    def test_a_server_that_never_answers_gives_nothing_after_the_limit(self) -> None:
        """The fetch connects to the checked address (the literal IP, port
        80), the server accepts and says nothing: at the limit the fetch
        gives up (nothing to show) and the connection is dropped."""
        reactor = MemoryReactorClock()
        endpoints = CheckedEndpoints(reactor, AddressPolicy())
        fetching = PageFetcher(endpoints).fetch("http://93.184.216.34/")
        results: list[object] = []
        fetching.addCallback(results.append)
        ((host, port, factory, _timeout, _bind),) = reactor.tcpClients
        self.assertEqual((host, port), ("93.184.216.34", 80))
        protocol = factory.buildProtocol(None)
        assert protocol is not None
        transport = StringTransport()
        protocol.makeConnection(transport)
        self.assertTrue(transport.value().startswith(b"GET / HTTP/1.1\r\n"))
        reactor.advance(TIME_LIMIT - 0.1)
        self.assertEqual(results, [])
        reactor.advance(0.1)
        self.assertEqual(results, [None])
        self.assertTrue(transport.disconnecting or transport.disconnected)
