"""Joins, creates and leaves as the core decides them, on every back-end.

The core reads a room's facts, decides (the entry rule, ``--max-rooms``,
quiet or announced, the owner, the heir) and hands the back-end one change
with its premises (:mod:`chatroom.core.rooms.entries`). :class:`EntriesContract`
runs each of those rules through a back-end and, for each kind of change,
a premise that fails between the core's read and the back-end's apply:
the test changes the room in between (another user joins, a ban is set,
the owner leaves, the room is made), and the user sees the decision made
again on the room as it is then: refused with the right error, or let in
with the right outcome.

It runs against the in-process back-end (``test_entries_local.py``) and the
Redis one on a real redis-server (``test_entries_redis.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.wire.lines import parse_event
from tests.backends.contracts.handler import ContractBase, User

#: Quiet joins in big rooms (``--big-room``) are
#: tests/backends/contracts/big_rooms.py's.
CONFIG = ServerConfig(rate=0, rooms=("hall",), room_capacity=3, max_rooms=4)


class EntriesContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def joined(self, user: User, room: str) -> Generator[Any, Any, None]:
        user.say(f"/join {room}")
        yield self.expect(user, f"MEMBERS {room} ")

    # -- the rules --------------------------------------------------------------

    @defer.inlineCallbacks
    def test_a_full_room_refuses_the_next(self) -> Generator[Any, Any, None]:
        """``--room-capacity 3``: the fourth joiner is told the room is full."""
        yield self.in_room("tea", "alice", "bob", "carol")
        dave = yield self.connect("dave")
        reply = yield self.refusal(dave, "/join tea", "ROOM_FULL")
        self.assertEqual(reply, "ERR ROOM_FULL tea is full (3)")

    @defer.inlineCallbacks
    def test_a_rooms_limit_passes_the_invited(self) -> Generator[Any, Any, None]:
        """``/set limit 2``: a third joiner is refused, with the limit; an
        invited one gets in past it."""
        alice, _ = yield self.in_room("tea", "alice", "bob")
        alice.say("/set limit 2")
        yield self.expect(alice, "SET tea limit 2 alice")
        carol = yield self.connect("carol")
        reply = yield self.refusal(carol, "/join tea", "ROOM_FULL")
        self.assertEqual(reply, "ERR ROOM_FULL tea is full (2)")
        alice.say("/invite carol")
        yield self.expect(carol, "INVITED tea alice")
        yield self.joined(carol, "tea")
        yield self.expect(alice, "JOIN tea carol")

    @defer.inlineCallbacks
    def test_max_rooms(self) -> Generator[Any, Any, None]:
        """``--max-rooms 4``, the hall one of them: a fourth room made is
        refused; once one goes, a room may be made again."""
        makers = []
        for name, room in (("lina", "one"), ("bob", "two"), ("carol", "three")):
            maker = yield self.connect(name)
            maker.say(f"/create {room}")
            yield self.expect(maker, f"MEMBERS {room} {name}")
            makers.append(maker)
        dave = yield self.connect("dave")
        reply = yield self.refusal(dave, "/create four", "TOO_MANY_ROOMS")
        self.assertEqual(
            reply, "ERR TOO_MANY_ROOMS the server has its maximum of 4 rooms"
        )
        makers[-1].say("/leave")
        yield self.expect(makers[-1], "LEFT three")
        dave.say("/create four")
        yield self.expect(dave, "MEMBERS four dave")

    @defer.inlineCallbacks
    def test_a_keyed_room_needs_its_key(self) -> Generator[Any, Any, None]:
        """``/set key``: a join without the key, or with a wrong one, is
        refused; with it, in."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/set key s3cret")
        yield self.expect(alice, "SET tea key on alice")
        bob = yield self.connect("bob")
        yield self.refusal(bob, "/join tea", "BAD_KEY")
        yield self.refusal(bob, "/join tea wrong", "BAD_KEY")
        bob.say("/join tea s3cret")
        yield self.expect(bob, "MEMBERS tea alice bob")

    @defer.inlineCallbacks
    def test_a_named_room_stays_empty(self) -> Generator[Any, Any, None]:
        """A room named at start-up stays when its last member leaves; a
        room made by a user goes."""
        alice = yield self.connect("alice")
        yield self.joined(alice, "hall")
        alice.say("/create tea")  # leaves the hall for it: the hall stays
        yield self.expect(alice, "MEMBERS tea alice")
        alice.say("/leave")  # the last of tea: it goes
        yield self.expect(alice, "LEFT tea")
        bob = yield self.connect("bob")
        yield self.joined(bob, "hall")
        yield self.refusal(bob, "/join tea", "NO_SUCH_ROOM")

    @defer.inlineCallbacks
    def test_the_heir_owns_the_room_its_owner_left(self) -> Generator[Any, Any, None]:
        """The owner leaves: the longest-present member owns the room."""
        alice, _, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/leave")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")

    @defer.inlineCallbacks
    def said(self, user: User, *texts: str) -> Generator[Any, Any, int]:
        """``user`` (with ``/caps ids``) says each of ``texts`` in tea: the
        last one's id."""
        for text in texts:
            user.say(text)
            line = yield self.expect(user, "@")
        return int(line.split()[0][1:])

    @defer.inlineCallbacks
    def test_a_resume_from_an_id_never_had(self) -> Generator[Any, Any, None]:
        """``/join tea since ID`` with an ID past the room's newest (another
        database's): ``GAP tea ?``, then the newest events."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        newest = yield self.said(alice, "m1", "m2", "m3")
        bob = yield self.connect("bob")
        bob.say(f"/join tea since {newest + 10}")
        yield self.expect(bob, "MEMBERS tea ")
        self.assertEqual((yield self.expect(bob, "GAP ")), "GAP tea ?")
        replayed = [parse_event(line).text for line in bob.unread()]
        self.assertEqual(replayed, ["m1", "m2", "m3"])

    # -- a premise that fails between the read and the apply -------------------

    @defer.inlineCallbacks
    def test_reached_meanwhile_resumes_after_it(self) -> Generator[Any, Any, None]:
        """bob resumes from the id after tea's newest: decided as an id the
        room never had, until alice's next message took that id before the
        join was applied. Then it is a resume from an id the room has: no
        gap, and nothing before it again."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        newest = yield self.said(alice, "m1", "m2")
        bob = yield self.connect("bob")

        async def alice_says() -> None:
            await self.said(alice, "m3")

        self.race_before("enter", alice_says)
        bob.say(f"/join tea since {newest + 1}")
        yield self.expect(bob, "MEMBERS tea ")
        self.assertEqual(bob.unread(), [])  # the welcome is one write: no GAP
        alice.say("live")
        self.assertEqual(parse_event((yield self.expect(bob, "MSG "))).text, "live")

    @defer.inlineCallbacks
    def test_filled_meanwhile_is_full(self) -> Generator[Any, Any, None]:
        """The room had room when dave's join was decided, and carol took
        the last seat before it was applied: dave is told it is full, and
        carol is in."""
        (alice, _) = yield self.in_room("tea", "alice", "bob")
        carol = yield self.connect("carol")
        dave = yield self.connect("dave")

        async def carol_joins() -> None:
            await self.joined(carol, "tea")

        self.race_before("enter", carol_joins)
        reply = yield self.refusal(dave, "/join tea", "ROOM_FULL")
        self.assertEqual(reply, "ERR ROOM_FULL tea is full (3)")
        yield self.expect(alice, "JOIN tea carol")
        alice.say("/who")
        self.assertEqual(
            (yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice bob carol"
        )

    @defer.inlineCallbacks
    def test_banned_meanwhile_is_banned(self) -> Generator[Any, Any, None]:
        """bob's join into an open room was decided, then alice banned him
        before it was applied: he is told he is banned, and is not in."""
        (alice,) = yield self.in_room("tea", "alice")
        bob = yield self.connect("bob")

        async def alice_bans() -> None:
            alice.say("/ban bob")
            await self.expect(alice, "BAN tea")

        self.race_before("enter", alice_bans)
        reply = yield self.refusal(bob, "/join tea", "BANNED")
        self.assertEqual(reply, "ERR BANNED you are banned from tea")
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")

    @defer.inlineCallbacks
    def test_made_meanwhile_exists(self) -> Generator[Any, Any, None]:
        """lina's create was decided on no room ``tea``, and bob made it
        before it was applied: she is told it exists."""
        lina = yield self.connect("lina")
        bob = yield self.connect("bob")

        async def bob_creates() -> None:
            bob.say("/create tea")
            await self.expect(bob, "MEMBERS tea bob")

        self.race_before("enter", bob_creates)
        reply = yield self.refusal(lina, "/create tea", "ROOM_EXISTS")
        self.assertEqual(reply, "ERR ROOM_EXISTS tea already exists; /join it")

    @defer.inlineCallbacks
    def test_owner_gone_meanwhile_hands_on(self) -> Generator[Any, Any, None]:
        """bob's leave was decided with alice owning the room; she left
        before it was applied, so bob owned it when he left: it goes to
        carol, the one member left, and she is told."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")

        async def alice_leaves() -> None:
            alice.say("/leave")
            await self.expect(carol, "OWNER tea bob")

        self.race_before("leave", alice_leaves)
        bob.say("/leave")
        yield self.expect(carol, "PART tea bob")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea carol")

    @defer.inlineCallbacks
    def test_emptied_meanwhile_is_dropped(self) -> Generator[Any, Any, None]:
        """bob's leave was decided with alice still in the room; she left
        before it was applied, so bob was the last: the room is gone."""
        alice, bob = yield self.in_room("tea", "alice", "bob")

        async def alice_leaves() -> None:
            alice.say("/leave")
            await self.expect(bob, "OWNER tea bob")

        self.race_before("leave", alice_leaves)
        bob.say("/leave")
        yield self.expect(bob, "LEFT tea")
        carol = yield self.connect("carol")
        yield self.refusal(carol, "/join tea", "NO_SUCH_ROOM")
