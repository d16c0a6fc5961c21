"""The IRC and browser doors over real sockets, next to the line protocol.

One real service (``makeService`` with ``--irc`` and ``--http`` on port 0)
per test; IRC clients are plain line clients speaking IRC, browsers are
Twisted's own WebSocket client, and plain HTTP goes through ``Agent``.
``/metrics`` is scraped and checked against the traffic the test made.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import defer, protocol, reactor, ssl
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    connectProtocol,
    wrapClientTLS,
)
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.python.failure import Failure
from twisted.python.filepath import FilePath
from twisted.web.client import Agent, readBody
from twisted.web.http_headers import Headers
from twisted.web.websocket import WebSocketClientEndpoint

from tests.integration.test_server import write_self_signed
from tests.support import LineClient, ServerTestCase, port_of


class WebSocketClient:
    """A browser's socket: every text frame it receives kept as a line."""

    def __init__(self) -> None:
        self.lines = LineClient()  # reuses its expect() bookkeeping
        self.closed: defer.Deferred[None] = defer.Deferred()
        self.is_closed = False

    def negotiationStarted(self, transport: Any) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self.lines.lines.append(message)
        self.lines._match()

    def bytesMessageReceived(self, data: bytes) -> None:
        self.lines.lines.append(f"<binary {data!r}>")

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Any) -> None:
        self.is_closed = True
        self.closed.callback(None)

    def say(self, line: str) -> None:
        self.transport.sendTextMessage(line)

    def expect_line(self, prefix: str) -> defer.Deferred[str]:
        return self.lines.expect_line(prefix)

    def expect(self, predicate: Callable[[str], bool]) -> defer.Deferred[str]:
        return self.lines.expect(predicate)


@defer.inlineCallbacks
def open_browser(port: int):
    """A WebSocket on ``/ws`` of the web door at ``port``, as a page opens it."""
    socket = WebSocketClient()

    class Factory:
        def buildProtocol(self, url: str) -> WebSocketClient:
            return socket

    endpoint = WebSocketClientEndpoint.new(reactor, f"ws://127.0.0.1:{port}/ws")
    yield defer.ensureDeferred(endpoint.connect(Factory()))
    return socket


class RawClient(protocol.Protocol):
    """Bytes in, bytes kept: for handshakes and protocols spoken wrong."""

    def __init__(self) -> None:
        self.data = b""
        self.closed: defer.Deferred[None] = defer.Deferred()
        self._waiting: list[tuple[Callable[[bytes], bool], defer.Deferred[bytes]]] = []

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        for check, waiter in list(self._waiting):
            if check(self.data):
                self._waiting.remove((check, waiter))
                waiter.callback(self.data)

    def until(self, check: Callable[[bytes], bool]) -> defer.Deferred[bytes]:
        waiter: defer.Deferred[bytes] = defer.Deferred()
        self._waiting.append((check, waiter))
        self.dataReceived(b"")
        return waiter

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.closed.callback(None)


@defer.inlineCallbacks
def irc_client(port: int, nick: str, tls: Any = None):
    """A registered IRC client (a line client: IRC lines end in CRLF)."""
    endpoint: IStreamClientEndpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    if tls is not None:
        endpoint = wrapClientTLS(tls, endpoint)
    client = yield connectProtocol(endpoint, LineClient())
    client.say(f"NICK {nick}")
    client.say(f"USER {nick} 0 * :{nick}")
    yield client.expect(lambda line: " 376 " in line)
    return client


@defer.inlineCallbacks
def line_from(testcase: Any, port: int, source: str):
    """A line client of ``port`` connected from address ``source`` (any of
    127.0.0.0/8), closed after the test."""
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, bindAddress=(source, 0))
    client = yield connectProtocol(endpoint, LineClient())
    testcase.clients.append(client)
    return client


