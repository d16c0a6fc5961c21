"""Messages with a life (issue 22), run against every registry.

The same conversations as users of ``/caps rich`` and of plain connections
see them, with the in-process registry
(``tests/backends/local/test_rich.py``) and with a real ``redis-server``
(``tests/backends/redis/test_rich.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.wire.lines import parse_event
from tests.backends.contracts.handler import ContractBase, User


def id_of(line: str) -> str:
    """The id of an ``@ID[;tags] ...`` line."""
    return line.split()[0][1:].partition(";")[0]


class RichRoom(ContractBase):
    """The room every rich contract starts from."""

    @defer.inlineCallbacks
    def rich_room(self) -> Generator[Any, Any, list[User]]:
        """alice (plain), bob (``/caps ids``) and carol (``/caps rich``) in tea."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        bob.say("/caps ids")
        self.assertEqual((yield self.expect(bob, "CAPS ")), "CAPS ids")
        carol.say("/caps rich")
        self.assertEqual((yield self.expect(carol, "CAPS ")), "CAPS ids rich")
        return [alice, bob, carol]

    @defer.inlineCallbacks
    def said(self, speaker: User, carol: User, text: str) -> Generator[Any, Any, str]:
        """``speaker`` says ``text``; its id as carol (rich) sees it."""
        speaker.say(text)
        line = yield self.expect(carol, "@")
        self.assertTrue(line.endswith(" " + text), line)
        return id_of(line)


