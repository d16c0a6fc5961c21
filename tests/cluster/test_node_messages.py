"""What nodes tell each other besides events (:mod:`chatroom.core.model.nodemessages`),
through the one codec: each typed value back as it went, whether Python
wrote it or a script, as the scripts write it, on a real redis-server.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.trial import unittest

from chatroom.core.model import codec
from chatroom.core.model.events import (
    Departure,
    DepartureKind,
    Renamed,
    Sighting,
    Watched,
)
from chatroom.core.model.nodemessages import (
    EndDevice,
    EndSession,
    KickHead,
    NewsHead,
    ShowRoom,
)
from tests.cluster.sentinels import ask
from tests.cluster.support import RedisTestCase

#: One of each, with text a stranger might send: not ASCII, a slash, a
#: quote, a space.
EACH = (
    EndSession('killed by an operator: "flood" / spam ☃'),
    ShowRoom("thé"),
    EndDevice(2, "logged out"),
    NewsHead(8, 2, "bób"),
    NewsHead(9, 1, ""),
    KickHead("n1:7"),
)

DEPARTURE = Departure("tea", "bob", DepartureKind.KICK, "rude", by="alice")


class RoundTripTests(unittest.TestCase):
    """Every node message is decoded as the value it was encoded from."""

    def test_each_comes_back_as_it_went(self) -> None:
        for said in EACH:
            with self.subTest(said=said):
                self.assertEqual(codec.decode(codec.encode(said)), said)

    def test_an_entry_head_comes_back_with_its_event(self) -> None:
        """A head before a room's event: the head, and the event's bytes
        exactly, so the event decodes as it was published."""
        event = codec.encode(DEPARTURE)
        for head in (NewsHead(8, 2, "bób"), KickHead("n1:7")):
            with self.subTest(head=head):
                entry = codec.entry_head(head).encode() + event
                self.assertEqual(codec.split_entry(entry), (head, event))
                self.assertEqual(codec.decode(event), DEPARTURE)

    def test_an_event_without_a_head_is_left_as_it_is(self) -> None:
        event = codec.encode(Renamed("alice", "alicia"))
        self.assertEqual(codec.split_entry(event), (None, event))

    def test_a_mark_that_starts_no_head_is_refused(self) -> None:
        """A ``~`` before an object that is not a head, or a head with no
        event after it, is no entry this version writes."""
        event = codec.encode(DEPARTURE)
        for entry in (
            b"~" + event + b" " + event,  # an event where the head goes
            codec.entry_head(KickHead("n1:7")).encode()[:-1],  # no space
            b"~kick:n1:7",  # a text head with no event after it
        ):
            with self.subTest(entry=entry), self.assertRaises(ValueError):
                codec.split_entry(entry)

    def test_a_head_kept_in_the_text_form_is_still_read(self) -> None:
        """A room log kept in Redis may hold heads in the space-ended text
        form (``~kick:TOKEN ``, ``~NUMBER:ROOMS:UNLESS ``): they are read as
        the typed heads, so that log still replays to its members."""
        event = codec.encode(DEPARTURE)
        self.assertEqual(
            codec.split_entry(b"~kick:n1:7 " + event), (KickHead("n1:7"), event)
        )
        self.assertEqual(
            codec.split_entry(b"~7:3:bob " + event), (NewsHead(7, 3, "bob"), event)
        )

    def test_the_documented_forms_are_what_is_sent(self) -> None:
        """The forms :mod:`chatroom.core.model.nodemessages` shows are the bytes."""
        self.assertEqual(
            codec.encode(EndDevice(2, "logged out")),
            b'{"type":"EndDevice","number":2,"reason":"logged out"}',
        )
        self.assertEqual(
            codec.entry_head(KickHead("n1:7")),
            '~{"type":"KickHead","session":"n1:7"} ',
        )


class WrittenByScriptsTests(RedisTestCase):
    """What the scripts write (``cjson.encode``, key order its own, a slash
    escaped) is read as the typed value; what Python writes, a script reads
    (the resume's pattern for a kick's head)."""

    def run_lua(self, source: str, *args: Any) -> defer.Deferred[Any]:
        return ask(self.redis.port, "EVAL", source, 0, *args)

    @defer.inlineCallbacks
    def test_the_scripts_news_is_decoded(self) -> Generator[Any, Any, None]:
        """The ``Watched`` news as the prelude's ``sighted`` writes it (the
        only value a script encodes: nodes encode every order) is read as
        the typed value."""
        from chatroom.backends.redis.prelude import lua_file

        source = lua_file("prelude").split("local function sighted(name, sighting)")[1]
        build = source.split("cjson.encode(", 1)[1].split("})", 1)[0] + "}"
        self.assertIn("type = 'Watched'", build)
        written = yield self.run_lua(
            "local name, sighting = ARGV[1], ARGV[2] return cjson.encode("
            + build
            + ")",
            'ann/"é"',
            "offline",
        )
        self.assertEqual(codec.decode(written), Watched('ann/"é"', Sighting.OFFLINE))

    @defer.inlineCallbacks
    def test_the_resume_reads_a_kick_head(self) -> Generator[Any, Any, None]:
        """The resume's pattern (``RESUME_ROOM``) finds the session a kick's
        head names, and nothing in an entry without one."""
        from chatroom.backends.redis.node_scripts import RESUME_ROOM

        pattern = RESUME_ROOM.source.decode().split("string.match(entry, '")[1]
        pattern = pattern.split("')", 1)[0]
        event = codec.encode(DEPARTURE)
        kicked = b"12 " + codec.entry_head(KickHead("n1:7")).encode() + event
        news = b"13 " + codec.entry_head(NewsHead(8, 2, "")).encode() + event
        found = yield self.run_lua(
            "return {string.match(ARGV[1], ARGV[3]) or '',"
            " string.match(ARGV[2], ARGV[3]) or ''}",
            kicked,
            news,
            pattern,
        )
        self.assertEqual(found, [b"n1:7", b""])