class DoorsTestCase(ServerTestCase):
    """The service with every door open, on port 0."""

    doors: tuple[str, ...] = ("--irc", "tcp:0:interface=127.0.0.1")
    options: tuple[str, ...] = ("--rate", "0", "--http", "tcp:0:interface=127.0.0.1")
    #: The ports the doors got (set for each door in ``doors``).
    irc_port: int
    http_port: int

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.options = (*self.options, *self.doors)
        yield super().setUp()
        self.raw: list[RawClient] = []
        self.sockets: list[WebSocketClient] = []
        self.addCleanup(self._close_doors)
        for door in self.service.doors:
            port = yield self.service.doors[door].whenListening()
            setattr(self, f"{door}_port", port_of(port))

    @defer.inlineCallbacks
    def _close_doors(self):
        for raw in self.raw:
            assert raw.transport is not None
            raw.transport.loseConnection()
        for socket in self.sockets:
            if not socket.is_closed:
                socket.transport.loseConnection()
        yield defer.gatherResults(
            [raw.closed for raw in self.raw] + [s.closed for s in self.sockets]
        )

    @defer.inlineCallbacks
    def irc(self, nick: str, tls: Any = None):
        """A registered IRC client, closed after the test."""
        client = yield irc_client(self.irc_port, nick, tls)
        self.clients.append(client)
        return client

    @defer.inlineCallbacks
    def irc_from(self, source: str, *lines: str):
        """An IRC client connected from address ``source``, having sent
        ``lines``."""
        client = yield line_from(self, self.irc_port, source)
        for line in lines:
            client.say(line)
        return client

    @defer.inlineCallbacks
    def browser_from(self, source: str):
        """A page's WebSocket connected from address ``source``."""
        socket = WebSocketClient()

        class Factory:
            def buildProtocol(self, url: str) -> WebSocketClient:
                return socket

        endpoint = WebSocketClientEndpoint.new(
            reactor,
            f"ws://127.0.0.1:{self.http_port}/ws",
            bindAddress=(source, 0),  # type: ignore[arg-type]  # a host and port
        )
        yield defer.ensureDeferred(endpoint.connect(Factory()))
        self.sockets.append(socket)
        return socket

    @defer.inlineCallbacks
    def three_in_general(self):
        """lina (line protocol), ivy (IRC) and wes (browser) in general."""
        line_user = yield self.client("lina")
        line_user.say("/join general")
        yield line_user.expect_line("MEMBERS general")
        ircer = yield self.irc("ivy")
        ircer.say("JOIN #general")
        yield ircer.expect(lambda line: " 366 " in line)
        web = yield self.browser("wes")
        web.say("/join general")
        yield web.expect_line("MEMBERS general")
        return line_user, ircer, web

    @defer.inlineCallbacks
    def browser(self, name: str | None = None):
        """A WebSocket on /ws, signed in as ``name`` if given."""
        socket = yield open_browser(self.http_port)
        self.sockets.append(socket)
        yield socket.expect_line("HELLO ")
        if name is not None:
            socket.say(name)
            yield socket.expect_line("WELCOME ")
        return socket

    @defer.inlineCallbacks
    def raw_client(self, port: int, data: bytes):
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        raw = yield connectProtocol(endpoint, RawClient())
        self.raw.append(raw)
        raw.transport.write(data)
        return raw

    @defer.inlineCallbacks
    def get(self, path: str, headers: dict[str, str] | None = None):
        agent = Agent(reactor)
        response = yield agent.request(
            b"GET",
            f"http://127.0.0.1:{self.http_port}{path}".encode(),
            Headers({k: [v] for k, v in (headers or {}).items()}),
        )
        body = yield readBody(response)
        return response, body

    def handshake(self, origin: str | None) -> bytes:
        lines = [
            "GET /ws HTTP/1.1",
            f"Host: 127.0.0.1:{self.http_port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
        if origin is not None:
            lines.append(f"Origin: {origin}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


class ThreeDoorsTests(DoorsTestCase):
    """IRC, browser and line users in one room."""

    @defer.inlineCallbacks
    def test_one_room_three_doors(self):
        """Each user sees the other two's messages, in their own protocol."""
        line_user, ircer, web = yield self.three_in_general()
        ircer.say("PRIVMSG #general :from irc")
        yield line_user.expect(lambda line: line.endswith(" from irc"))
        yield web.expect(lambda line: line.startswith("MSG general ivy "))
        web.say("from the web")
        yield line_user.expect(lambda line: line.endswith(" from the web"))
        yield ircer.expect_line(":wes!wes@chatroom PRIVMSG #general :from the web")
        line_user.say("from the line")
        yield ircer.expect_line(":lina!lina@chatroom PRIVMSG #general :from the line")
        yield web.expect(lambda line: line.endswith(" from the line"))

    @defer.inlineCallbacks
    def test_a_browser_in_two_rooms(self):
        """A browser with ``/caps multi`` sits in two rooms at once: it hears
        both, speaks to either, and IRC and line users see it in both."""
        line_user, ircer, web = yield self.three_in_general()
        web.say("/caps multi")
        yield web.expect_line("CAPS multi")
        web.say("/create tea")
        yield web.expect_line("READ tea *")
        line_user.say("/join tea")
        yield line_user.expect_line("MEMBERS tea wes lina")
        self.assertFalse([x for x in web.lines.lines if x.startswith("LEFT")])
        ircer.say("PRIVMSG #general :still here?")
        yield web.expect(lambda line: line.startswith("MSG general ivy "))
        web.say("/say general yes")
        yield ircer.expect_line(":wes!wes@chatroom PRIVMSG #general :yes")
        web.say("in tea")
        yield line_user.expect(lambda line: line.startswith("MSG tea wes "))
        web.say("/focus general")
        yield web.expect_line("FOCUS general")
        web.say("/leave tea")
        yield web.expect_line("LEFT tea")
        yield line_user.expect_line("PART tea wes left")
        web.say("back in general")
        yield ircer.expect_line(":wes!wes@chatroom PRIVMSG #general :back in general")


class MetricsTests(DoorsTestCase):
    """/metrics against traffic the test made."""

    @defer.inlineCallbacks
    def scrape(self):
        response, body = yield self.get("/metrics")
        self.assertEqual(response.code, 200)
        samples = {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                key = sample.name + "".join(
                    f"[{v}]" for _, v in sorted(sample.labels.items())
                )
                samples[key] = sample.value
        return samples

    @defer.inlineCallbacks
    def test_known_traffic(self):
        """Connections and users per door, rooms, messages in and out, deliveries."""
        before = yield self.scrape()
        line_user, ircer, web = yield self.three_in_general()
        yield self.browser()  # connected, no name yet
        ircer.say("PRIVMSG #general :one")
        yield line_user.expect(lambda line: line.endswith(" one"))
        web.say("two")
        yield line_user.expect(lambda line: line.endswith(" two"))
        line_user.say("three")
        yield web.expect(lambda line: line.endswith(" three"))
        yield ircer.expect(lambda line: line.endswith(":three"))
        after = yield self.scrape()

        def delta(key: str) -> float:
            return after.get(key, 0.0) - before.get(key, 0.0)

        self.assertEqual(after["chatroom_connections[irc]"], 1)
        self.assertEqual(after["chatroom_connections[web]"], 2)
        self.assertEqual(after["chatroom_connections[line]"], 1)
        self.assertEqual(after["chatroom_users[web]"], 1)
        self.assertEqual(after["chatroom_users[irc]"], 1)
        self.assertEqual(after["chatroom_rooms"], 1)
        for door in ("irc", "web", "line"):
            self.assertEqual(delta(f"chatroom_messages_in_total[{door}]"), 1)
        # three messages to a room of three: nine copies (the IRC sender's
        # own is counted in the fan-out and skipped by its door)
        self.assertEqual(delta("chatroom_messages_out_total"), 9)
        # ... and the JOINs: 0 + 1 + 2 members were there to hear them
        self.assertEqual(delta("chatroom_deliveries_total"), 12)
        self.assertGreaterEqual(delta("chatroom_command_seconds_count[say]"), 3)

    @defer.inlineCallbacks
    def test_health_and_client(self):
        """/healthz says ok; / is the client, with a strict CSP; no listing."""
        response, body = yield self.get("/healthz")
        self.assertEqual((response.code, body), (200, b"ok\n"))
        response, body = yield self.get("/")
        self.assertEqual(response.code, 200)
        self.assertIn(b'<script src="app.js"', body)
        policy = response.headers.getRawHeaders("content-security-policy")[0]
        self.assertIn("default-src 'self'", policy)
        response, body = yield self.get("/app.js")
        self.assertIn(b"new WebSocket", body)
        response, _ = yield self.get("/static/")
        self.assertEqual(response.code, 404)


class BadInputTests(DoorsTestCase):
    """Wrong input at each door: a clear answer, and nobody else hurt."""

    options = (
        "--rate",
        "0",
        "--http",
        "tcp:0:interface=127.0.0.1",
        "--http-origins",
        "https://chat.example.org",
    )

    @defer.inlineCallbacks
    def test_frames(self):
        """Over-long, binary and multi-line frames are refused; the session
        goes on; a message past 64 KiB closes it; others are unaffected."""
        bystander = yield self.browser("bystander")
        web = yield self.browser("wes")
        web.say("x" * 5000)
        yield web.expect_line("ERR LINE_TOO_LONG ")
        web.transport.sendBytesMessage(b"\x00\x01")
        yield web.expect_line("ERR BAD_ENCODING ")
        web.say("/join general\n/quit")
        yield web.expect_line("ERR BAD_TEXT ")
        web.say("PING still-here")
        yield web.expect_line("PONG still-here")
        web.say("y" * (100 * 1024))
        yield web.expect_line("BYE line too long")
        yield web.closed
        huge = yield self.browser("huge")
        huge.say("z" * (4 * 1024 * 1024))  # never buffered whole: cut off early
        yield huge.expect_line("BYE line too long")
        yield huge.closed
        bystander.say("PING ok")
        yield bystander.expect_line("PONG ok")

    @defer.inlineCallbacks
    def test_origins(self):
        """A page of another site is refused 403; this site's and allowed
        origins, and programs without Origin, get in."""
        refused = yield self.raw_client(
            self.http_port, self.handshake("http://evil.example")
        )
        reply = yield refused.until(lambda data: b"\r\n\r\n" in data)
        self.assertTrue(reply.startswith(b"HTTP/1.1 403 "), reply)
        yield refused.until(lambda data: b"not allowed" in data)
        for origin in (
            f"http://127.0.0.1:{self.http_port}",
            "https://chat.example.org",
            None,
        ):
            accepted = yield self.raw_client(self.http_port, self.handshake(origin))
            reply = yield accepted.until(lambda data: b"HELLO" in data)
            self.assertTrue(reply.startswith(b"HTTP/1.1 101 "), reply)

    @defer.inlineCallbacks
    def test_http_to_irc_port(self):
        """HTTP at the IRC port: an HTTP 400 that says so, then closed."""
        raw = yield self.raw_client(self.irc_port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        yield raw.closed
        self.assertTrue(raw.data.startswith(b"HTTP/1.0 400 Bad Request"), raw.data)
        self.assertIn(b"This port speaks IRC", raw.data)

    @defer.inlineCallbacks
    def test_irc_garbage(self):
        """Binary junk and malformed IRC lines: FAIL INVALID_UTF8 and 421,
        session on."""
        ircer = yield self.irc("ivy")
        ircer.transport.write(b"\xff\xfe\x00junk\r\n:prefix-only\r\n\r\nFROB\r\n")
        yield ircer.expect_line(":chatroom FAIL * INVALID_UTF8 ")
        yield ircer.expect(lambda line: " 421 ivy FROB " in line)
        ircer.say("PING :alive")
        yield ircer.expect_line(":chatroom PONG chatroom :alive")


class IRCOverTLSTests(DoorsTestCase):
    """``--irc ssl:...`` serves IRC over TLS."""

    def setUp(self):
        directory = FilePath(tempfile.mkdtemp()).child("tls")
        self.addCleanup(directory.parent().remove)
        self.key, self.cert = write_self_signed(directory)
        self.doors = (
            "--irc",
            "ssl:0:interface=127.0.0.1"
            f":privateKey={self.key.path}:certKey={self.cert.path}",
        )
        return super().setUp()

    @defer.inlineCallbacks
    def test_tls(self):
        """A verifying TLS IRC client registers and chats with a line user."""
        authority = ssl.Certificate.loadPEM(self.cert.getContent())
        options = ssl.optionsForClientTLS("127.0.0.1", trustRoot=authority)
        ircer = yield self.irc("ivy", tls=options)
        ircer.say("JOIN #general")
        yield ircer.expect(lambda line: " 366 " in line)
        line_user = yield self.client("lina")
        line_user.say("/join general")
        yield line_user.expect_line("MEMBERS general")
        ircer.say("PRIVMSG #general :over tls")
        yield line_user.expect(lambda line: line.endswith(" over tls"))


class ExportTests(DoorsTestCase):
    """``/export`` at the line door, its link fetched at the HTTP door."""

    doors = ()

    @defer.inlineCallbacks
    def test_the_link_works_once(self):
        """A signed-in user's ``EXPORT`` link, fetched over HTTP, is their
        JSON archive, a download no cache keeps; fetched again: 404."""
        user = yield self.client("alice")
        user.say("/register horse-battery-staple")
        yield user.expect_line("REGISTERED alice")
        user.say("/export")
        line = yield user.expect_line("EXPORT ")
        url = line.split()[1]
        self.assertTrue(url.startswith(f"http://localhost:{self.http_port}/export/"))
        path = url.split(str(self.http_port), 1)[1]
        response, body = yield self.get(path)
        self.assertEqual(response.code, 200)
        headers = response.headers
        self.assertEqual(headers.getRawHeaders("content-type"), ["application/json"])
        self.assertIn("attachment", headers.getRawHeaders("content-disposition")[0])
        self.assertEqual(headers.getRawHeaders("cache-control"), ["no-store"])
        self.assertEqual(json.loads(body)["account"]["name"], "alice")
        response, _ = yield self.get(path)
        self.assertEqual(response.code, 404)
