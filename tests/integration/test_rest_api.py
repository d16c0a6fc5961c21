"""The REST API for bots (docs/operations.md, *Bots and the REST API*)
against the real ``twistd chatroom``, its three doors on port 0.

alice (line, ``rich``) makes the bot ``robot`` with ``/bot add`` and is in
``general`` with ivy (IRC, ``message-tags``); a real HTTP client (Twisted's
``Agent``) speaks for the bot. They see its join, its posts (``bot``
tagged, with the answer's id), a ``txn`` said once, its leave; the event
stream gets alice's, ivy's and the bot's own words and a join, never a
room the bot is not in; the refusals are JSON and say nothing to the
room; after a restart on the same ``--db`` file the bot is in ``general``
and posts there without joining again. Under ``--rate 1 --burst 5``, quick
posts past the limit are ``429`` with ``Retry-After`` and never said.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Generator
from io import BytesIO
from typing import Any, cast

from twisted.internet import defer, error, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure
from twisted.trial import unittest
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers
from twisted.web.iweb import IResponse

from tests.doors.irc.test_ircv3 import tags_of
from tests.integration.test_http_limits import IRC_PORT, WEB_CLIENT
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import LineClient, connect_client, until

LOCAL = "tcp:0:interface=127.0.0.1"
PASSWORD = "tea-and-biscuits"
BOT_LINE = re.compile(r"^BOT robot (\S+)$")


class StreamReader(Protocol):
    """An event stream's body as it comes."""

    def __init__(self) -> None:
        self.text = ""
        self.done: defer.Deferred[None] = defer.Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.text += data.decode()

    def connectionLost(self, reason: Failure | None = None) -> None:
        if not self.done.called:
            self.done.callback(None)

    def events(self) -> list[tuple[str, Any]]:
        found = []
        for block in self.text.split("\n\n"):
            fields = dict(
                line.split(": ", 1) for line in block.split("\n") if ": " in line
            )
            if "event" in fields:
                found.append((fields["event"], json.loads(fields["data"])))
        return found


