"""The HTTP door's bounds, from outside, against the real ``twistd chatroom``.

Each test runs the plugin as a process with ``--http`` (and the other
doors) on port 0 and attacks it over real sockets as issue 24 did: a
1 GiB ``POST``, pipelining clients that never read, half-sent headers
from one address.
"""

from __future__ import annotations

import os
import re
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.trial import unittest
from twisted.web.websocket import WebSocketClientEndpoint

from tests.integration.test_doors import RawClient, WebSocketClient
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import LineClient, connect_client

LOCAL = "tcp:0:interface=127.0.0.1"
WEB_CLIENT = re.compile(rb"web client: open http://localhost:(\d+)/")
IRC_PORT = re.compile(rb"IRCFactory starting on (\d+)")


def rss_kib(pid: int) -> int:
    """The process's resident set size (``VmRSS`` in /proc), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def unread_by_port(port: int) -> int:
    """Bytes received but not yet read on the sockets whose local port is
    ``port`` (the kernel's ``rx_queue`` in /proc/net/tcp)."""
    total = 0
    with open("/proc/net/tcp") as table:
        next(table)
        for row in table:
            fields = row.split()
            if int(fields[1].split(":")[1], 16) == port:
                total += int(fields[4].split(":")[1], 16)
    return total


def deleted_files(pid: int) -> list[str]:
    """Files the process holds open that are unlinked (spooled bodies are)."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.endswith("(deleted)"):
            found.append(target)
    return found


def _flushed(transport: Any) -> bool:
    """Nothing waits in a TCP transport's buffer (all of it is in the kernel)."""
    return not transport.dataBuffer and not transport._tempDataLen


class HTTPLimitsTestCase(unittest.TestCase):
    """The plugin with ``--http``; ``http_port`` once it listens."""

    timeout = 30
    options: tuple[str, ...] = ()

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.process: TwistdProcess = spawn_twistd(
            self, "--port", LOCAL, "--http", LOCAL, "--db", ":memory:", *self.options
        )
        self.port = yield self.process.listening
        yield self.process.when_output(b"web client: open http://localhost:")
        match = WEB_CLIENT.search(self.process.output)
        assert match is not None
        self.http_port = int(match.group(1))
        assert self.process.transport is not None
        self.pid = self.process.transport.pid

    @defer.inlineCallbacks
    def raw(self, data: bytes = b"", source: str = "127.0.0.1"):
        """A raw connection to the web door from ``source``, ``data`` sent."""
        endpoint = TCP4ClientEndpoint(
            reactor, "127.0.0.1", self.http_port, bindAddress=(source, 0)
        )
        client = yield connectProtocol(endpoint, RawClient())
        self.addCleanup(lambda: client.closed)
        self.addCleanup(client.transport.abortConnection)
        if data:
            client.transport.write(data)
        return client

    @defer.inlineCallbacks
    def get(self, path: bytes, source: str = "127.0.0.1"):
        """One whole ``GET``, on a connection of its own: the answer's bytes."""
        client = yield self.raw(
            b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path, source
        )
        yield client.closed
        return client.data


class BodyTests(HTTPLimitsTestCase):
    """A huge announced body is refused at once, never spooled."""

    @defer.inlineCallbacks
    def test_gigabyte_post(self):
        """``POST /`` announcing 1 GiB gets 413 before any of it is sent, and
        the server holds no spooled file; what the client sends after is
        not read (the connection is closed)."""
        client = yield self.raw(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"
        )
        answer = yield client.until(lambda data: b"\r\n\r\n" in data)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        self.assertEqual(deleted_files(self.pid), [])
        client.transport.write(b"x" * (1 << 20))
        yield client.closed
        self.assertEqual(deleted_files(self.pid), [])


class PipeliningTests(HTTPLimitsTestCase):
    """Pipelining clients that never read do not grow the server."""

    @defer.inlineCallbacks
    def test_non_readers_do_not_grow_memory(self):
        """8 connections each pipeline 3,000 ``GET /app.js`` (44 MiB of
        answers each) and never read: the server's RSS grows by less than
        8 MiB (it grew by 370 MiB before), and it still answers others."""
        self.assertIn(b"200 OK", (yield self.get(b"/app.js")))
        before = rss_kib(self.pid)
        request = b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n"
        clients = []
        for _ in range(8):
            client = yield self.raw()
            client.transport.pauseProducing()  # never read
            client.transport.write(request * 3000)
            clients.append(client)
        yield self.settled(clients)
        grown = rss_kib(self.pid) - before
        self.assertLess(grown, 8 * 1024, f"RSS grew by {grown} KiB")

    @defer.inlineCallbacks
    def settled(self, clients: list[RawClient]):
        """Until the server reads no more of what ``clients`` sent.

        Every request has left this process, and the server's unread bytes
        on its side of the web door stay the same over three ``/healthz``
        round trips (each a turn of the server's reactor at every socket).
        """
        seen: list[int] = []
        while len(seen) < 3 or len(set(seen[-3:])) > 1:
            self.assertIn(b"ok\n", (yield self.get(b"/healthz")))
            flushed = all(_flushed(client.transport) for client in clients)
            seen.append(unread_by_port(self.http_port) if flushed else -len(seen))


class SlowlorisTests(HTTPLimitsTestCase):
    """Half-sent requests from one address cannot take the other doors down."""

    options = (
        "--irc", LOCAL,
        "--max-per-ip", "4",
        "--max-clients", "10",
        "--http-header-timeout", "1",
    )  # fmt: skip

    @defer.inlineCallbacks
    def test_half_sent_headers(self):
        """30 half-sent requests from 127.0.0.2: 4 are admitted (then closed
        with 408 by the header timeout), the rest refused with 503; meanwhile
        a line client, an IRC client and /healthz from 127.0.0.1 are served."""
        half = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
        attackers = []
        for _ in range(30):
            attackers.append((yield self.raw(half, source="127.0.0.2")))
        alice = yield connect_client(reactor, self.port, "alice")
        alice.transport.loseConnection()
        yield alice.closed
        match = IRC_PORT.search(self.process.output)
        assert match is not None
        irc = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", int(match.group(1))),
            LineClient(),
        )
        irc.say("NICK bob")
        irc.say("USER bob 0 * :bob")
        yield irc.expect(lambda line: " 001 " in line)
        irc.transport.loseConnection()
        yield irc.closed
        self.assertIn(b"ok\n", (yield self.get(b"/healthz")))
        yield defer.gatherResults([attacker.closed for attacker in attackers])
        answers = [attacker.data.split(b"\r\n", 1)[0] for attacker in attackers]
        self.assertEqual(answers.count(b"HTTP/1.1 408 Request Timeout"), 4, answers)
        self.assertEqual(answers.count(b"HTTP/1.1 503 Service Unavailable"), 26)


class WebSocketAdmissionTests(HTTPLimitsTestCase):
    """A ``/ws`` session is one connection, not two."""

    options = ("--max-per-ip", "1")

    @defer.inlineCallbacks
    def test_session_counts_once(self):
        """With ``--max-per-ip 1`` a browser's WebSocket still gets in (its
        HTTP connection hands its place to the session), and while it is
        open a second connection from the address gets 503."""
        socket = WebSocketClient()

        class Factory:
            def buildProtocol(self, url: str) -> WebSocketClient:
                return socket

        url = f"ws://127.0.0.1:{self.http_port}/ws"
        endpoint = WebSocketClientEndpoint.new(reactor, url)
        yield defer.ensureDeferred(endpoint.connect(Factory()))
        yield socket.expect_line("HELLO ")
        socket.say("wes")
        yield socket.expect_line("WELCOME ")
        self.assertIn(b"HTTP/1.1 503 ", (yield self.get(b"/healthz")))
        socket.transport.loseConnection()
        yield socket.closed
        answer = b""
        while b"HTTP/1.1 200 " not in answer:  # the session's place is given back
            answer = yield self.get(b"/healthz")
