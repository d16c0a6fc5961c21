"""Many rooms on one connection, and read markers, for every registry.

:class:`MultiContract` drives real :class:`LineProtocol` connections (over
``StringTransport``) through ``/caps``, the ``multi`` capability
(``/join`` adding rooms, ``/focus``, ``/say``, ``/leave ROOM``) and read
markers (``/read``, ``/unread``, ``READ`` after a join), and checks every
line each user sees. It runs against the in-process registry
(``tests/backends/local/test_multi.py``) and the Redis one on a real redis-server
(``tests/backends/redis/test_multi.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.moderation import PASSWORD
from tests.support import FakeClient

CONFIG = ServerConfig(
    rate=0, room_capacity=5, max_rooms=6, history=2, resume_bound=5, retention=8
)


class MultiContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def signed_in(self, name: str) -> Generator[Any, Any, User]:
        """A new connection signed in to account ``name``."""
        user = User(FakeClient(self.server))
        user.say(f"/login {name} {PASSWORD}")
        yield self.expect(user, f"WELCOME {name}")
        yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def refused(self, user: User, line: str, code: str) -> Generator[Any, Any, str]:
        """``line`` is answered ``ERR code``; returns the whole reply."""
        user.say(line)
        reply = yield self.expect(user, "ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))
        return reply

    @defer.inlineCallbacks
    def multi(self, name: str, *rooms: str) -> Generator[Any, Any, User]:
        """``name`` with ``/caps multi``, in each of ``rooms`` (made if new)."""
        user = yield self.connect(name)
        user.say("/caps ids multi")
        yield self.expect(user, "CAPS ")
        for room in rooms:
            user.say(f"/join {room}")
            reply = yield self.expect(user, "")
            while not reply.startswith(("JOINED", "ERR NO_SUCH_ROOM")):
                reply = yield self.expect(user, "")
            if reply.startswith("ERR"):
                user.say(f"/create {room}")
            yield self.expect(user, f"READ {room} ")
        return user

    @defer.inlineCallbacks
    def said(self, user: User, *texts: str) -> Generator[Any, Any, list[int]]:
        """Say each text in the current room; the ids of their echoes."""
        ids = []
        for text in texts:
            user.say(text)
            line = yield self.expect(user, "@")
            ids.append(int(line.split()[0][1:]))
        return ids

    # -- /caps ------------------------------------------------------------------------

    @defer.inlineCallbacks
    def test_caps_answered_with_all_on_in_order(self) -> Generator[Any, Any, None]:
        """``CAPS`` names every capability on, in the order turned on; one
        asked for again changes nothing."""
        alice = yield self.connect("alice")
        for line, reply in [
            ("/caps ids", "CAPS ids"),
            ("/caps multi", "CAPS ids multi"),
            ("/caps multi ids", "CAPS ids multi"),
        ]:
            alice.say(line)
            self.assertEqual((yield self.expect(alice, "CAPS")), reply)
        bob = yield self.connect("bob")
        bob.say("/caps multi ids")
        self.assertEqual((yield self.expect(bob, "CAPS")), "CAPS multi ids")

    @defer.inlineCallbacks
    def test_an_unknown_cap_turns_nothing_on(self) -> Generator[Any, Any, None]:
        """``/caps multi colours`` is refused whole: joins still leave."""
        alice = yield self.connect("alice")
        reply = yield self.refused(alice, "/caps multi colours", "BAD_ARGS")
        self.assertIn("colours", reply)
        yield self.refused(alice, "/caps", "BAD_ARGS")
        alice.say("/caps ids")
        self.assertEqual((yield self.expect(alice, "CAPS")), "CAPS ids")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        alice.say("/create cafe")
        self.assertEqual((yield self.expect(alice, "LEFT")), "LEFT tea")
        yield self.expect(alice, "MEMBERS cafe")
        self.assertFalse([line for line in alice.unread() if line.startswith("READ")])

    # -- many rooms -------------------------------------------------------------------

    @defer.inlineCallbacks
    def test_multi_joins_leave_nothing(self) -> Generator[Any, Any, None]:
        """With ``multi`` a join adds a room (no ``LEFT``, no ``PART``);
        events of every room arrive; plain lines go to the room joined last."""
        bob = yield self.connect("bob")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea")
        alice = yield self.multi("alice", "tea", "cafe")
        self.assertFalse([x for x in alice.lines if x.startswith("LEFT")])
        bob.say("hello tea")
        line = yield self.expect(alice, "MSG tea bob ")
        self.assertTrue(line.endswith(" hello tea"), line)
        alice.say("hello cafe")
        yield self.expect(alice, "MSG cafe alice ")
        alice.say("/me waves")
        yield self.expect(alice, "ACTION cafe alice ")
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS")), "MEMBERS cafe alice")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS")), "MEMBERS tea bob alice")
        self.assertFalse([x for x in bob.unread() if x.startswith("PART")])

    @defer.inlineCallbacks
    def test_a_rename_is_seen_once_in_three_shared_rooms(
        self,
    ) -> Generator[Any, Any, None]:
        """alice and bob share three rooms: bob is told of alice's new name
        once, before anything she says under it; so is alice herself."""
        bob = yield self.multi("bob", "tea", "cafe", "den")
        alice = yield self.multi("alice", "tea", "cafe", "den")
        alice.say("/nick alicia")
        self.assertEqual((yield self.expect(bob, "NICK ")), "NICK alice alicia")
        self.assertEqual((yield self.expect(alice, "NICK ")), "NICK alice alicia")
        alice.say("/focus tea")
        alice.say("still me")
        said = yield self.expect(bob, "MSG tea alicia ")
        self.assertTrue(said.endswith(" still me"), said)
        for user in (alice, bob):
            renames = [line for line in user.lines if "NICK " in line]
            self.assertEqual(renames, ["NICK alice alicia"])

    @defer.inlineCallbacks
    def test_focus_and_say(self) -> Generator[Any, Any, None]:
        """``/focus`` picks where plain lines go; ``/say`` speaks elsewhere
        without changing it (a topic change too, which is a stored event
        with its id); rooms one is not in are refused."""
        alice = yield self.multi("alice", "tea", "cafe")
        alice.say("/focus TEA")
        self.assertEqual((yield self.expect(alice, "FOCUS")), "FOCUS tea")
        alice.say("in tea")
        yield self.expect(alice, "MSG tea alice ")
        alice.say("/say cafe in cafe")
        line = yield self.expect(alice, "MSG cafe alice ")
        self.assertTrue(line.endswith(" in cafe"))
        alice.say("/topic still tea")
        self.assertEqual(
            (yield self.expect(alice, "@")), "@2 TOPIC tea alice still tea"
        )
        for line, code in [
            ("/focus nowhere", "NOT_IN_ROOM"),
            ("/focus", "BAD_ARGS"),
            ("/say nowhere hi", "NOT_IN_ROOM"),
            ("/say tea", "BAD_ARGS"),
            ("/leave nowhere", "NOT_IN_ROOM"),
        ]:
            yield self.refused(alice, line, code)
        alice.say("still tea")
        yield self.expect(alice, "MSG tea alice ")

    @defer.inlineCallbacks
    def test_leaving_focuses_the_latest_left(self) -> Generator[Any, Any, None]:
        """Leaving the current room focuses the most recently joined one
        (``FOCUS`` after ``LEFT``); another room leaves focus alone; the
        last one leads to the lobby and its room list."""
        alice = yield self.multi("alice", "a1", "b2", "c3")
        alice.say("/focus a1")
        yield self.expect(alice, "FOCUS a1")
        alice.say("/leave")
        self.assertEqual((yield self.expect(alice, "LEFT")), "LEFT a1")
        self.assertEqual(alice.unread(), ["FOCUS c3"])
        yield self.expect(alice, "FOCUS c3")
        alice.say("/leave b2")
        self.assertEqual((yield self.expect(alice, "LEFT")), "LEFT b2")
        alice.say("in c3")
        yield self.expect(alice, "MSG c3 alice ")
        alice.say("/leave c3")
        yield self.expect(alice, "LEFT c3")
        yield self.expect(alice, "ROOMS ")
        yield self.refused(alice, "more", "NOT_IN_ROOM")

    @defer.inlineCallbacks
    def test_a_deleted_room_focuses_another(self) -> Generator[Any, Any, None]:
        """A room removed under a multi session (deleted) takes it out of
        that room only: ``FOCUS`` the latest one left, no room list."""
        alice = yield self.multi("alice", "tea", "cafe")
        alice.say("/delete cafe")
        yield self.expect(alice, "DELETED cafe")
        self.assertEqual((yield self.expect(alice, "FOCUS")), "FOCUS tea")
        self.assertFalse([x for x in alice.unread() if x.startswith("ROOMS")])
        alice.say("here")
        yield self.expect(alice, "MSG tea alice ")

    # -- /in ROOM LINE ----------------------------------------------------------------

    @defer.inlineCallbacks
    def test_in_runs_a_line_in_the_named_room(self) -> Generator[Any, Any, None]:
        """``/in ROOM LINE`` says LINE (words, ``//``, ``/me``) or runs a
        room command in ROOM, answered for ROOM, while the current room
        stays the one joined last: plain lines still go there, and no
        ``FOCUS`` is sent."""
        bob = yield self.multi("bob", "tea")
        carol = yield self.multi("carol", "cafe")
        alice = yield self.multi("alice", "tea", "cafe")
        alice.say("/in TEA hello tea")
        said = yield self.expect(bob, "MSG tea alice ")
        self.assertTrue(said.endswith(" hello tea"), said)
        alice.say("/in tea //shrug")
        said = yield self.expect(bob, "MSG tea alice ")
        self.assertTrue(said.endswith(" /shrug"), said)
        alice.say("/in tea /me waves")
        yield self.expect(bob, "ACTION tea alice ")
        alice.say("plain words")
        said = yield self.expect(carol, "MSG cafe alice ")
        self.assertTrue(said.endswith(" plain words"), said)
        self.assertFalse([x for x in bob.unread() if "plain words" in x])
        alice.say("/in tea /who")
        self.assertEqual((yield self.expect(alice, "MEMBERS")), "MEMBERS tea bob alice")
        alice.say("/in tea /info")
        yield self.expect(alice, "INFO tea ")
        self.assertEqual((yield self.expect(alice, "INFO_END")), "INFO_END tea")
        alice.say("/in tea /topic scones at four")
        topic = yield self.expect(bob, "@")
        self.assertTrue(topic.endswith("TOPIC tea alice scones at four"), topic)
        alice.say("/in tea /history 5")
        self.assertEqual((yield self.expect(alice, "HISTORY_END")), "HISTORY_END tea 3")
        alice.say("/who")
        self.assertEqual(
            (yield self.expect(alice, "MEMBERS")), "MEMBERS cafe carol alice"
        )
        self.assertFalse([x for x in alice.lines if x.startswith("FOCUS")])

    @defer.inlineCallbacks
    def test_in_leaves_the_named_room(self) -> Generator[Any, Any, None]:
        """``/in ROOM /leave`` leaves ROOM; the current room is untouched
        (no ``FOCUS``), and lines still go there."""
        alice = yield self.multi("alice", "tea", "cafe")
        alice.say("/in tea /leave")
        self.assertEqual((yield self.expect(alice, "LEFT")), "LEFT tea")
        alice.say("still here")
        yield self.expect(alice, "MSG cafe alice ")
        self.assertFalse([x for x in alice.lines if x.startswith("FOCUS")])

    @defer.inlineCallbacks
    def test_in_a_room_one_is_not_in(self) -> Generator[Any, Any, None]:
        """``/in`` a room one is not in is ``NOT_IN_ROOM`` and says
        nothing anywhere; without a line it is ``BAD_ARGS``; from the
        lobby ``NOT_IN_ROOM`` too."""
        bob = yield self.multi("bob", "den")
        alice = yield self.multi("alice", "tea")
        yield self.refused(alice, "/in den secret words", "NOT_IN_ROOM")
        yield self.refused(alice, "/in den /topic mine", "NOT_IN_ROOM")
        yield self.refused(alice, "/in tea", "BAD_ARGS")
        yield self.refused(alice, "/in", "BAD_ARGS")
        self.assertFalse([x for x in bob.unread() if "alice" in x])
        carol = yield self.connect("carol")
        yield self.refused(carol, "/in tea hello", "NOT_IN_ROOM")

    @defer.inlineCallbacks
    def test_in_without_multi(self) -> Generator[Any, Any, None]:
        """A one-room session's ``/in`` its room says the line there; any
        other room is ``NOT_IN_ROOM``."""
        bob = yield self.connect("bob")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea")
        alice = yield self.connect("alice")
        alice.say("/join tea")
        yield self.expect(alice, "JOINED tea")
        alice.say("/in tea hi")
        said = yield self.expect(bob, "MSG tea alice ")
        self.assertTrue(said.endswith(" hi"), said)
        yield self.refused(alice, "/in cafe hi", "NOT_IN_ROOM")

    # -- read markers and unread counts ----------------------------------------------

    @defer.inlineCallbacks
    def test_markers_move_forward_and_unread_counts(self) -> Generator[Any, Any, None]:
        """``/unread`` counts what came after the marker and the messages
        naming the user (whole words, any case); ``/read`` only moves
        forward and answers the marker in force."""
        bob = yield self.multi("bob", "tea")
        alice = yield self.multi("alice", "tea", "cafe")
        ids = yield self.said(bob, "hello", "hi ALICE!", "alicex, no", "* alice")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD ")), "UNREAD tea 4 2")
        self.assertEqual((yield self.expect(alice, "UNREAD")), "UNREAD_END")
        alice.say(f"/read tea {ids[1]}")
        self.assertEqual((yield self.expect(alice, "READ")), f"READ tea {ids[1]}")
        alice.say(f"/read TEA {ids[0]}")
        self.assertEqual((yield self.expect(alice, "READ")), f"READ tea {ids[1]}")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD ")), "UNREAD tea 2 1")
        alice.say(f"/read tea {ids[3]}")
        yield self.expect(alice, f"READ tea {ids[3]}")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD")), "UNREAD_END")

    @defer.inlineCallbacks
    def test_bad_reads_are_refused(self) -> Generator[Any, Any, None]:
        """Each malformed ``/read`` or ``/unread`` gets its own clear ERR."""
        bob = yield self.multi("bob", "cafe")
        alice = yield self.multi("alice", "tea")
        (newest,) = yield self.said(alice, "one")
        yield self.said(bob, "elsewhere")
        for line, code in [
            ("/read", "BAD_ARGS"),
            ("/read tea", "BAD_ARGS"),
            ("/read tea soon", "BAD_ARGS"),
            ("/read tea -1", "BAD_ARGS"),
            (f"/read tea {newest + 1}", "BAD_ARGS"),
            ("/read nowhere 1", "NO_SUCH_ROOM"),
            ("/read cafe 1", "NOT_IN_ROOM"),
            ("/unread now", "BAD_ARGS"),
        ]:
            yield self.refused(alice, line, code)
        alice.say(f"/read tea {newest}")
        yield self.expect(alice, f"READ tea {newest}")

    @defer.inlineCallbacks
    def test_a_multi_join_ends_with_the_marker(self) -> Generator[Any, Any, None]:
        """After a join's history a multi session hears its marker there
        (``*`` for none); a session without multi hears nothing of it."""
        bob = yield self.connect("bob")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea")
        alice = yield self.connect("alice")
        alice.say("/caps ids multi")
        yield self.expect(alice, "CAPS")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea")
        self.assertEqual((yield self.expect(alice, "READ")), "READ tea *")
        bob.say("hi")
        newest = int((yield self.expect(alice, "@")).split()[0][1:])
        alice.say(f"/read tea {newest}")
        yield self.expect(alice, "READ")
        alice.say("/leave")
        yield self.expect(alice, "ROOMS")
        lines = yield self.joined(alice, "tea")
        self.assertEqual(lines[-1], f"READ tea {newest}")
        carol = yield self.connect("carol")
        carol.say(f"/read tea {newest}")
        yield self.expect(carol, "ERR NOT_IN_ROOM")
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea")
        carol.say(f"/read tea {newest}")
        self.assertEqual((yield self.expect(carol, "READ")), f"READ tea {newest}")

    @defer.inlineCallbacks
    def test_a_plain_names_markers_end_with_it(self) -> Generator[Any, Any, None]:
        """A plain name's markers last as long as its connection."""
        yield self.multi("bob", "tea")
        alice = yield self.multi("alice", "tea")
        (newest,) = yield self.said(alice, "one")
        alice.say(f"/read tea {newest}")
        yield self.expect(alice, "READ")
        alice.say("/quit")
        yield self.wait()
        again = yield self.multi("alice")
        again.say("/join tea")
        self.assertEqual((yield self.expect(again, "READ")), "READ tea *")

    @defer.inlineCallbacks
    def test_an_accounts_markers_are_kept(self) -> Generator[Any, Any, None]:
        """An account's markers outlive its connections; a plain name that
        registers keeps the markers it set."""
        yield self.multi("bob", "tea")
        alice = yield self.multi("alice", "tea")
        first, second = yield self.said(alice, "one", "two")
        alice.say(f"/read tea {first}")
        yield self.expect(alice, "READ")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        alice.say("/quit")
        yield self.wait()
        again = yield self.signed_in("alice")
        again.say("/caps ids multi")
        yield self.expect(again, "CAPS")
        again.say("/join tea")
        self.assertEqual((yield self.expect(again, "READ")), f"READ tea {first}")
        again.say("/unread")
        self.assertEqual((yield self.expect(again, "UNREAD ")), "UNREAD tea 1 0")
        again.say(f"/read tea {second}")
        yield self.expect(again, f"READ tea {second}")
        again.say("/quit")
        yield self.wait()
        third = yield self.signed_in("alice")
        third.say("/join tea")
        yield self.expect(third, "MEMBERS tea")
        third.say("/unread")
        self.assertEqual((yield self.expect(third, "UNREAD")), "UNREAD_END")

    @defer.inlineCallbacks
    def test_unregistering_drops_the_markers(self) -> Generator[Any, Any, None]:
        """``/unregister`` takes the account's markers with it: the name
        registered again starts with none."""
        yield self.multi("bob", "tea")
        alice = yield self.multi("alice", "tea")
        (newest,) = yield self.said(alice, "one")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        alice.say(f"/read tea {newest}")
        yield self.expect(alice, f"READ tea {newest}")
        alice.say(f"/unregister {PASSWORD}")
        yield self.expect(alice, "UNREGISTERED")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        alice.say("/leave")
        yield self.expect(alice, "ROOMS")
        alice.say("/join tea")
        self.assertEqual((yield self.expect(alice, "READ")), "READ tea *")

    @defer.inlineCallbacks
    def joined(self, user: User, room: str) -> Generator[Any, Any, list[str]]:
        """``/join room`` by a multi session: the lines after ``MEMBERS``,
        up to and with the ``READ`` that ends the join."""
        user.say(f"/join {room}")
        members = yield self.expect(user, f"MEMBERS {room}")
        start = user.lines.index(members) + 1
        read = yield self.expect(user, f"READ {room} ")
        return user.lines[start : user.lines.index(read) + 1]

    # -- catch-up -------------------------------------------------------------------

    @defer.inlineCallbacks
    def signed_in_reader(
        self, room: str, texts: int
    ) -> Generator[Any, Any, tuple[User, User, list[int]]]:
        """bob talks in ``room``; signed-in alice (multi) hears ``texts``
        messages, reads the first, and leaves. Returns bob, alice, the ids."""
        bob = yield self.multi("bob", room)
        alice = yield self.multi("alice", room)
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        ids = yield self.said(bob, *(f"m{n}" for n in range(1, texts + 1)))
        alice.say(f"/read {room} {ids[0]}")
        yield self.expect(alice, "READ")
        alice.say("/quit")
        yield self.wait()
        return bob, alice, ids

    @defer.inlineCallbacks
    def test_a_signed_in_multi_join_catches_up(self) -> Generator[Any, Any, None]:
        """A signed-in multi device entering a room gets every event after
        its marker with those just before it (not the last ``--history``),
        then ``READ`` naming the marker."""
        bob, _, ids = yield self.signed_in_reader("tea", 3)
        yield self.said(bob, "m4")
        again = yield self.signed_in("alice")
        again.say("/caps ids multi")
        yield self.expect(again, "CAPS")
        lines = yield self.joined(again, "tea")
        self.assertEqual([x.split()[-1] for x in lines[:-1]], ["m1", "m2", "m3", "m4"])
        self.assertEqual(lines[-1], f"READ tea {ids[0]}")

    @defer.inlineCallbacks
    def test_catch_up_past_the_bound_starts_with_gap(self) -> Generator[Any, Any, None]:
        """More to catch up than ``--resume-bound`` (5): ``GAP`` first (with
        how many are left out, the read one before the marker among them,
        or ``?`` where the window starts before what the back-end keeps),
        then the newest 5."""
        yield self.signed_in_reader("tea", 8)
        again = yield self.signed_in("alice")
        again.say("/caps multi")
        yield self.expect(again, "CAPS")
        gap, *lines = yield self.joined(again, "tea")
        self.assertIn(gap, ("GAP tea 3", "GAP tea ?"))
        self.assertEqual(
            [x.split()[-1] for x in lines[:-1]], [f"m{n}" for n in range(4, 9)]
        )

    @defer.inlineCallbacks
    def test_no_catch_up_without_multi(self) -> Generator[Any, Any, None]:
        """The same account without ``multi`` joins as always: the last
        ``--history`` (2) events, no ``READ``."""
        yield self.signed_in_reader("tea", 4)
        again = yield self.signed_in("alice")
        again.say("/join tea")
        yield self.expect(again, "MEMBERS tea")
        self.assertEqual([x.split()[-1] for x in again.unread()], ["m3", "m4"])