class RestAPITestCase(unittest.TestCase):
    timeout = 90
    options: tuple[str, ...] = ("--rate", "0")

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.db = os.path.join(directory, "chat.sqlite3")
        self.agent = Agent(reactor)
        self.token = ""

    @defer.inlineCallbacks
    def spawned(
        self, *store: str
    ) -> Generator[Any, Any, tuple[TwistdProcess, int, int, str]]:
        """A server on ``store`` (``--db FILE``, or ``--redis URL`` and a
        node id) with its three doors on port 0, once it listens: its
        process, its line and IRC ports, and its API's address."""
        process = spawn_twistd(
            self,
            *("--port", LOCAL, "--irc", LOCAL, "--http", LOCAL, *store),
            *self.options,
        )
        line_port = yield process.listening
        yield process.when_output(b"web client: open http://localhost:")
        yield process.when_output(b"IRCFactory starting on")
        match = IRC_PORT.search(process.output)
        assert match is not None
        irc_port = int(match.group(1))
        match = WEB_CLIENT.search(process.output)
        assert match is not None
        return process, line_port, irc_port, f"http://127.0.0.1:{int(match.group(1))}/"

    @defer.inlineCallbacks
    def serve(self) -> Generator[Any, Any, TwistdProcess]:
        """The server on :attr:`db`: its line and IRC users and the API
        (:attr:`base`) all reach it."""
        spawned = yield self.spawned("--db", self.db)
        self.process, self.line_port, self.irc_port, url = spawned
        self.base = url + "api/v1/"
        return self.process

    @defer.inlineCallbacks
    def stop(self) -> Generator[Any, Any, None]:
        assert self.process.transport is not None
        self.process.transport.signalProcess("TERM")
        (ended,) = yield self.process.ended
        ended.trap(error.ProcessDone, error.ProcessTerminated)

    @defer.inlineCallbacks
    def line_client(self, name: str, *lines: str) -> Generator[Any, Any, LineClient]:
        client = yield connect_client(reactor, self.line_port, name)
        self.addCleanup(client.transport.loseConnection)
        for line in lines:
            client.say(line)
        return client

    @defer.inlineCallbacks
    def irc_client(self, nick: str) -> Generator[Any, Any, LineClient]:
        """An IRC client with ``message-tags``, in ``#general``."""
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
        client.say("JOIN #general")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def make_bot(self) -> Generator[Any, Any, LineClient]:
        """alice, signed in, makes ``robot`` (its token kept) and is in
        general (``rich``)."""
        alice = yield self.line_client(
            "alice", f"/register {PASSWORD}", "/caps rich", "/bot add robot"
        )
        line = yield alice.expect_line("BOT robot ")
        match = BOT_LINE.match(line)
        assert match is not None, line
        self.token = match.group(1)
        alice.say("/join general")
        yield alice.expect_line("MEMBERS general")
        return alice

    @defer.inlineCallbacks
    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> Generator[Any, Any, tuple[IResponse, Any]]:
        """A real request: its response and its JSON answer."""
        headers = Headers({b"content-type": [b"application/json"]})
        given = self.token if token is None else token
        if given:
            headers.addRawHeader(b"authorization", b"Bearer " + given.encode())
        data = raw if raw is not None else b""
        if body is not None:
            data = json.dumps(body).encode()
        producer = FileBodyProducer(BytesIO(data)) if data else None
        response = yield self.agent.request(
            method.encode(), (self.base + path).encode(), headers, producer
        )
        answer = yield readBody(response)
        return response, json.loads(answer)

    @defer.inlineCallbacks
    def stream(self) -> Generator[Any, Any, StreamReader]:
        headers = Headers({b"authorization": [b"Bearer " + self.token.encode()]})
        response = yield self.agent.request(
            b"GET", (self.base + "events").encode(), headers
        )
        self.assertEqual(response.code, 200)
        self.assertEqual(
            response.headers.getRawHeaders(b"content-type"),
            [b"text/event-stream; charset=utf-8"],
        )
        reader = StreamReader()
        response.deliverBody(reader)
        self.addCleanup(lambda: reader.done)
        self.addCleanup(self.stop_stream, reader)
        return reader

    def stop_stream(self, reader: StreamReader) -> None:
        if reader.transport is not None:
            cast(Any, reader.transport).stopProducing()  # a TransportProxyProducer

    def streamed(self, reader: StreamReader, what: Any) -> defer.Deferred[Any]:
        def check() -> defer.Deferred[bool]:
            return defer.succeed(what(reader.events()))

        return until(check, 10, "the stream got it")


