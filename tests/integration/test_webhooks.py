"""Incoming webhooks (issue 34) against the real ``twistd chatroom``.

The plugin runs as a process with all three doors on port 0; alice adds a
hook over a line session, a real HTTP ``POST`` (Twisted's ``Agent``)
brings Slack's JSON to its address, and a line client, an IRC client
(with ``message-tags``) and the web page's socket in the room see the
bot's message, marked as a bot's. Then each
status a poster may get, and the log: no secret in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from io import BytesIO
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.trial import unittest
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers
from twisted.web.iweb import IResponse

from tests.doors.irc.test_ircv3 import tags_of
from tests.integration.test_doors import RawClient, WebSocketClient, open_browser
from tests.integration.test_http_limits import IRC_PORT, LOCAL, WEB_CLIENT
from tests.integration.test_twistd import spawn_twistd
from tests.support import LineClient, connect_client

WEBHOOK = re.compile(r"^WEBHOOK (\S+) (http://localhost:\d+/hooks/(\S+))$")


class WebhookTests(unittest.TestCase):
    """``twistd chatroom`` with every door, and ``--webhook-limit 2``."""

    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.process = spawn_twistd(
            self,
            *("--port", LOCAL, "--irc", LOCAL, "--http", LOCAL, "--db", ":memory:"),
            *("--rate", "0", "--webhook-limit", "2"),
        )
        self.line_port = yield self.process.listening
        yield self.process.when_output(b"web client: open http://localhost:")
        yield self.process.when_output(b"IRCFactory starting on")
        match = IRC_PORT.search(self.process.output)
        assert match is not None
        self.irc_port = int(match.group(1))
        match = WEB_CLIENT.search(self.process.output)
        assert match is not None
        self.http_port = int(match.group(1))
        self.agent = Agent(reactor)

    @defer.inlineCallbacks
    def line_client(self, name: str) -> Generator[Any, Any, LineClient]:
        client = yield connect_client(reactor, self.line_port, name)
        self.addCleanup(client.transport.loseConnection)
        return client

    @defer.inlineCallbacks
    def irc_client(self, nick: str) -> Generator[Any, Any, LineClient]:
        """An IRC client with ``message-tags``, in ``#tea``."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.addCleanup(client.transport.loseConnection)
        client.say("CAP LS 302")
        client.say("CAP REQ :message-tags")
        yield client.expect(lambda line: " CAP * ACK " in line)
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line)
        client.say("JOIN #tea")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def browser(self, name: str) -> Generator[Any, Any, WebSocketClient]:
        """The web page's socket (``/ws``) as it opens it (``/caps rich``),
        in ``tea``."""
        socket = yield open_browser(self.http_port)
        self.addCleanup(lambda: socket.closed)
        self.addCleanup(lambda: socket.transport.loseConnection())
        for line in (name, "/caps ids multi rich", "/join tea"):
            socket.say(line)
        yield socket.expect_line("MEMBERS tea")
        return socket

    @defer.inlineCallbacks
    def add_hook(self, owner: LineClient, name: str) -> Generator[Any, Any, str]:
        """``/webhook add NAME``: the hook's address."""
        owner.say(f"/webhook add {name}")
        line = yield owner.expect_line("WEBHOOK ")
        match = WEBHOOK.match(line)
        assert match is not None, line
        self.assertEqual(match.group(1), name)
        return match.group(2)

    @defer.inlineCallbacks
    def post(
        self, url: str, data: bytes, kind: bytes = b"application/json"
    ) -> Generator[Any, Any, tuple[IResponse, bytes]]:
        """A real ``POST`` of ``data``: the response and its body."""
        response = yield self.agent.request(
            b"POST",
            url.encode(),
            Headers({b"content-type": [kind]}),
            FileBodyProducer(BytesIO(data)),
        )
        return response, (yield readBody(response))

    @defer.inlineCallbacks
    def test_a_post_reaches_the_line_and_irc_doors(self) -> Generator[Any, Any, None]:
        """Slack's JSON posted with ``curl``'s headers is answered ``200 ok``;
        lina (line) sees ``MSG tea deploy[bot]`` with the text made plain,
        ivy (IRC) a ``PRIVMSG #tea`` from ``deploy[bot]`` tagged ``bot``, wes
        (the web page's socket) the ``bot`` tag its page marks bots by;
        Slack's form-encoded ``payload=`` works too; the log never shows
        the secret."""
        alice = yield self.line_client("alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        url = yield self.add_hook(alice, "ci")
        ivy = yield self.irc_client("ivy")
        wes = yield self.browser("wes")
        text = "Build <https://ci.example/7|#7> passed\n```\nok 12 tests\n```"
        payload = json.dumps({"text": text, "username": "deploy"}).encode()
        response, answer = yield self.post(url, payload)
        self.assertEqual((response.code, answer), (200, b"ok"))
        said = yield alice.expect_line("MSG tea deploy[bot] ")
        self.assertTrue(
            said.endswith(" Build #7 (https://ci.example/7) passed ok 12 tests")
        )
        line = yield ivy.expect(lambda line: " PRIVMSG #tea :" in line)
        self.assertIn("bot", tags_of(line))
        self.assertIn(" :deploy[bot]!", " " + line.partition(" ")[2])
        self.assertTrue(
            line.endswith("PRIVMSG #tea :Build #7 (https://ci.example/7) passed")
        )
        framed = yield wes.expect(lambda line: " MSG tea deploy[bot] " in line)
        prefix, _, framed = framed.partition(" ")
        self.assertIn("bot", prefix.split(";")[1:])  # rich.js: markBot
        self.assertTrue(framed.startswith("MSG tea deploy[bot] "), framed)
        form = b"payload=" + json.dumps({"text": "formed"}).encode().replace(b" ", b"+")
        response, answer = yield self.post(
            url, form, b"application/x-www-form-urlencoded"
        )
        self.assertEqual((response.code, answer), (200, b"ok"))
        yield alice.expect_line("MSG tea ci[bot] ")
        self.assertNotIn(url.rsplit("/", 1)[1].encode(), self.process.output)
        self.assertIn(b"/hooks/-", self.process.output)  # the access log's line

    @defer.inlineCallbacks
    def test_each_status_a_poster_may_get(self) -> Generator[Any, Any, None]:
        """``400`` for no JSON or no text, ``404`` for an address that is no
        hook's (or one removed), ``405`` for a ``GET``, ``HEAD`` or ``PUT``
        (and the secret still out of the log), ``413`` for a body
        over 16 KiB (from its headers), ``429`` with ``Retry-After`` past
        ``--webhook-limit``; a line user who does not own the room hears
        ``NOT_ALLOWED``."""
        alice = yield self.line_client("alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        fast = yield self.add_hook(alice, "fast")
        bad = yield self.add_hook(alice, "bad")
        response, answer = yield self.post(bad, b"{not json")
        self.assertEqual(response.code, 400)
        self.assertIn(b"no JSON", answer)
        response, answer = yield self.post(bad, b'{"username": "x"}')
        self.assertEqual((response.code, answer), (400, b'the JSON has no "text"\n'))
        for _ in range(2):
            response, _ = yield self.post(fast, b'{"text": "hi"}')
            self.assertEqual(response.code, 200)
        response, answer = yield self.post(fast, b'{"text": "hi"}')
        self.assertEqual(response.code, 429)
        wait = response.headers.getRawHeaders(b"retry-after")
        self.assertTrue(wait and 1 <= int(wait[0]) <= 10, wait)
        self.assertIn(b"try again in", answer)
        unknown = fast.rsplit("/", 1)[0] + "/nothing-here"
        response, answer = yield self.post(unknown, b'{"text": "hi"}')
        self.assertEqual(
            (response.code, answer), (404, b"no webhook has this address\n")
        )
        for method in (b"GET", b"HEAD", b"PUT"):
            response = yield self.agent.request(method, bad.encode())
            self.assertEqual(response.code, 405, method)
            self.assertEqual(response.headers.getRawHeaders(b"allow"), [b"POST"])
            yield readBody(response)
        self.assertNotIn(bad.rsplit("/", 1)[1].encode(), self.process.output)
        port = int(bad.split(":")[2].split("/")[0])
        path = bad.split(str(port), 1)[1].encode()
        raw = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", port), RawClient()
        )
        self.addCleanup(raw.transport.abortConnection)
        raw.transport.write(
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" % path
        )
        refusal = yield raw.until(lambda data: b"\r\n\r\n" in data)
        self.assertTrue(refusal.startswith(b"HTTP/1.1 413 "), refusal)
        alice.say("/webhook remove bad")
        yield alice.expect_line("WEBHOOK_REMOVED bad")
        response, _ = yield self.post(bad, b'{"text": "hi"}')
        self.assertEqual(response.code, 404)
        bob = yield self.line_client("bob")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea")
        bob.say("/webhook list")
        refusal = yield bob.expect_line("ERR ")
        self.assertEqual(
            refusal, "ERR NOT_ALLOWED only the owner of tea can manage its webhooks"
        )
