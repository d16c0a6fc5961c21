"""The preview fetcher without the network: request URLs, and the time
bound on a ``MemoryReactorClock`` (a server that connects and never
answers). Which addresses it refuses is its guard's
(``tests/wiring/test_outbound.py``)."""

from __future__ import annotations

from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial import unittest

from chatroom.wiring.linkfetch import TIME_LIMIT, PageFetcher, request_url
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy


class RequestURLTests(unittest.TestCase):
    """What the fetcher asks for."""

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
        guard = OutboundGuard(reactor, OutboundPolicy())
        fetching = PageFetcher(guard).fetch("http://93.184.216.34/")
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