class RichContract(RichRoom):
    """Tags, replies: what rich and plain users see."""

    @defer.inlineCallbacks
    def test_rich_turns_ids_on_and_shows_reply_tags(
        self,
    ) -> Generator[Any, Any, None]:
        """A reply is one MSG: tagged ``reply=ID`` for rich, ``@ID`` alone
        for ids, the plain line for everyone else."""
        alice, bob, carol = yield self.rich_room()
        alice.say("hello")
        said = yield self.expect(carol, "@")
        self.assertRegex(said, r"^@\d+ MSG tea alice \S+ hello$")
        first = id_of(said)
        bob.say(f"/reply {first} hi alice")
        rich = yield self.expect(carol, "@")
        self.assertRegex(rich, rf"^@\d+;reply={first} MSG tea bob \S+ hi alice$")
        ids = yield self.expect(bob, f"@{id_of(rich)} ")
        self.assertEqual(ids, f"@{id_of(rich)} {rich.partition(' ')[2]}")
        plain = yield self.expect(alice, "MSG tea bob ")
        self.assertEqual(plain, rich.partition(" ")[2])
        self.assertEqual(int(id_of(rich)), int(first) + 1)
        carol.say("/caps ids")  # asking for ids again keeps rich on
        self.assertEqual((yield self.expect(carol, "CAPS ")), "CAPS ids rich")

    @defer.inlineCallbacks
    def test_rich_is_one_of_the_capabilities_listed(
        self,
    ) -> Generator[Any, Any, None]:
        """``/caps multi`` then ``/caps rich``: CAPS lists all three (ids
        turned on by rich); in two rooms at once, a reply in the room that is
        not current (``/say`` goes to it) still reaches carol tagged."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        carol = yield self.connect("carol")
        for line, reply in [
            ("/caps multi", "CAPS multi"),
            ("/caps rich", "CAPS multi ids rich"),
            ("/caps ids multi", "CAPS multi ids rich"),
        ]:
            carol.say(line)
            self.assertEqual((yield self.expect(carol, "CAPS ")), reply)
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea")
        carol.say("/create cafe")
        yield self.expect(carol, "MEMBERS cafe")
        alice.say("pot is ready")
        said = yield self.expect(carol, "@")
        self.assertRegex(said, r"^@\d+ MSG tea alice \S+ pot is ready$")
        bob.say(f"/reply {id_of(said)} on my way")
        reply = yield self.expect(carol, "@")
        self.assertRegex(
            reply, rf"^@\d+;reply={id_of(said)} MSG tea bob \S+ on my way$"
        )
        carol.say("/say tea me too")
        mine = yield self.expect(carol, "@")
        self.assertRegex(mine, r"^@\d+ MSG tea carol \S+ me too$")

    @defer.inlineCallbacks
    def test_replies_replayed_with_their_tags(self) -> Generator[Any, Any, None]:
        """A rich joiner, ``/history`` and ``/join since`` show the tag; a
        plain joiner the plain line."""
        alice, bob, carol = yield self.rich_room()
        alice.say("question")
        first = id_of((yield self.expect(carol, "@")))
        alice.say(f"/reply {first} answer")
        tagged = yield self.expect(carol, f"@{int(first) + 1};reply={first} MSG ")
        carol.say("/history 2")
        yield self.expect(carol, "HISTORY_END tea 2")
        self.assertRegex(carol.lines[-2], rf"^@\d+;reply={first} HISTORY tea alice ")
        carol.say("/leave")
        yield self.expect(carol, "ROOMS ")
        carol.say(f"/join tea since {first}")
        yield self.expect(carol, "MEMBERS ")
        replay = yield self.expect(carol, "@")
        self.assertEqual(replay, tagged.replace(" MSG ", " HISTORY ", 1))
        bob.say("/leave")
        yield self.expect(bob, "ROOMS ")
        bob.say("/caps rich")
        yield self.expect(bob, "CAPS ")
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS ")
        plain = yield self.expect(alice, "HISTORY tea alice ")
        self.assertEqual(parse_event(plain).text, "question")
        self.assertEqual(
            (yield self.expect(alice, "HISTORY tea alice ")),
            replay.partition(" ")[2],
        )

    @defer.inlineCallbacks
    def test_bad_replies_are_refused(self) -> Generator[Any, Any, None]:
        """Unknown ids, another room's ids, no text, bad text: a clear ERR
        each, nothing sent to anyone and nothing stored."""
        alice, bob, carol = yield self.rich_room()
        alice.say("/create other")
        yield self.expect(alice, "MEMBERS other")
        for text in ("one", "two", "three"):
            alice.say(text)
            yield self.expect(alice, "MSG other alice ")
        bob.say("in tea")
        yield self.expect(bob, "@")
        in_tea = id_of((yield self.expect(carol, "@")))
        other_id = "3"  # a message of other, not of tea (which has 1)
        for bad, code in [
            ("/reply 999 hi", "NO_SUCH_MESSAGE"),
            (f"/reply {other_id} hi", "NO_SUCH_MESSAGE"),
            ("/reply 0 hi", "NO_SUCH_MESSAGE"),
            ("/reply x hi", "BAD_ARGS"),
            ("/reply -1 hi", "BAD_ARGS"),
            (f"/reply {in_tea}", "BAD_ARGS"),
            ("/reply", "BAD_ARGS"),
            (f"/reply {in_tea} bad \x1b[31mred", "BAD_TEXT"),
        ]:
            carol.say(bad)
            line = yield self.expect(carol, "ERR ")
            self.assertTrue(line.startswith(f"ERR {code} "), (bad, line))
        carol.say("/history 5")
        end = yield self.expect(carol, "HISTORY_END ")
        self.assertEqual(end, "HISTORY_END tea 1")
        self.assertEqual([line for line in bob.unread() if "MSG" in line], [])
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        alice.say("/reply 1 hi")
        self.assertTrue(
            (yield self.expect(alice, "ERR ")).startswith("ERR NOT_IN_ROOM")
        )

    @defer.inlineCallbacks
    def test_edits_for_rich_and_plain(self) -> Generator[Any, Any, None]:
        """Rich members get ``EDIT``; others a ``MSG`` saying ``* text``.
        Replays show the message as it now stands, and rich ones the EDIT."""
        alice, bob, carol = yield self.rich_room()
        carol.say("helo")
        said = id_of((yield self.expect(carol, "@")))
        carol.say(f"/edit {said} hello")
        edit = yield self.expect(carol, "@")
        self.assertRegex(edit, rf"^@\d+ EDIT tea {said} carol \S+ hello$")
        edit_id, stamp = id_of(edit), edit.split()[5]
        fallback = f"MSG tea carol {stamp} * hello"
        self.assertEqual(
            (yield self.expect(bob, f"@{edit_id} ")), f"@{edit_id} {fallback}"
        )
        yield self.expect(alice, "MSG tea carol ")  # helo
        self.assertEqual((yield self.expect(alice, "MSG tea carol ")), fallback)
        carol.say("/history 5")
        yield self.expect(carol, "HISTORY_END tea 2")
        self.assertRegex(carol.lines[-3], rf"^@{said} HISTORY tea carol \S+ hello$")
        self.assertEqual(carol.lines[-2], edit)
        bob.say("/history 5")
        yield self.expect(bob, "HISTORY_END tea 1")
        self.assertRegex(bob.lines[-2], rf"^@{said} HISTORY tea carol \S+ hello$")
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS ")
        replay = [
            line for line in alice.unread() if "HISTORY" in line or "EDIT" in line
        ]
        self.assertEqual([parse_event(line).text for line in replay], ["hello"])

    @defer.inlineCallbacks
    def test_bad_edits_are_refused(self) -> Generator[Any, Any, None]:
        """Someone else's message, unknown ids, an EDIT's id, no text, bad
        text: a clear ERR each, nothing sent to anyone."""
        alice, bob, carol = yield self.rich_room()
        alice.say("mine")
        mine = id_of((yield self.expect(carol, "@")))
        alice.say(f"/edit {mine} still mine")
        edit = id_of((yield self.expect(carol, "@")))
        yield self.expect(alice, "MSG tea alice ")
        yield self.expect(alice, "MSG tea alice ")  # * still mine
        for bad, code in [
            (f"/edit {mine} not yours", "NOT_ALLOWED"),
            ("/edit 999 hi", "NO_SUCH_MESSAGE"),
            (f"/edit {edit} hi", "NO_SUCH_MESSAGE"),
            ("/edit x hi", "BAD_ARGS"),
            (f"/edit {mine}", "BAD_ARGS"),
            (f"/edit {mine} bad \x07bell", "BAD_TEXT"),
        ]:
            bob.say(bad)
            line = yield self.expect(bob, "ERR ")
            self.assertTrue(line.startswith(f"ERR {code} "), (bad, line))
        bob.say("/who")
        yield self.expect(bob, "MEMBERS ")
        self.assertEqual([line for line in alice.unread() if "MSG" in line], [])
        self.assertEqual([line for line in carol.unread() if "@" in line], [])

    @defer.inlineCallbacks
    def test_a_redaction_reason_that_cannot_be_shown_is_none(
        self,
    ) -> Generator[Any, Any, None]:
        """A deletion is not refused for its reason: one holding a control
        character is dropped, as for every reason (``-``: none given)."""
        _alice, bob, carol = yield self.rich_room()
        bob.say("oops")
        oops = id_of((yield self.expect(carol, "@")))
        bob.say(f"/redact {oops} \x1b[1mtypo")
        deleted = yield self.expect(carol, "@")
        self.assertRegex(deleted, rf"^@\d+ REDACT tea {oops} bob -$")

    @defer.inlineCallbacks
    def test_a_deleted_message_takes_no_place_in_a_window(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``--history 2``: one, two, three said and three deleted. The
        deletion is the newest event of the window, and three no longer
        is: bob (``/caps ids``), joining again, is shown two (and nothing
        of the deletion)."""
        alice, bob, carol = yield self.rich_room()  # alice owns tea
        for text in ("one", "two", "three"):
            alice.say(text)
            said = yield self.expect(carol, "@")
        alice.say(f"/redact {id_of(said)}")
        yield self.expect(carol, "@")
        bob.say("/leave")
        yield self.expect(bob, "ROOMS ")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea ")
        shown = yield self.expect(bob, "HISTORY ")
        self.assertTrue(shown.endswith(" two"), shown)
        self.assertFalse([x for x in bob.unread() if " HISTORY " in x])

    @defer.inlineCallbacks
    def test_redactions(self) -> Generator[Any, Any, None]:
        """The author or the owner deletes a message: gone from every replay,
        with its edits; rich members get ``REDACT`` live and in replays;
        a member who is neither is refused."""
        alice, bob, carol = yield self.rich_room()  # alice owns tea
        bob.say("oops")
        oops = id_of((yield self.expect(carol, "@")))
        bob.say(f"/edit {oops} oops!")
        yield self.expect(carol, "@")
        carol.say("spam")
        spam = id_of((yield self.expect(carol, "@")))
        alice.say("stays")
        stays = id_of((yield self.expect(carol, "@")))
        carol.say(f"/redact {stays}")
        refusal = yield self.expect(carol, "ERR ")
        self.assertTrue(refusal.startswith("ERR NOT_ALLOWED "), refusal)
        bob.say(f"/redact {oops}")
        first = yield self.expect(carol, "@")
        self.assertRegex(first, rf"^@\d+ REDACT tea {oops} bob -$")
        alice.say(f"/redact {spam} no spam please")
        second = yield self.expect(carol, "@")
        self.assertRegex(second, rf"^@\d+ REDACT tea {spam} alice no spam please$")
        bob.say(f"/redact {oops}")
        self.assertTrue(
            (yield self.expect(bob, "ERR ")).startswith("ERR NO_SUCH_MESSAGE")
        )
        for user in (alice, bob):
            self.assertFalse([x for x in user.unread() if "REDACT" in x])
        carol.say("/history 20")
        end = yield self.expect(carol, "HISTORY_END ")
        at = carol.lines.index(end)
        replay = carol.lines[at - int(end.split()[2]) : at]
        self.assertEqual(replay[-2:], [first, second])
        self.assertEqual(
            [id_of(line) for line in replay if " HISTORY " in line], [stays]
        )
        self.assertFalse([line for line in replay if " EDIT " in line])
        bob.say("/history 20")
        self.assertEqual((yield self.expect(bob, "HISTORY_END ")), "HISTORY_END tea 1")
        bob.say("/leave")
        yield self.expect(bob, "ROOMS ")
        bob.say(f"/join tea since {int(oops) - 1}")
        yield self.expect(bob, "MEMBERS ")
        self.assertEqual([id_of(line) for line in bob.unread() if "@" in line], [stays])
