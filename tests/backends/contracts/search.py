"""``/search`` (issue 22), run against every registry that can search.

The in-process registry runs it twice (``tests/backends/local/test_search.py``): with
``--db :memory:`` (the in-memory index) and with a SQLite file; cluster
mode runs it, private conversations included, on two nodes with
PostgreSQL's index (``tests/backends/redis/test_search.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.moderation import PASSWORD

#: Rooms big enough for the tests, and no flood limit.
SEARCH_CONFIG = ServerConfig(rate=0, room_capacity=5, max_rooms=5, retention=200)

FOUND = r"FOUND (\S+) (\d+) (\S+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)"


class Searching(ContractBase):
    """Saying and searching, for the tests below and others'."""

    @defer.inlineCallbacks
    def search(self, user: User, text: str) -> Generator[Any, Any, list[str]]:
        """``/search text``'s ``FOUND`` lines, checked against ``FOUND_END``."""
        user.say(f"/search {text}".rstrip())
        lines: list[str] = []
        while True:
            line = yield self.expect(user, "FOUND")
            if line.startswith("FOUND_END "):
                self.assertEqual(line, f"FOUND_END {len(lines)}")
                return lines
            self.assertRegex(line, FOUND)
            lines.append(line)

    @defer.inlineCallbacks
    def account(self, name: str) -> Generator[Any, Any, User]:
        """``name`` registered and signed in."""
        user = yield self.connect(name)
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, "REGISTERED")
        return user

    @defer.inlineCallbacks
    def said(self, user: User, room: str, *texts: str) -> Generator[Any, Any, None]:
        """``user`` says each of ``texts`` in ``room`` (its current one)."""
        for text in texts:
            user.say(text)
            yield self.expect(user, f"MSG {room} ")