class RestAPITests(RestAPITestCase):
    @defer.inlineCallbacks
    def test_join_post_txn_history_leave_and_the_stream(
        self,
    ) -> Generator[Any, Any, None]:
        yield self.serve()
        alice = yield self.make_bot()
        ivy = yield self.irc_client("ivy")
        stream = yield self.stream()

        response, rooms = yield self.call("GET", "rooms")
        self.assertEqual(response.code, 200)
        self.assertIn("general", [room["name"] for room in rooms["rooms"]])
        response, joined = yield self.call("POST", "rooms/general/join")
        self.assertEqual((response.code, joined["room"]), (200, "general"))
        yield alice.expect(lambda line: "JOIN general robot" in line)
        yield ivy.expect(lambda line: " JOIN :#general" in line and ":robot!" in line)
        alice.say("/who")
        who = yield alice.expect(lambda line: "general" in line and "robot" in line)
        self.assertIn("robot", who)
        ivy.say("NAMES #general")
        names = yield ivy.expect(lambda line: " 353 " in line)
        self.assertIn("robot", names.rsplit(":", 1)[-1].split())
        _, members = yield self.call("GET", "rooms/general/members")
        self.assertEqual(members["members"], ["alice", "ivy", "robot"])
        _, me = yield self.call("GET", "me")
        self.assertEqual(
            me, {"name": "robot", "bot": True, "owner": "alice", "rooms": ["general"]}
        )

        response, posted = yield self.call(
            "POST", "rooms/general/messages", {"text": "build 7 passed", "txn": "b7"}
        )
        self.assertEqual(response.code, 200)
        said = yield alice.expect(lambda line: "MSG general robot" in line)
        self.assertTrue(
            said.startswith(f"@{posted['id']};bot MSG general robot "), said
        )
        self.assertTrue(said.endswith(" build 7 passed"))
        line = yield ivy.expect(lambda line: " PRIVMSG #general :build 7" in line)
        self.assertIn("bot", tags_of(line))
        _, again = yield self.call(
            "POST", "rooms/general/messages", {"text": "build 7 passed", "txn": "b7"}
        )
        self.assertEqual(again, posted)

        alice.say("/caps rich ids")
        alice.say("hello robot")
        mine = yield alice.expect(lambda line: " MSG general alice " in line)
        ivy.say("PRIVMSG #general :hi from irc")
        yield alice.expect(lambda line: "hi from irc" in line)
        carol = yield self.line_client("carol", "/create elsewhere")
        carol.say("not for robot")
        yield self.line_client("dave", "/join general")
        yield alice.expect(lambda line: "JOIN general dave" in line)

        def everything(events: list[tuple[str, Any]]) -> bool:
            texts = [data.get("text") for kind, data in events if kind == "message"]
            joins = [data["user"] for kind, data in events if kind == "join"]
            return "hello robot" in texts and "hi from irc" in texts and "dave" in joins

        yield self.streamed(stream, everything)
        events = stream.events()
        messages = [data for kind, data in events if kind == "message"]
        self.assertEqual(
            [(m["author"], m["text"], m["bot"]) for m in messages],
            [
                ("robot", "build 7 passed", True),
                ("alice", "hello robot", False),
                ("ivy", "hi from irc", False),
            ],
        )
        self.assertNotIn("not for robot", stream.text)

        first = mine.split(" ")[0].lstrip("@").split(";")[0]
        _, history = yield self.call(
            "GET", f"rooms/general/messages?since={posted['id']}&limit=1"
        )
        self.assertEqual(
            ([m["id"] for m in history["messages"]], history["more"]),
            ([int(first)], True),
        )
        _, rest = yield self.call(
            "GET", f"rooms/general/messages?since={first}&limit=50"
        )
        self.assertEqual([m["text"] for m in rest["messages"]], ["hi from irc"])
        self.assertFalse(rest["more"])

        _, left = yield self.call("POST", "rooms/general/leave")
        self.assertEqual(left, {"room": "general", "left": True})
        yield alice.expect(lambda line: "PART general robot" in line)

    @defer.inlineCallbacks
    def test_the_membership_survives_a_restart(self) -> Generator[Any, Any, None]:
        yield self.serve()
        alice = yield self.make_bot()
        yield self.call("POST", "rooms/general/join")
        yield alice.expect(lambda line: "JOIN general robot" in line)
        yield self.stop()
        yield alice.closed

        yield self.serve()
        bob = yield self.line_client("bob", "/join general")
        members = yield bob.expect_line("MEMBERS general")
        self.assertIn("robot", members.split())
        response, posted = yield self.call(
            "POST", "rooms/general/messages", {"text": "back again"}
        )
        self.assertEqual(response.code, 200, posted)
        yield bob.expect(
            lambda line: (
                line.startswith("MSG general robot ") and line.endswith(" back again")
            )
        )


