"""IRC over WebSocket at ``--http``'s ``/irc``, over real sockets.

The service runs in-process with every door on port 0; the browser's side
is wsproto (the library under Twisted's WebSocket) over a TCP connection,
so the handshake's ``Sec-WebSocket-Protocol`` and each frame's kind are
seen exactly as a browser IRC client (gamja, Kiwi IRC) sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from twisted.internet import defer, protocol, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.python.failure import Failure
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    RejectConnection,
    Request,
    TextMessage,
)

from tests.integration.test_doors import DoorsTestCase
from tests.support import LineClient


class BrowserIRC(protocol.Protocol):
    """A browser IRC client: wsproto's client side over a TCP connection;
    every message it gets is kept as a line, with its kind."""

    def __init__(self, path: str, subprotocols: Sequence[str], origin: str = ""):
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.path, self.subprotocols, self.origin = path, list(subprotocols), origin
        self.lines = LineClient()  # its expect() bookkeeping
        self.kinds: list[str] = []
        self.accepted: defer.Deferred[str | None] = defer.Deferred()
        self.closed: defer.Deferred[None] = defer.Deferred()

    def connectionMade(self) -> None:
        headers = [(b"origin", self.origin.encode())] if self.origin else []
        assert self.transport is not None
        self.transport.write(
            self.ws.send(
                Request(
                    host="127.0.0.1",
                    target=self.path,
                    subprotocols=self.subprotocols,
                    extra_headers=headers,
                )
            )
        )

    def dataReceived(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted.callback(event.subprotocol)
            elif isinstance(event, RejectConnection):
                self.accepted.errback(ValueError(f"refused: {event.status_code}"))
            elif isinstance(event, TextMessage | BytesMessage):
                assert event.message_finished
                text = event.data
                if isinstance(text, bytes | bytearray):
                    self.kinds.append("binary")
                    text = bytes(text).decode("utf-8")
                else:
                    self.kinds.append("text")
                self.lines.lines.append(text)
                self.lines._match()
            elif isinstance(event, CloseConnection):
                assert self.transport is not None
                self.transport.loseConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if not self.accepted.called:
            self.accepted.errback(reason)
        self.closed.callback(None)

    def say(self, line: str, binary: bool = False) -> None:
        message = BytesMessage(line.encode()) if binary else TextMessage(line)
        assert self.transport is not None
        self.transport.write(self.ws.send(message))

    def expect(self, predicate: Callable[[str], bool]) -> defer.Deferred[str]:
        return self.lines.expect(predicate)


class IRCWebSocketTests(DoorsTestCase):
    """Browser IRC clients beside TCP IRC and line users."""

    @defer.inlineCallbacks
    def browser_irc(self, nick: str, subprotocols: Sequence[str], path="/irc"):
        """A browser IRC client on ``path``, registered as ``nick``; returns
        it and the subprotocol the server agreed on."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.http_port)
        client = yield connectProtocol(endpoint, BrowserIRC(path, subprotocols))
        self.addCleanup(lambda: client.closed)
        self.addCleanup(lambda: client.transport.loseConnection())
        agreed = yield client.accepted
        binary = agreed == "binary.ircv3.net"
        client.say(f"NICK {nick}", binary)
        client.say(f"USER {nick} 0 * :{nick}", binary)
        yield client.expect(lambda line: " 376 " in line)
        return client, agreed

    @defer.inlineCallbacks
    def test_binary_preferred_and_talking_across_doors(self):
        """A client preferring binary.ircv3.net gets it and binary messages,
        one line each; it talks with a TCP IRC user and a line user in
        #general."""
        web, agreed = yield self.browser_irc(
            "gam", ["binary.ircv3.net", "text.ircv3.net"]
        )
        self.assertEqual(agreed, "binary.ircv3.net")
        self.assertEqual(set(web.kinds), {"binary"})
        self.assertFalse(any("\r" in line or "\n" in line for line in web.lines.lines))
        ivy = yield self.irc("ivy")
        ivy.say("JOIN #general")
        yield ivy.expect(lambda line: " 366 " in line)
        lina = yield self.client("lina")
        lina.say("/join general")
        yield lina.expect_line("MEMBERS general")
        web.say("JOIN #general", binary=True)
        yield web.expect(lambda line: " 366 " in line)
        web.say("PRIVMSG #general :from a browser", binary=True)
        yield ivy.expect_line(":gam!gam@chatroom PRIVMSG #general :from a browser")
        yield lina.expect(lambda line: line.endswith(" from a browser"))
        ivy.say("PRIVMSG #general :from irssi")
        yield web.expect(
            lambda line: line == ":ivy!ivy@chatroom PRIVMSG #general :from irssi"
        )

    @defer.inlineCallbacks
    def test_text_preferred_and_the_bare_url(self):
        """A client preferring text.ircv3.net gets it and text messages; a
        WebSocket at ``/`` itself (a client given ``ws://host:port``) is
        IRC too, while a plain GET of ``/`` is still the web client."""
        web, agreed = yield self.browser_irc(
            "kiwi", ["text.ircv3.net", "binary.ircv3.net"], path="/"
        )
        self.assertEqual(agreed, "text.ircv3.net")
        self.assertEqual(set(web.kinds), {"text"})
        response, body = yield self.get("/")
        self.assertEqual(response.code, 200)
        self.assertIn(b"<html", body.lower())

    @defer.inlineCallbacks
    def test_whole_line_cut_to_fit_its_relay(self):
        """A browser's whole 512-byte PRIVMSG reaches a TCP IRC user as one
        line of at most 512 bytes, its text cut at the end (irctest
        websocket testSendTruncation); nothing more follows."""
        web, _agreed = yield self.browser_irc("gam", ["text.ircv3.net"])
        ivy = yield self.irc("ivy")
        head = "PRIVMSG ivy :"
        web.say(head + "x" * (510 - len(head)))
        web.say("PRIVMSG ivy :after")
        cut = yield ivy.expect(lambda line: " PRIVMSG ivy :" in line)
        self.assertLessEqual(len(cut.encode()) + 2, 512)
        self.assertEqual(cut, ":gam!gam@chatroom PRIVMSG ivy :" + "x" * 479)
        after = yield ivy.expect(lambda line: " PRIVMSG ivy :" in line)
        self.assertEqual(after, ":gam!gam@chatroom PRIVMSG ivy :after")

    @defer.inlineCallbacks
    def test_foreign_origin_refused(self):
        """A page of another site cannot open IRC in its visitor's browser:
        the handshake is 403, as at /ws."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.http_port)
        client = yield connectProtocol(
            endpoint,
            BrowserIRC("/irc", ["text.ircv3.net"], origin="https://evil.example"),
        )
        self.addCleanup(lambda: client.closed)
        self.addCleanup(lambda: client.transport.loseConnection())
        with self.assertRaises(ValueError) as refused:
            yield client.accepted
        self.assertIn("403", str(refused.exception))


class WithoutIRCTests(DoorsTestCase):
    """``--http`` without ``--irc``: IRC is off, at every door."""

    doors = ()

    @defer.inlineCallbacks
    def test_no_irc_path(self):
        """``/irc`` is 404 when the server has no IRC door."""
        response, _body = yield self.get("/irc")
        self.assertEqual(response.code, 404)
