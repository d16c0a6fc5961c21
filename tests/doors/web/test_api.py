"""The REST API for bots (``/api/v1/``), driven as twisted.web drives it
(``DummyRequest``) over the in-process server on a fake clock, with line
clients (``StringTransport``) in the rooms: what they see of the bot's
joins, posts and leaves; the JSON refusals and their statuses; ``txn``;
history ``since``; the rate limit; the event stream and its keepalive.
"""

from __future__ import annotations

import json
from dataclasses import replace
from io import BytesIO
from typing import Any, cast

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure
from twisted.web.server import NOT_DONE_YET, Request
from twisted.web.test.requesthelper import DummyRequest

from chatroom.core.model.config import ServerConfig
from chatroom.core.services import bot_api
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.web.api import KEEPALIVE, ApiBot, BotAPIResource
from tests.support import (
    FakeClient,
    ProtocolTestCase,
    StoreFileTestCase,
    chat_core,
    settle,
)

TOKEN = "t" * 40


class Call:
    """One request to the API and what it answered."""

    def __init__(
        self,
        api: BotAPIResource,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = TOKEN,
        query: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> None:
        parts = [part.encode() for part in path.strip("/").split("/")]
        self.request = DummyRequest(parts)
        self.request.method = method.encode()
        if token is not None:
            self.request.requestHeaders.addRawHeader(
                b"authorization", b"Bearer " + token.encode()
            )
        for key, value in (query or {}).items():
            self.request.addArg(key.encode(), value.encode())
        content = raw if raw is not None else b""
        if body is not None:
            content = json.dumps(body).encode()
        self.request.content = BytesIO(content)  # type: ignore[attr-defined]
        rendered = api.render(cast(Request, self.request))
        if rendered is not NOT_DONE_YET:
            self.request.write(rendered)
            self.request.finish()
        settle()

    @property
    def status(self) -> int:
        return self.request.responseCode or 200

    @property
    def text(self) -> str:
        return b"".join(self.request.written).decode()

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        values = self.request.responseHeaders.getRawHeaders(name)
        return values[0] if values else None


class APITestCase(ProtocolTestCase):
    """A server with the account ``robot`` (the bot, its token
    :data:`TOKEN`), the room ``tea`` made by alice, bob in it."""

    config = ServerConfig(rate=0)

    def setUp(self) -> None:
        super().setUp()
        maker = self.connect("robot")
        maker.send("/register correct-horse-battery")
        maker.received()
        maker.lose()
        self.alice, self.bob = self.create("tea", "alice", "bob")
        self.alice.send("/caps rich")
        self.alice.received()

        async def tokens(token: str) -> ApiBot | None:
            return ApiBot("robot", "alice") if token == TOKEN else None

        self.api = BotAPIResource(self.server, tokens)

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> Call:
        return Call(self.api, method, "v1/" + path.lstrip("/"), body, **kw)


class AuthAndErrors(APITestCase):
    def test_no_token_and_a_wrong_one_are_401_bad_token(self) -> None:
        for token in (None, "wrong"):
            call = self.call("GET", "me", token=token)
            self.assertEqual(call.status, 401)
            self.assertEqual(call.header("www-authenticate"), "Bearer")
            self.assertEqual(call.json["error"], "BAD_TOKEN")

    def test_me(self) -> None:
        call = self.call("GET", "me")
        self.assertEqual(
            call.json, {"name": "robot", "bot": True, "owner": "alice", "rooms": []}
        )

    def test_unknown_path_404_wrong_method_405(self) -> None:
        call = self.call("GET", "nothing")
        self.assertEqual((call.status, call.json["error"]), (404, "NOT_FOUND"))
        call = self.call("DELETE", "rooms/tea/messages")
        self.assertEqual(call.status, 405)
        self.assertEqual(call.header("allow"), "GET, POST")

    def test_refusals_say_nothing_to_the_room(self) -> None:
        self.assertEqual(self.call("POST", "rooms/nowhere/join").status, 404)
        call = self.call("POST", "rooms/tea/messages", {"text": "hi"})
        self.assertEqual((call.status, call.json["error"]), (403, "NOT_IN_ROOM"))
        call = self.call("POST", "rooms/nowhere/messages", {"text": "hi"})
        self.assertEqual((call.status, call.json["error"]), (404, "NO_SUCH_ROOM"))
        self.call("POST", "rooms/tea/join")
        self.alice.received()
        for body, raw, code in (
            ({"text": "bell\x07"}, None, "BAD_TEXT"),
            ({}, None, "BAD_ARGS"),
            ({"text": ""}, None, "BAD_ARGS"),
            (None, b"not json", "BAD_ARGS"),
            (None, b"[1]", "BAD_ARGS"),
            ({"text": "x\n" * 40}, None, "BAD_ARGS"),
            ({"text": "x", "txn": "has space"}, None, "BAD_ARGS"),
        ):
            call = self.call("POST", "rooms/tea/messages", body, raw=raw)
            self.assertEqual((call.status, call.json["error"]), (400, code), body)
        call = self.call("GET", "rooms/tea/messages", query={"since": "x"})
        self.assertEqual((call.status, call.json["error"]), (400, "BAD_ARGS"))
        call = self.call("GET", "rooms/tea/messages", query={"limit": "201"})
        self.assertEqual(call.status, 400)
        self.assertEqual(self.alice.received(), [])


class Membership(APITestCase):
    def test_join_is_seen_and_the_bot_stays_with_no_connection(self) -> None:
        call = self.call("POST", "rooms/tea/join")
        self.assertEqual(call.json, {"room": "tea", "members": 3})
        self.assertIn("JOIN tea robot", self.bob.received())
        again = self.call("POST", "rooms/TEA/join")
        self.assertEqual(again.json, {"room": "tea", "members": 3})
        self.assertEqual(self.bob.received(), [])
        self.bob.send("/who")
        self.assertIn("robot", " ".join(self.bob.received()))
        call = self.call("GET", "rooms/tea/members")
        self.assertEqual(
            call.json,
            {"room": "tea", "members": ["alice", "bob", "robot"], "owner": "alice"},
        )
        self.assertEqual(self.call("GET", "me").json["rooms"], ["tea"])
        rooms = {r["name"]: r for r in self.call("GET", "rooms").json["rooms"]}
        self.assertEqual(
            rooms["tea"],
            {
                "name": "tea",
                "members": 3,
                "capacity": rooms["tea"]["capacity"],
                "topic": "",
                "joined": True,
            },
        )
        self.assertEqual(rooms["general"]["joined"], False)

    def test_leave(self) -> None:
        self.call("POST", "rooms/tea/join")
        self.bob.received()
        call = self.call("POST", "rooms/tea/leave")
        self.assertEqual(call.json, {"room": "tea", "left": True})
        self.assertIn("PART tea robot left", self.bob.received())
        call = self.call("POST", "rooms/tea/leave")
        self.assertEqual((call.status, call.json["error"]), (403, "NOT_IN_ROOM"))

    def test_a_kick_ends_the_membership(self) -> None:
        self.call("POST", "rooms/tea/join")
        self.alice.send("/kick robot enough")
        self.alice.received()
        call = self.call("POST", "rooms/tea/messages", {"text": "hi"})
        self.assertEqual(call.json["error"], "NOT_IN_ROOM")


class Posting(APITestCase):
    def setUp(self) -> None:
        super().setUp()
        self.call("POST", "rooms/tea/join")
        self.alice.received()
        self.bob.received()

    def test_a_post_is_a_bots_message(self) -> None:
        call = self.call("POST", "rooms/tea/messages", {"text": "deployed"})
        answer = call.json
        self.assertEqual(set(answer), {"room", "id", "time"})
        self.assertEqual(
            self.alice.received(),
            [f"@{answer['id']};bot MSG tea robot {answer['time']} deployed"],
        )
        self.assertEqual(
            self.bob.received(), [f"MSG tea robot {answer['time']} deployed"]
        )

    def test_an_action_and_several_lines(self) -> None:
        self.call("POST", "rooms/tea/messages", {"text": "waves", "action": True})
        self.assertEqual(len(self.bob.received()), 1)
        call = self.call("POST", "rooms/tea/messages", {"text": "one\ntwo\tthree"})
        self.assertEqual(call.status, 200)
        read = self.call("GET", "rooms/tea/messages").json["messages"]
        self.assertEqual(
            [(m["text"], m["action"], m["bot"]) for m in read],
            [("waves", True, True), ("one\ntwo\tthree", False, True)],
        )

    def test_txn_repeated_says_nothing_and_answers_the_same(self) -> None:
        first = self.call("POST", "rooms/tea/messages", {"text": "once", "txn": "k:1"})
        self.assertEqual(len(self.bob.received()), 1)
        self.clock.advance(5)
        again = self.call("POST", "rooms/tea/messages", {"text": "once", "txn": "k:1"})
        self.assertEqual(again.json, first.json)
        self.assertEqual(self.bob.received(), [])
        other = self.call("POST", "rooms/tea/messages", {"text": "once", "txn": "k:2"})
        self.assertNotEqual(other.json["id"], first.json["id"])

    def test_history_since_limit_more(self) -> None:
        ids = [
            self.call("POST", "rooms/tea/messages", {"text": f"m{n}"}).json["id"]
            for n in range(5)
        ]
        self.bob.send(f"/edit {ids[1]} m1 edited")
        self.alice.send(f"/redact {ids[2]}")
        call = self.call(
            "GET", "rooms/tea/messages", query={"since": str(ids[0]), "limit": "2"}
        )
        self.assertEqual(call.json["more"], True)
        got = call.json["messages"]
        self.assertEqual([m["id"] for m in got], [ids[1], ids[3]])
        self.assertEqual(got[0]["text"], "m1")  # bob cannot edit robot's
        last = got[-1]["id"]
        call = self.call(
            "GET", "rooms/tea/messages", query={"since": str(last), "limit": "2"}
        )
        self.assertEqual(
            ([m["id"] for m in call.json["messages"]], call.json["more"]),
            ([ids[4]], False),
        )
        newest = self.call("GET", "rooms/tea/messages", query={"limit": "2"}).json
        self.assertEqual([m["id"] for m in newest["messages"]], [ids[3], ids[4]])
        self.assertEqual(sorted(newest), ["messages", "more", "room"])
        fields = {"id", "author", "time", "text", "action", "bot", "tags"}
        self.assertEqual(set(newest["messages"][0]), fields)  # the spec's M, exactly
        self.assertEqual(newest["messages"][0]["author"], "robot")

    def test_an_edit_reads_as_its_new_text(self) -> None:
        self.bob.send("/caps ids")
        self.bob.send("mine")
        said = self.bob.received()[-1]
        msg_id = said.split(" ")[0].lstrip("@")
        self.bob.send(f"/edit {msg_id} mine, edited")
        got = self.call("GET", "rooms/tea/messages").json["messages"]
        self.assertEqual(got[-1]["text"], "mine, edited")
        self.assertEqual(got[-1]["bot"], False)


class LongHistory(APITestCase):
    """Reading after a ``since`` far back: forwards from it, however many
    events the room keeps after it."""

    config = ServerConfig(rate=0, retention=100)

    def said(self, count: int) -> None:
        """bob says ``m0`` ... in tea; the bot is in it."""
        self.call("POST", "rooms/tea/join")
        for n in range(count):
            self.bob.send(f"m{n}")
        self.alice.received()

    def read_all(self, since: str, limit: int) -> list[list[str]]:
        """Every page after ``since``, each page's texts, asking again
        with the last id while ``more``."""
        pages = []
        while True:
            query = {"since": since, "limit": str(limit)}
            call = self.call("GET", "rooms/tea/messages", query=query).json
            pages.append([m["text"] for m in call["messages"]])
            if not call["more"]:
                return pages
            self.assertTrue(call["messages"], "more, and nothing to ask after")
            since = str(call["messages"][-1]["id"])

    def test_an_old_since_answers_its_next_messages_and_more(self) -> None:
        """Past the most a read reads back (two pages of 200 here), ``since
        0`` answers the first messages, ``more`` true until the last;
        every message is read once, in order."""
        self.patch(bot_api, "HISTORY_PAGES", 2)
        self.server.config = replace(self.config, retention=10_000)
        chat_core(self.server).reconfigure(self.server.config)
        self.said(450)
        pages = self.read_all("0", 200)
        self.assertEqual(pages[0][:2], ["m0", "m1"])
        self.assertEqual([len(page) for page in pages], [200, 200, 50])
        self.assertEqual(
            [text for page in pages for text in page], [f"m{n}" for n in range(450)]
        )

    def test_a_long_run_of_other_events_is_read_through(self) -> None:
        """Past the most a read reads back once it found a message (two
        pages of 200 here), 450 topic changes in a row and then one
        message: ``since 0`` answers the message, not an empty page with
        ``more`` that leaves the bot no id to ask again with."""
        self.patch(bot_api, "HISTORY_PAGES", 2)
        self.server.config = replace(self.config, retention=10_000)
        chat_core(self.server).reconfigure(self.server.config)
        self.call("POST", "rooms/tea/join")
        for n in range(450):
            self.bob.send(f"/topic t{n}")
        self.bob.send("at last")
        self.alice.received()
        self.assertEqual(self.read_all("0", 50), [["at last"]])

    def test_a_since_before_the_oldest_kept_starts_there(self) -> None:
        """A room that keeps its newest 100 events: ``since 0`` (its first
        400 events gone) answers from the oldest kept, in pages, to the
        last, with no empty page of ``more``."""
        self.patch(bot_api, "HISTORY_PAGES", 2)
        self.said(500)
        pages = self.read_all("0", 30)
        texts = [text for page in pages for text in page]
        self.assertEqual(texts, [f"m{n}" for n in range(500 - len(texts), 500)])
        self.assertGreater(len(texts), 90)


class RateLimited(APITestCase):
    config = ServerConfig(rate=1, burst=5)

    def test_past_the_burst_429_with_retry_after(self) -> None:
        """Five requests in any five seconds (``--burst`` / ``--rate``):
        ``Retry-After`` is the time until the oldest counted leaves the
        window, and one more goes then, not before."""
        self.call("POST", "rooms/tea/join")  # one of the five
        self.bob.received()
        self.clock.advance(2)
        answers = [
            self.call("POST", "rooms/tea/messages", {"text": f"n{n}"}) for n in range(6)
        ]
        self.assertEqual([a.status for a in answers], [200] * 4 + [429] * 2)
        refused = answers[-1]
        self.assertEqual(refused.json["error"], "RATE_LIMITED")
        self.assertEqual(refused.header("retry-after"), "3")
        self.assertEqual(refused.json["retry_after"], 3)
        self.assertEqual(len(self.bob.received()), 4)
        self.clock.advance(2.5)
        self.assertEqual(self.call("GET", "me").status, 429)
        self.clock.advance(0.5)
        self.assertEqual(
            self.call("POST", "rooms/tea/messages", {"text": "ok"}).status, 200
        )
        self.assertEqual(self.call("GET", "me").status, 429)

    def test_a_reload_changes_the_limits(self) -> None:
        """``--rate 0`` on a reload: no limit from the next request on."""
        for _ in range(5):
            self.call("POST", "rooms/tea/join")
        self.assertEqual(self.call("GET", "me").status, 429)
        self.server.reconfigure(ServerConfig(rate=0))
        self.assertEqual(self.call("GET", "me").status, 200)


class Events(APITestCase):
    def stream(self) -> Call:
        call = self.call("GET", "events")
        self.assertEqual(call.status, 200)
        self.assertEqual(
            call.header("content-type"), "text/event-stream; charset=utf-8"
        )
        return call

    def events(self, call: Call) -> list[tuple[str, Any]]:
        found = []
        for block in call.text.split("\n\n"):
            lines = dict(
                line.split(": ", 1) for line in block.split("\n") if ": " in line
            )
            if "event" in lines:
                found.append((lines["event"], json.loads(lines["data"])))
        return found

    def test_the_bots_rooms_from_every_member(self) -> None:
        stream = self.stream()
        self.call("POST", "rooms/tea/join")
        outside = self.connect("carol")
        outside.send("/create coffee")
        outside.send("nobody streams this")
        self.bob.send("hello robot")
        self.call("POST", "rooms/tea/messages", {"text": "hello bob"})
        dave = self.connect("dave")
        dave.send("/join tea")
        dave.send("/leave tea")
        got = self.events(stream)
        kinds = [(kind, data.get("text") or data.get("user")) for kind, data in got]
        self.assertEqual(
            kinds,
            [
                ("join", "robot"),
                ("message", "hello robot"),
                ("message", "hello bob"),
                ("join", "dave"),
                ("part", "dave"),
            ],
        )
        self.assertEqual(got[2][1]["bot"], True)
        self.assertEqual(got[1][1]["author"], "bob")
        self.assertEqual(got[1][1]["room"], "tea")
        self.assertEqual(
            [sorted(data) for _, data in got[:2]] + [sorted(got[4][1])],
            [
                ["room", "user"],
                ["action", "author", "bot", "id", "room", "tags", "text", "time"],
                ["reason", "room", "user"],
            ],
        )

    def test_its_own_joins_and_departures(self) -> None:
        stream = self.stream()
        self.call("POST", "rooms/tea/join")
        self.alice.send("/kick robot out")
        self.call("POST", "rooms/tea/join")
        self.call("POST", "rooms/tea/leave")
        self.assertEqual(
            [(kind, data["room"], data["user"]) for kind, data in self.events(stream)],
            [("join", "tea", "robot"), ("part", "tea", "robot")] * 2,
        )

    def test_keepalive_on_the_clock(self) -> None:
        stream = self.stream()
        before = stream.text
        self.clock.advance(KEEPALIVE)
        self.assertEqual(stream.text[len(before) :], ": keepalive\n\n")
        self.assertLessEqual(KEEPALIVE, 30)

    def test_at_most_max_devices_streams(self) -> None:
        limit = self.server.config.max_devices
        for _ in range(limit):
            self.stream()
        call = self.call("GET", "events")
        self.assertEqual((call.status, call.json["error"]), (409, "TOO_MANY_DEVICES"))

    def test_a_stream_lost_frees_its_place(self) -> None:
        """With ``--max-devices`` streams open, one whose connection is
        lost frees its place at once (a refused one took none)."""
        limit = self.server.config.max_devices
        streams = [self.stream() for _ in range(limit)]
        self.assertEqual(self.call("GET", "events").status, 409)
        streams[0].request.processingFailed(Failure(ConnectionDone()))
        settle()
        self.stream()
        call = self.call("GET", "events")
        self.assertEqual((call.status, call.json["error"]), (409, "TOO_MANY_DEVICES"))


class AfterARestart(StoreFileTestCase):
    """The bot's membership is its account's remembered rooms: a server
    started again on the same ``--db`` file stands it in them again."""

    config = ServerConfig(rate=0)

    def api(self, server: DoorHub) -> BotAPIResource:
        async def tokens(token: str) -> ApiBot | None:
            return ApiBot("robot") if token == TOKEN else None

        return BotAPIResource(server, tokens)

    def test_the_bot_is_in_general_again_and_posts(self) -> None:
        first = self.start()
        maker = FakeClient(first)
        maker.send("robot")
        maker.send("/register correct-horse-battery")
        maker.lose()
        call = Call(self.api(first), "POST", "v1/rooms/general/join")
        self.assertEqual(call.json["room"], "general")
        chat_core(first).stop()

        second = self.start()
        standing = second.registry.standing

        async def bots() -> list[str]:
            return ["robot"]

        standing.add_source(bots)
        standing.start()
        settle()
        bob = FakeClient(second)
        bob.send("bob")
        bob.send("/join general")
        members = [line for line in bob.received() if line.startswith("MEMBERS")]
        self.assertIn("robot", members[0].split())
        call = Call(
            self.api(second), "POST", "v1/rooms/general/messages", {"text": "back"}
        )
        self.assertEqual(call.status, 200, call.text)
        self.assertIn("MSG general robot", " ".join(bob.received()))


class RealBots(ProtocolTestCase):
    """The API over the bots' wing's own tokens: a bot made by the
    operator's way (``Bots.add``) is known by its token; removed, its
    stream ends, its rooms hear it go and its token is refused."""

    def test_a_removed_bots_stream_ends_and_its_token_fails(self) -> None:
        bots = self.server.registry.accounts.bots
        made = Deferred.fromCoroutine(bots.add("robot"))
        settle()
        _, token = self.successResultOf(made)
        api = BotAPIResource(self.server)
        (bob,) = self.in_room("bob")
        call = Call(api, "GET", "v1/me", token=token)
        self.assertEqual(call.json["owner"], None)
        Call(api, "POST", "v1/rooms/general/join", token=token)
        self.assertIn("JOIN general robot", bob.received())
        stream = Call(api, "GET", "v1/events", token=token)
        self.assertEqual(stream.request.finished, 0)
        removing = Deferred.fromCoroutine(bots.remove("robot", "the operator"))
        settle()
        self.clock.advance(0)
        self.successResultOf(removing)
        self.assertEqual(stream.request.finished, 1)
        self.assertTrue(
            any(line.startswith("PART general robot") for line in bob.received())
        )
        call = Call(api, "GET", "v1/me", token=token)
        self.assertEqual((call.status, call.json["error"]), (401, "BAD_TOKEN"))

    def test_a_doors_leave_ends_the_membership(self) -> None:
        """Signed in as the bot at the line door, its ``/leave`` takes the
        account out: the API finds it out of the room."""
        bots = self.server.registry.accounts.bots
        made = Deferred.fromCoroutine(bots.add("robot"))
        settle()
        _, token = self.successResultOf(made)
        api = BotAPIResource(self.server)
        Call(api, "POST", "v1/rooms/general/join", token=token)
        door = self.connect()
        door.send(f"/login robot {token}")
        door.send("/join general")
        door.send("/leave")
        door.received()
        call = Call(api, "GET", "v1/rooms/general/members", token=token)
        self.assertEqual((call.status, call.json["error"]), (403, "NOT_IN_ROOM"))
        self.assertEqual(Call(api, "GET", "v1/me", token=token).json["rooms"], [])