class RestRefusalTests(RestAPITestCase):
    """The API's refusals (``rest_errors``): each its status and JSON
    ``{"error": CODE, ...}``, and nothing said to the room."""

    def assert_refused(
        self, refusal: tuple[IResponse, Any], status: int, code: str
    ) -> None:
        """``refusal`` is ``status`` with the JSON ``{"error": code,
        "message": TEXT}``."""
        response, answer = refusal
        self.assertEqual((response.code, answer.get("error")), (status, code), answer)
        self.assertIsInstance(answer.get("message"), str, answer)
        self.assertEqual(
            response.headers.getRawHeaders(b"content-type"),
            [b"application/json; charset=utf-8"],
        )

    @defer.inlineCallbacks
    def test_refusals_are_json_and_say_nothing(self) -> Generator[Any, Any, None]:
        """alice (line) makes robot; ivy (IRC) is in general. Each refusal
        is its status and JSON code, and neither hears a word of robot's
        refused posts (only its join)."""
        yield self.serve()
        alice = yield self.make_bot()
        ivy = yield self.irc_client("ivy")
        for token in ("", "robot_wrong"):
            refusal = yield self.call("GET", "me", token=token)
            self.assert_refused(refusal, 401, "BAD_TOKEN")
            self.assertEqual(
                refusal[0].headers.getRawHeaders(b"www-authenticate"), [b"Bearer"]
            )
        refusal = yield self.call("POST", "rooms/nowhere/join")
        self.assert_refused(refusal, 404, "NO_SUCH_ROOM")
        refusal = yield self.call("POST", "rooms/general/messages", {"text": "hi"})
        self.assert_refused(refusal, 403, "NOT_IN_ROOM")
        yield self.call("POST", "rooms/general/join")
        yield alice.expect(lambda line: "JOIN general robot" in line)
        yield ivy.expect(lambda line: " JOIN :#general" in line and ":robot!" in line)
        for body, raw, code in (
            ({"text": "bell\x07"}, None, "BAD_TEXT"),
            (None, b"{not json", "BAD_ARGS"),
            ({"action": True}, None, "BAD_ARGS"),
        ):
            refusal = yield self.call("POST", "rooms/general/messages", body, raw=raw)
            self.assert_refused(refusal, 400, code)
        refusal = yield self.call("GET", "rooms/general/messages?since=x")
        self.assert_refused(refusal, 400, "BAD_ARGS")
        refusal = yield self.call(
            "POST", "rooms/general/messages", raw=b'{"text": "' + b"x" * 17000 + b'"}'
        )
        self.assert_refused(refusal, 413, "TOO_LARGE")
        alice.say("PING sync")
        yield alice.expect_line("PONG")
        ivy.say("PING :sync")
        yield ivy.expect(lambda line: " PONG " in line and line.endswith("sync"))
        said = [line for line in alice.lines if "MSG general robot" in line]
        self.assertEqual(said, [])
        heard = [
            line for line in ivy.lines if ":robot!" in line and " JOIN " not in line
        ]
        self.assertEqual(heard, [])


class RateLimitTests(RestAPITestCase):
    options = ("--rate", "1", "--burst", "5")

    @defer.inlineCallbacks
    def test_past_the_limits_429_and_never_said(self) -> Generator[Any, Any, None]:
        yield self.serve()
        alice = yield self.make_bot()
        yield self.call("POST", "rooms/general/join")
        yield alice.expect(lambda line: "JOIN general robot" in line)
        started = reactor.seconds()
        answers = yield defer.gatherResults(
            [
                self.call("POST", "rooms/general/messages", {"text": f"n{n}"})
                for n in range(14)
            ]
        )
        took = reactor.seconds() - started
        accepted = [answer for response, answer in answers if response.code == 200]
        refused = [
            (response, answer) for response, answer in answers if response.code == 429
        ]
        self.assertTrue(refused)
        self.assertEqual(len(accepted) + len(refused), 14)
        self.assertLessEqual(len(accepted), 5 + int(took) + 1)
        response, answer = refused[0]
        retry = response.headers.getRawHeaders(b"retry-after")[0]
        self.assertEqual(answer["error"], "RATE_LIMITED")
        self.assertEqual(answer["retry_after"], int(retry))
        self.assertGreaterEqual(int(retry), 1)
        yield until(
            lambda: self.call(
                "POST", "rooms/general/messages", {"text": "later"}
            ).addCallback(lambda done: done[0].code == 200),
            int(retry) + 10,
            "a post after Retry-After",
        )
        alice.say("PING sync")
        yield alice.expect_line("PONG")
        said = sorted(
            line.rsplit(" ", 1)[-1]
            for line in alice.lines
            if " MSG general robot " in line and not line.endswith(" later")
        )
        self.assertEqual(
            said, sorted(f"n{a}" for a in range(14) if answers[a][0].code == 200)
        )
        self.assertEqual(len(said), len(accepted))
