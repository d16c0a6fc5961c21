"""The HTTP door's bounds, one connection at a time, on a ``task.Clock``.

Each test drives the real ``--http`` site (:func:`build_site`) over a
``StringTransport`` that, like a socket's buffer, pauses its producer
once more than a few KiB wait to be sent, and resumes it when the test
lets the client read.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.limits import HTTPLimits
from chatroom.doors.web.site import build_site
from tests.support import local_server, log_lines

LIMITS = HTTPLimits(header_timeout=5, idle_timeout=30, max_body=1024, sendq=4096)


class SocketBuffer(StringTransport):
    """A ``StringTransport`` whose buffer fills like a socket's.

    Past ``size`` unsent bytes it pauses its producer; :meth:`read` is the
    client reading everything, after which the producer resumes.
    """

    size = 32 * 1024

    def __init__(self, host: str) -> None:
        super().__init__(peerAddress=IPv4Address("TCP", host, 50000))
        self.full = False

    def write(self, data: bytes) -> None:
        super().write(data)
        if len(self.io.getvalue()) > self.size and self.producer and not self.full:
            self.full = True
            self.producer.pauseProducing()

    def read(self) -> bytes:
        data = self.value()
        self.clear()
        if self.full and self.producer is not None:
            self.full = False
            self.producer.resumeProducing()
        return data


class HTTPBoundsTestCase(unittest.TestCase):
    """A server and its ``--http`` site on a clock."""

    config = ServerConfig(max_per_ip=2, max_clients=3)

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(self.config, self.clock)
        self.site = build_site(self.server, LIMITS)

    def connect(self, host: str = "127.0.0.1") -> tuple[Any, SocketBuffer]:
        transport = SocketBuffer(host)
        connection = self.site.buildProtocol(transport.getPeer())
        connection.makeConnection(transport)
        return connection, transport


class HTTPBoundsBodyTests(HTTPBoundsTestCase):
    """Request bodies are refused from the headers, never read."""

    def test_huge_post_refused_from_headers(self) -> None:
        """``Content-Length: 1 GiB``: 413 and closed at once; what follows is
        not read (no request is made, nothing is kept)."""
        connection, transport = self.connect()
        connection.dataReceived(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"
        )
        answer = transport.value()
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        self.assertTrue(transport.disconnecting)
        transport.clear()
        connection.dataReceived(b"x" * 100_000)
        self.assertEqual(transport.value(), b"")
        self.assertEqual(connection.wrappedProtocol.requests[-1].content, None)

    def test_body_on_get_refused(self) -> None:
        """A ``GET`` of the client's page with any body: 413."""
        connection, transport = self.connect()
        connection.dataReceived(
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
        )
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 413 "))

    def test_chunked_body_refused(self) -> None:
        """A body of unannounced size (chunked): 411, unread."""
        connection, transport = self.connect()
        connection.dataReceived(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 411 "))
        self.assertTrue(transport.disconnecting)

    def test_small_body_goes_through(self) -> None:
        """A small body under the limit reaches the resource (which has no
        POST: 405), and the connection stays open."""
        connection, transport = self.connect()
        connection.dataReceived(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        )
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 405 "))
        self.assertFalse(transport.disconnecting)


class TimeoutTests(HTTPBoundsTestCase):
    """Half-sent requests and idle keep-alive connections are closed."""

    def test_half_sent_headers_closed(self) -> None:
        """Headers trickled a byte at a time do not keep the connection:
        408 and closed ``header_timeout`` seconds after it opened."""
        connection, transport = self.connect()
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n":
            connection.dataReceived(bytes([byte]))
            self.clock.advance(0.1)
        self.clock.advance(LIMITS.header_timeout - 3)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 408 "))
        self.assertTrue(transport.disconnecting)

    def test_silent_connection_closed(self) -> None:
        """A connection that never sends a request is closed after the
        header timeout, not twisted.web's twelve hours."""
        _, transport = self.connect()
        self.clock.advance(LIMITS.header_timeout)
        self.assertTrue(transport.disconnecting)

    def test_keep_alive_idle_closed(self) -> None:
        """After an answer, the connection may wait ``idle_timeout`` (not the
        header timeout) for its next request, then it is closed."""
        connection, transport = self.connect()
        connection.dataReceived(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn(b"ok\n", transport.read())
        self.clock.advance(LIMITS.header_timeout + 1)
        self.assertFalse(transport.disconnecting)
        connection.dataReceived(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn(b"ok\n", transport.read())
        self.clock.advance(LIMITS.idle_timeout)
        self.assertTrue(transport.disconnecting)


class HTTPBoundsPipeliningTests(HTTPBoundsTestCase):
    """Pipelined requests are answered only as fast as the client reads."""

    def test_non_reader_gets_no_more_answers(self) -> None:
        """200 pipelined ``GET /app.js``: answers stop once the socket's
        buffer is full, and resume, a few at a time, as the client reads."""
        connection, transport = self.connect()
        request = b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n"
        connection.dataReceived(request * 200)
        size = len(transport.value())
        answered = transport.value().count(b"HTTP/1.1 200 ")
        self.assertLessEqual(size, SocketBuffer.size + 20_000)
        self.assertLess(answered, 5)
        total = answered
        while total < 200:
            transport.read()
            more = transport.value().count(b"HTTP/1.1 200 ")
            self.assertGreater(more, 0)
            self.assertLess(more, 5)
            total += more
        self.assertEqual(total, 200)

    def test_non_reader_closed_when_idle(self) -> None:
        """A client that pipelines and never reads is closed after the idle
        timeout."""
        connection, transport = self.connect()
        connection.dataReceived(b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
        self.clock.advance(LIMITS.idle_timeout)
        self.assertTrue(transport.disconnecting)


class AdmissionTests(HTTPBoundsTestCase):
    """HTTP connections count against ``--max-per-ip`` and ``--max-clients``."""

    def test_max_per_ip(self) -> None:
        """The third connection from one address gets 503 and is closed;
        another address still gets in; a closed one frees its place."""
        first, _ = self.connect()
        self.connect()
        third, refused = self.connect()
        self.assertTrue(refused.value().startswith(b"HTTP/1.1 503 "))
        self.assertIn(b"too many connections from your address", refused.value())
        self.assertTrue(refused.disconnecting)
        third.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # not parsed
        self.assertNotIn(b"200", refused.value())
        _, elsewhere = self.connect("10.0.0.2")
        self.assertEqual(elsewhere.value(), b"")
        first.connectionLost(Failure(ConnectionDone()))
        _, again = self.connect()
        self.assertEqual(again.value(), b"")

    def test_max_clients(self) -> None:
        """Past ``--max-clients`` in all, whatever the address: 503."""
        for number in range(3):
            self.connect(f"10.0.0.{number}")
        _, refused = self.connect("10.0.1.1")
        self.assertIn(b"server full", refused.value())


#: A browser's WebSocket handshake at ``/ws``.
UPGRADE = (
    b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
    b"Sec-WebSocket-Key: Y2hhdHJvb20tYmVuY2gtMQ==\r\n\r\n"
)


class UpgradeTests(HTTPBoundsTestCase):
    """Once a connection is a WebSocket, nothing of its HTTP request is kept."""

    def test_http_channel_and_request_let_go(self) -> None:
        """After the ``101`` the HTTP channel (and the request it holds) is
        freed at once, with the collector off (no cycle keeps it), and the
        session behind the WebSocket still answers a frame."""
        gc.disable()
        self.addCleanup(gc.enable)
        connection, transport = self.connect()
        channel = weakref.ref(connection.wrappedProtocol)
        connection.dataReceived(UPGRADE)
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 101 "))
        self.assertIn(b"HELLO chatroom", transport.value())
        self.assertIsNone(channel())
        transport.clear()
        connection.dataReceived(b"\x81\x85\0\0\0\0alice")  # masked, zero key
        self.assertTrue(transport.value().startswith(b"\x81\rWELCOME alice"))


class AccessLogTests(HTTPBoundsTestCase):
    """What the access log shows of what machines ask all day."""

    def logged(self, request: bytes) -> list[str]:
        """The access log's lines written while ``request`` is answered."""
        self.site.doStart()  # as a port does: its access log opened
        self.addCleanup(self.site.doStop)
        lines = log_lines(self)
        connection, transport = self.connect()
        connection.dataReceived(request)
        transport.read()
        return [line for line in lines if 'HTTP/1.1" ' in line]

    def test_a_good_health_check_is_not_logged(self) -> None:
        """A load balancer asking ``/healthz`` every few seconds writes no
        line while the node is well."""
        self.assertEqual(self.logged(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), [])

    def test_a_failing_health_check_is_logged(self) -> None:
        """A node answering ``503`` (it cannot reach Redis) shows it."""
        self.server.registry.backend.available = False  # type: ignore[attr-defined]
        lines = self.logged(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(len(lines), 1)
        self.assertIn('"GET /healthz HTTP/1.1" 503', lines[0])

    def test_other_requests_are_logged(self) -> None:
        lines = self.logged(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(len(lines), 1)
        self.assertIn('"GET /nowhere HTTP/1.1" 404', lines[0])

    def test_a_line_is_stamped_when_written_with_no_timer(self) -> None:
        """The site sets no timer to keep its log's timestamp (an idle node
        is not woken every second for it), and a line written later reads
        the time it was written."""
        self.site.doStart()
        self.addCleanup(self.site.doStop)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(86400 * 3 + 3600 * 5 + 7)  # 4 January 1970, 05:00:07
        lines = self.logged(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn("[04/Jan/1970:05:00:07 +0000]", lines[0])