class SearchContract(Searching):
    """What a searching user sees."""

    @defer.inlineCallbacks
    def test_words_and_their_starts_whatever_the_case_and_accents(
        self,
    ) -> Generator[Any, Any, None]:
        """``cafe`` finds ``Café``, ``CAFE`` and the words it starts,
        ``cafeteria`` and ``cafés`` (newest first, with room, id, author and
        time); ``cafes`` only ``cafés``; ``boil`` finds ``boiling``."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(alice, "tea", "Café au lait?", "the cafeteria is shut")
        yield self.said(bob, "tea", "the CAFE is open", "two cafés")
        found = yield self.search(alice, "cafe")
        self.assertEqual(len(found), 4, found)
        self.assertRegex(found[0], r"^FOUND tea \d+ bob \S+ two cafés$")
        self.assertRegex(found[1], r"^FOUND tea \d+ bob \S+ the CAFE is open$")
        self.assertRegex(found[2], r"^FOUND tea \d+ alice \S+ the cafeteria is shut$")
        self.assertRegex(found[3], r"^FOUND tea \d+ alice \S+ Café au lait\?$")
        ids = [int(line.split()[2]) for line in found]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual((yield self.search(bob, "CAFÉ")), found)
        self.assertEqual(len((yield self.search(bob, "cafes"))), 1)
        yield self.said(bob, "tea", "the kettle is boiling")
        (boiling,) = yield self.search(alice, "boil")
        self.assertTrue(boiling.endswith(" the kettle is boiling"), boiling)

    @defer.inlineCallbacks
    def test_a_short_word_is_a_whole_word(self) -> Generator[Any, Any, None]:
        """A word of fewer than three characters matches only itself: ``is``
        finds "it is open", not "the island"; ``isl`` finds "the island"."""
        alice, _ = yield self.in_room("tea", "alice", "bob")
        yield self.said(alice, "tea", "it is open", "the island")
        (found,) = yield self.search(alice, "is")
        self.assertTrue(found.endswith(" it is open"), found)
        (found,) = yield self.search(alice, "isl")
        self.assertTrue(found.endswith(" the island"), found)

    @defer.inlineCallbacks
    def test_every_word_must_be_there(self) -> Generator[Any, Any, None]:
        """Several words find the messages with all of them, in any order;
        FTS5's own syntax (``OR``, ``*``, quotes) is only text, and
        punctuation separates words."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.said(alice, "tea", "green tea please", "tea, green or black")
        yield self.said(alice, "tea", "black coffee", 'say "OR" twice: or OR')
        found = yield self.search(alice, "green TEA")
        self.assertEqual(
            [line.split(" ", 5)[5] for line in found],
            [
                "tea, green or black",
                "green tea please",
            ],
        )
        self.assertEqual(len((yield self.search(alice, "green OR coffee"))), 0)
        # "coff" starts "coffee"; the * is text, not FTS5's own prefix
        self.assertEqual(len((yield self.search(alice, "coff*"))), 1)
        self.assertEqual(len((yield self.search(alice, 'coffee* "black'))), 1)
        self.assertEqual(len((yield self.search(alice, "twice or"))), 1)

    @defer.inlineCallbacks
    def test_only_the_rooms_the_searcher_is_in(self) -> Generator[Any, Any, None]:
        """Messages of a room one is not in are never found, ``in:`` such a
        room is refused, and leaving a room takes it out of one's search."""
        (alice,) = yield self.in_room("tea", "alice")
        (bob,) = yield self.in_room("coffee", "bob")
        yield self.said(alice, "tea", "the secret plan")
        yield self.said(bob, "coffee", "another secret plan")
        found = yield self.search(alice, "secret")
        self.assertEqual(len(found), 1)
        self.assertIn(" tea ", found[0])
        alice.say("/search secret in:coffee")
        line = yield self.expect(alice, "ERR ")
        self.assertEqual(line, "ERR NOT_IN_ROOM you are not in coffee")
        alice.say("/join coffee")
        yield self.expect(alice, "MEMBERS coffee ")
        found = yield self.search(alice, "secret plan")
        self.assertEqual(len(found), 1)
        self.assertRegex(found[0], r"^FOUND coffee \d+ bob ")
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        self.assertEqual((yield self.search(alice, "secret")), [])

    @defer.inlineCallbacks
    def test_multi_searches_every_room_and_in_narrows(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``/caps multi`` a search reads all of the connection's rooms;
        ``in:ROOM`` (any case) keeps one of them."""
        alice = yield self.connect("alice")
        alice.say("/caps multi")
        yield self.expect(alice, "CAPS ")
        for room in ("tea", "coffee"):
            alice.say(f"/create {room}")
            yield self.expect(alice, f"MEMBERS {room} ")
            alice.say(f"/say {room} hot water in {room}")
            yield self.expect(alice, f"MSG {room} ")
        found = yield self.search(alice, "water")
        self.assertEqual([line.split()[1] for line in found], ["coffee", "tea"])
        found = yield self.search(alice, "in:TEA water")
        self.assertEqual([line.split()[1] for line in found], ["tea"])

    @defer.inlineCallbacks
    def test_edited_by_their_text_deleted_never(self) -> Generator[Any, Any, None]:
        """An edited message is found by its new text only; a deleted one
        is not found at all, nor are its edits."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/caps rich")
        yield self.expect(alice, "CAPS ")
        alice.say("teh kettle")
        first = (yield self.expect(alice, "@")).split()[0][1:]
        alice.say("a secret")
        second = (yield self.expect(alice, "@")).split()[0][1:]
        alice.say(f"/edit {first} the kettle")
        yield self.expect(alice, "@")
        self.assertEqual((yield self.search(alice, "teh")), [])
        found = yield self.search(alice, "kettle")
        self.assertRegex(found[0], rf"^FOUND tea {first} alice \S+ the kettle$")
        alice.say(f"/edit {second} a secret, edited")
        yield self.expect(alice, "@")
        alice.say(f"/redact {second}")
        yield self.expect(alice, "@")
        self.assertEqual((yield self.search(alice, "secret")), [])
        self.assertEqual((yield self.search(alice, "edited")), [])

    @defer.inlineCallbacks
    def test_at_most_fifty_the_newest(self) -> Generator[Any, Any, None]:
        """Of 60 matching messages the newest 50 come, newest first."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.said(alice, "tea", *(f"ping {n}" for n in range(60)))
        found = yield self.search(alice, "ping")
        self.assertEqual(
            [line.split()[-1] for line in found], [str(n) for n in range(59, 9, -1)]
        )

    @defer.inlineCallbacks
    def test_from_a_user(self) -> Generator[Any, Any, None]:
        """``from:NAME`` (any case) keeps that user's messages."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(alice, "tea", "more tea")
        yield self.said(bob, "tea", "more tea for me")
        found = yield self.search(alice, "tea from:BOB")
        self.assertEqual(len(found), 1)
        self.assertRegex(found[0], r"^FOUND tea \d+ bob ")
        self.assertEqual((yield self.search(alice, "tea from:carol")), [])

    @defer.inlineCallbacks
    def test_in_thread_keeps_threads_messages(self) -> Generator[Any, Any, None]:
        """``in:thread`` keeps the messages said in threads (``/thread``),
        not their roots nor the room's other messages; an edit is found by
        its new text there too."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(alice, "tea", "tea at four?")
        found = yield self.search(alice, "tea")
        root = found[0].split()[2]
        bob.say(f"/thread {root} tea at five")
        yield self.expect(alice, "MSG tea bob ")
        yield self.said(bob, "tea", "tea is ready")
        found = yield self.search(alice, "tea in:thread")
        self.assertEqual([line.split(" ", 5)[5] for line in found], ["tea at five"])
        self.assertEqual(len((yield self.search(alice, "tea"))), 3)
        self.assertEqual((yield self.search(alice, "ready in:THREAD")), [])

    @defer.inlineCallbacks
    def test_bad_searches_are_refused(self) -> Generator[Any, Any, None]:
        """Empty, too long, only filters, an empty filter, a time that is
        none: each ``ERR BAD_ARGS``; nobody else hears of it, and the
        searcher can go on talking."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        for text in (
            "",
            "   ",
            "word " * 41,
            "in:tea",
            "word from:",
            "word before:tomorrow",
        ):
            alice.say(f"/search {text}")
            line = yield self.expect(alice, "ERR ")
            self.assertTrue(line.startswith("ERR BAD_ARGS "), (text, line))
        alice.say("still here")
        self.assertRegex((yield self.expect(bob, "MSG tea ")), r" still here$")
        self.assertEqual(bob.unread(), [])

    @defer.inlineCallbacks
    def test_in_the_lobby_nothing_is_found(self) -> Generator[Any, Any, None]:
        """A user in no room searches no room."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.said(alice, "tea", "hello")
        bob = yield self.connect("bob")
        self.assertEqual((yield self.search(bob, "hello")), [])


class Stepping(Protocol):
    """A clock a test moves on (``task.Clock``, or a cluster's stepped one)."""

    def advance(self, amount: float) -> None: ...


class PrivateSearchContract(SearchContract):
    """A signed-in searcher's own private conversations, never another's.

    Hits of rooms and of conversations are merged by time: subclasses
    provide ``clock`` (the server's, a ``task.Clock`` or the like), moved
    on a second a message."""

    clock: Stepping

    @defer.inlineCallbacks
    def private(self, sender: User, to: str, text: str) -> Generator[Any, Any, None]:
        """``sender`` says ``text`` to ``to`` in private, a second later,
        and has its own copy (not one it was sent earlier: a back-end that
        answers later must have stamped it before the clock moves on)."""
        self.clock.advance(1)
        sender.say(f"/msg {to} {text}")
        while not (yield self.expect(sender, "PRIVMSG ")).endswith(f" {text}"):
            pass

    @defer.inlineCallbacks
    def conversations(self) -> Generator[Any, Any, list[User]]:
        """alice, bob and carol (accounts): alice and bob talk in tea and in
        private, bob and carol in private; dave (a plain name) too."""
        alice = yield self.account("alice")
        bob = yield self.account("bob")
        carol = yield self.account("carol")
        dave = yield self.connect("dave")
        for user, line in ((alice, "/create tea"), (bob, "/join tea")):
            user.say(line)
            yield self.expect(user, "MEMBERS tea")
        self.clock.advance(1)
        yield self.said(alice, "tea", "lunch in the room?")
        yield self.private(alice, "bob", "lunch at one?")
        yield self.private(bob, "alice", "LUNCH at two")
        yield self.private(bob, "carol", "secret lunch with carol")
        yield self.private(dave, "bob", "lunch from a plain name")
        return [alice, bob, carol, dave]

    @defer.inlineCallbacks
    def test_own_conversations_are_found_named_by_the_other(
        self,
    ) -> Generator[Any, Any, None]:
        """alice finds her room's message and both lines of her conversation
        with bob (``FOUND @bob``), newest first; never bob's conversation
        with carol. bob finds his conversations with alice, carol and dave,
        each named by the other."""
        alice, bob, carol, _ = yield self.conversations()
        found = yield self.search(alice, "lunch")
        self.assertEqual(len(found), 3, found)
        self.assertRegex(found[0], r"^FOUND @bob 2 bob \S+ LUNCH at two$")
        self.assertRegex(found[1], r"^FOUND @bob 1 alice \S+ lunch at one\?$")
        self.assertRegex(found[2], r"^FOUND tea \d+ alice \S+ lunch in the room\?$")
        found = yield self.search(bob, "lunch")
        self.assertEqual(
            [line.split()[1] for line in found],
            ["@dave", "@carol", "@alice", "@alice", "tea"],
        )
        found = yield self.search(carol, "lunch")
        self.assertEqual(len(found), 1, found)
        self.assertRegex(found[0], r"^FOUND @bob 1 bob \S+ secret lunch with carol$")

    @defer.inlineCallbacks
    def test_in_a_person_narrows_to_that_conversation(
        self,
    ) -> Generator[Any, Any, None]:
        """``in:@carol`` (any case) is bob's conversation with carol only;
        ``in:tea`` the room only; both together, both; ``from:`` applies."""
        _, bob, _, _ = yield self.conversations()
        found = yield self.search(bob, "lunch in:@CAROL")
        self.assertEqual([line.split()[1] for line in found], ["@carol"])
        found = yield self.search(bob, "lunch in:tea")
        self.assertEqual([line.split()[1] for line in found], ["tea"])
        found = yield self.search(bob, "in:@alice lunch in:tea")
        self.assertEqual(
            [line.split()[1] for line in found], ["@alice", "@alice", "tea"]
        )
        found = yield self.search(bob, "lunch in:@alice from:alice")
        self.assertEqual(len(found), 1, found)
        self.assertTrue(found[0].endswith(" lunch at one?"), found)
        found = yield self.search(bob, "lunch in:@nobody")
        self.assertEqual(found, [])

    @defer.inlineCallbacks
    def test_a_plain_name_has_no_conversations_to_search(
        self,
    ) -> Generator[Any, Any, None]:
        """dave (no account) finds nothing private, not even what he wrote
        to bob; ``in:@bob`` is NOT_ALLOWED for him, ``in:@`` BAD_ARGS."""
        _, _, _, dave = yield self.conversations()
        self.assertEqual((yield self.search(dave, "lunch")), [])
        dave.say("/search lunch in:@bob")
        refusal = yield self.expect(dave, "ERR ")
        self.assertTrue(refusal.startswith("ERR NOT_ALLOWED "), refusal)
        dave.say("/search lunch in:@")
        refusal = yield self.expect(dave, "ERR ")
        self.assertTrue(refusal.startswith("ERR BAD_ARGS "), refusal)
