"""Reactions, typing notices and the moderation log (issue 22), on every registry.

The same conversations with the in-process registry
(``tests/backends/local/test_reactions.py``) and with a real ``redis-server``
(``tests/backends/redis/test_reactions.py``): alice (plain, owns ``tea``),
bob (``/caps ids``) and carol (``/caps rich``), as
:class:`tests.backends.contracts.rich.RichContract` sets them up.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import CONFIG, User
from tests.backends.contracts.rich import RichRoom, id_of

THUMBS = "\U0001f44d"

#: The contracts' configuration, keeping (and holding in memory) enough
#: events that a message is still there after its twenty reactions.
REACTION_CONFIG = replace(CONFIG, retention=50, resume_bound=50)


class ReactionContract(RichRoom):
    """What rich and plain users see of reactions, typing and /modlog."""

    @defer.inlineCallbacks
    def refused(self, user: User, line: str, code: str) -> Generator[Any, Any, None]:
        user.say(line)
        reply = yield self.expect(user, "ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))

    @defer.inlineCallbacks
    def test_reactions_reach_rich_members_only(self) -> Generator[Any, Any, None]:
        """``REACT`` and ``UNREACT`` go to rich members, each a stored event
        with its own id; reacting twice, or taking back what was never
        given, sends nothing; plain and ids members see none of it."""
        alice, bob, carol = yield self.rich_room()
        hello = yield self.said(alice, carol, "hello")
        bob.say(f"/react {hello} {THUMBS}")
        react = yield self.expect(carol, "@")
        self.assertRegex(react, rf"^@\d+ REACT tea {hello} bob {THUMBS}$")
        bob.say(f"/react {hello} {THUMBS}")  # again: nothing changes
        carol.say(f"/unreact {hello} {THUMBS}")  # never given: nothing either
        bob.say(f"/unreact {hello} {THUMBS}")
        unreact = yield self.expect(carol, "@")
        self.assertRegex(unreact, rf"^@\d+ UNREACT tea {hello} bob {THUMBS}$")
        self.assertEqual(int(id_of(unreact)), int(id_of(react)) + 1)
        marker = yield self.said(alice, carol, "after")
        self.assertEqual(int(marker), int(id_of(unreact)) + 1)
        yield self.expect(bob, "MSG tea alice ")  # after
        yield self.expect(bob, "MSG tea alice ")
        for user in (alice, bob):
            user.poll()
            self.assertFalse([x for x in user.lines if "REACT" in x], user.lines)
        self.assertFalse([x for x in carol.unread() if "REACT" in x])

    @defer.inlineCallbacks
    def test_reactions_replayed_in_order(self) -> Generator[Any, Any, None]:
        """``/history`` and ``/join since`` of a rich member include the
        reactions in order; others get the messages alone."""
        alice, bob, carol = yield self.rich_room()
        first = yield self.said(alice, carol, "first")
        carol.say(f"/react {first} :tea:")
        react = yield self.expect(carol, "@")
        second = yield self.said(bob, carol, "second")
        carol.say("/history 10")
        end = yield self.expect(carol, "HISTORY_END ")
        self.assertEqual(end, "HISTORY_END tea 3")
        replay = carol.lines[-4:-1]
        self.assertEqual(
            [id_of(line) for line in replay], [first, id_of(react), second]
        )
        self.assertEqual(replay[1], react)
        bob.say("/history 10")
        self.assertEqual((yield self.expect(bob, "HISTORY_END ")), "HISTORY_END tea 2")
        carol.say("/leave")
        yield self.expect(carol, "ROOMS ")
        carol.say(f"/join tea since {first}")
        yield self.expect(carol, "MEMBERS ")
        self.assertEqual((yield self.expect(carol, "@")), react)

    @defer.inlineCallbacks
    def test_bad_reactions_are_refused(self) -> Generator[Any, Any, None]:
        """Unknown ids, a reaction's own id, too long, spaces or controls,
        a missing reaction, a 21st distinct one: a clear ERR each, nothing
        sent or stored; a reaction already given is no new one."""
        alice, bob, carol = yield self.rich_room()
        said = yield self.said(alice, carol, "react to me")
        carol.say(f"/react {said} x")
        own = id_of((yield self.expect(carol, "@")))
        for line, code in [
            ("/react 999 x", "NO_SUCH_MESSAGE"),
            (f"/react {own} x", "NO_SUCH_MESSAGE"),
            (f"/react {said} " + THUMBS * 8 + "a", "BAD_ARGS"),  # 33 bytes
            (f"/react {said} a b", "BAD_ARGS"),
            (f"/react {said} a\x07", "BAD_ARGS"),
            (f"/react {said}", "BAD_ARGS"),
            ("/react x y", "BAD_ARGS"),
            ("/unreact 999 x", "NO_SUCH_MESSAGE"),
        ]:
            yield self.refused(bob, line, code)
        bob.say(f"/react {said} " + THUMBS * 8)  # 32 bytes: fine
        yield self.expect(carol, "@")
        for number in range(18):  # x, the thumbs and 18 more: 20
            bob.say(f"/react {said} r{number}")
            yield self.expect(carol, "@")
        yield self.refused(bob, f"/react {said} one-too-many", "BAD_ARGS")
        alice.say(f"/react {said} r0")  # given already: not a new one
        self.assertRegex((yield self.expect(carol, "@")), r" REACT tea \d+ alice r0$")
        self.assertFalse([x for x in carol.unread() if "@" in x])

    @defer.inlineCallbacks
    def test_reactions_go_with_their_message(self) -> Generator[Any, Any, None]:
        """A redacted message's reactions leave every replay with it, and it
        can be reacted to no more."""
        _alice, bob, carol = yield self.rich_room()
        gone = yield self.said(bob, carol, "soon gone")
        carol.say(f"/react {gone} x")
        yield self.expect(carol, "@")
        bob.say(f"/redact {gone}")
        redact = yield self.expect(carol, "@")
        yield self.refused(carol, f"/react {gone} y", "NO_SUCH_MESSAGE")
        carol.say("/history 10")
        self.assertEqual(
            (yield self.expect(carol, "HISTORY_END ")), "HISTORY_END tea 1"
        )
        self.assertEqual(carol.lines[-2], redact)

    @defer.inlineCallbacks
    def test_typing_reaches_the_other_rich_members(self) -> Generator[Any, Any, None]:
        """``TYPING`` goes to the room's other rich members, not to the
        typist, not to plain or ids members, and is not kept; a bad state
        is refused."""
        alice, bob, carol = yield self.rich_room()
        bob.say("/caps rich")
        yield self.expect(bob, "CAPS ")
        carol.say("/typing active")
        self.assertEqual((yield self.expect(bob, "TYPING ")), "TYPING tea carol active")
        carol.say("/typing done")
        self.assertEqual((yield self.expect(bob, "TYPING ")), "TYPING tea carol done")
        yield self.refused(carol, "/typing maybe", "BAD_ARGS")
        yield self.refused(carol, "/typing", "BAD_ARGS")
        alice.say("/typing active")
        self.assertEqual(
            (yield self.expect(carol, "TYPING ")), "TYPING tea alice active"
        )
        yield self.said(alice, carol, "typed")
        for user in (alice, carol):
            user.poll()
            typed = [x for x in user.lines if x.startswith("TYPING")]
            self.assertEqual(
                typed, ["TYPING tea alice active"] if user is carol else []
            )
        bob.say("/history 10")  # a rich replay counts every stored event
        self.assertEqual((yield self.expect(bob, "HISTORY_END ")), "HISTORY_END tea 1")

    @defer.inlineCallbacks
    def test_moderation_log(self) -> Generator[Any, Any, None]:
        """Settings, operator grants, deleting another's message, kicks, bans
        and unbans are logged, oldest first, for the owner and operators;
        deleting one's own message is not; others are refused."""
        alice, bob, carol = yield self.rich_room()
        for line, event in [
            ("/set topic-lock on", "SET "),
            ("/op bob", "OP "),
        ]:
            alice.say(line)
            yield self.expect(carol, event)
        spam = yield self.said(carol, carol, "spam")
        mine = yield self.said(bob, carol, "mine")
        bob.say(f"/redact {spam} no spam")
        yield self.expect(carol, "@")
        bob.say(f"/redact {mine}")
        yield self.expect(carol, "@")
        yield self.refused(carol, "/modlog", "NOT_ALLOWED")
        alice.say("/kick carol be nice")
        yield self.expect(carol, "KICKED ")
        alice.say("/ban carol")
        yield self.expect(alice, "BAN ")
        alice.say("/unban carol")
        yield self.expect(alice, "UNBAN ")
        bob.say("/modlog")
        entries = []
        while True:
            line = yield self.expect(bob, "MODLOG")
            if line.startswith("MODLOG_END"):
                break
            entries.append(line.split(" ", 6))
        self.assertEqual(line, "MODLOG_END tea 6")
        self.assertEqual(
            [entry[3:] for entry in entries],
            [
                ["alice", "set", "topic-lock=on", "-"],
                ["alice", "op", "bob", "-"],
                ["bob", "redact", spam, "no spam"],
                ["alice", "kick", "carol", "be nice"],
                ["alice", "ban", "name:carol", "-"],
                ["alice", "unban", "name:carol", "-"],
            ],
        )
        self.assertTrue(all(entry[:2] == ["MODLOG", "tea"] for entry in entries))
        self.assertRegex(entries[0][2], r"^\d{4}-\d\d-\d\dT[\d:.]+Z$")
        alice.say("/modlog 2")
        yield self.expect(alice, "MODLOG tea ")
        self.assertEqual((yield self.expect(alice, "MODLOG")).split()[4], "unban")
        self.assertEqual((yield self.expect(alice, "MODLOG")), "MODLOG_END tea 2")
        for bad in ("/modlog 0", "/modlog 201", "/modlog x", "/modlog -1"):
            yield self.refused(alice, bad, "BAD_ARGS")
