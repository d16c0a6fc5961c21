"""A room's deletion, news of a user to its rooms and the room list, each
in steps of one slot (docs/scaling.md), on a real redis-server: a node
that dies between the steps, and what a node keeps of the room list.
The rooms-apart layout runs :class:`HalfDoneRoomSteps` too
(``tests/cluster/test_rooms_apart.py``)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import listing, scripts
from chatroom.backends.redis.listing import (
    CHANGES_KEPT,
    LISTED_KEYS,
    LISTED_ROOM,
    LISTED_ROOMS,
    LISTED_SINCE,
)
from chatroom.core.model import codec
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.rooms import (
    Drop,
    Emit,
    FewerRoomsThan,
    Incarnation,
    MakeRoom,
    RoomSeating,
    Version,
)
from chatroom.core.model.events import Renamed, RoomDeleted
from chatroom.core.model.nodemessages import NewsHead
from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend


class HalfDoneRoomSteps(ContractBase):
    """The first steps of a deletion, or of news to a user's rooms, run
    alone, as a node that died before the next leaves them: what users
    see is fine, and the next cleanup clears what is left over."""

    def step(self, script: Any, **operands: Any) -> defer.Deferred[Any]:
        calls = redis_backend(self.server).calls
        return defer.Deferred.fromCoroutine(calls.eval(script, operands))

    @defer.inlineCallbacks
    def places(self, key: str) -> Generator[Any, Any, list[bytes]]:
        """The rooms the server's index says user ``key`` is in."""
        calls = redis_backend(self.server).calls
        rooms = yield defer.Deferred.fromCoroutine(
            calls.command("HGET", f"{calls.prefix}in", key)
        )
        return (rooms or b"").split()

    @defer.inlineCallbacks
    def deleted_room_alone(self, room: str) -> Generator[Any, Any, None]:
        """``room``'s deletion's room step, without the server's."""
        facts = yield self.step(scripts.FACTS, room=room, target="")
        read = (Incarnation(facts[6].decode()), Version(facts[7].decode()))
        emitted = Emit(RoomDeleted(room, "alice"))
        deleted = DecidedChange(RoomSeating(room), read, (emitted, Drop()))
        yield self.step(scripts.DELETE, change=deleted)

    @defer.inlineCallbacks
    def test_a_deletion_leaves_no_index_naming_the_room(
        self,
    ) -> Generator[Any, Any, None]:
        """A whole deletion (the check, the room, then the indexes): neither
        the rooms' index nor its members' places name it any more."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/delete tea")
        for user in (alice, bob):
            yield self.expect(user, "DELETED ")
        for _ in range(200):  # its last step comes after the room's event
            if b"tea" not in (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)):
                break
            yield self.wait()
        self.assertNotIn(b"tea", (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)))
        for key in ("alice", "bob"):
            self.assertEqual((yield self.places(key)), [])

    @defer.inlineCallbacks
    def test_a_deletion_cut_short_breaks_nothing(self) -> Generator[Any, Any, None]:
        """The room step alone: its members are back in the lobby, a sign-in
        is not shown the room; the index still names it, for its members
        and in the rooms; a member renames, and quits; the next full read
        of the room list clears the rooms' index and the room may be made
        again; the quitter's name, with its places, is free."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.deleted_room_alone("tea")
        for user in (alice, bob):
            self.assertEqual((yield self.expect(user, "DELETED ")), "DELETED tea alice")
            self.assertEqual((yield self.expect(user, "ROOMS ")), "ROOMS 1")
        self.assertEqual((yield self.places("bob")), [b"tea"])
        self.assertIn(b"tea", (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)))
        bob.say("/nick robert")
        self.assertEqual((yield self.expect(bob, "NICK ")), "NICK bob robert")
        self.assertEqual((yield self.places("robert")), [b"tea"])
        alice.say("/quit")
        for _ in range(200):  # released, though its index named tea
            if not (yield self.places("alice")):
                break
            yield self.wait()
        self.assertEqual((yield self.places("alice")), [])
        again = yield self.connect("alice")
        listing = redis_backend(self.server).listing
        listing.lost()  # as after a lost link: the next read is a full one
        carol = yield self.connect("carol")
        self.assertFalse([x for x in carol.lines if x.startswith("ROOM tea")])
        self.assertNotIn(b"tea", (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)))
        again.say("/create tea")
        yield self.expect(again, "MEMBERS tea alice")

    @defer.inlineCallbacks
    def test_a_full_read_keeps_a_room_being_made(self) -> Generator[Any, Any, None]:
        """A create's server step alone (the room listed, its keys not yet
        made): a full read of the room list in between leaves the entry, so
        the room is listed once made; once its maker has quit, the next
        full read clears the entry of the room never made."""
        alice = yield self.connect("alice")
        sessions = redis_backend(self.server).sessions
        session = next(s for _, s in sessions.named() if s.name == "alice")
        made = (FewerRoomsThan(10),), (MakeRoom("tea", 0),)
        change = DecidedChange(RoomSeating("tea"), *made)
        token = session.token
        yield self.step(scripts.ENTERING, change=change, user="alice", token=token)
        listing = redis_backend(self.server).listing
        listing.lost()  # as after a lost link: the next read is a full one
        carol = yield self.connect("carol")
        self.assertFalse([x for x in carol.lines if x.startswith("ROOM tea")])
        self.assertIn(b"tea", (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)))
        alice.say("/quit")
        for _ in range(200):
            if (yield self.step(scripts.HOLDS, user="alice", token=token)) != b"OK":
                break
            yield self.wait()
        listing.lost()
        yield self.connect("dave")
        self.assertNotIn(b"tea", (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)))

    @defer.inlineCallbacks
    def test_news_cut_short_misses_rooms_only(self) -> Generator[Any, Any, None]:
        """News of a user published in one of its two rooms (the node died
        before the other's step): the member of both has it once; the next
        news comes in full, each member having it once; a room's step by a
        session that does not hold the user there publishes nothing."""
        alice = yield self.connect("alice")
        bob = yield self.connect("bob")
        for user, verb in ((alice, "create"), (bob, "join")):
            user.say("/caps multi")
            yield self.expect(user, "CAPS ")
            for room in ("tea", "coffee"):
                user.say(f"/{verb} {room}")
                yield self.expect(user, f"MEMBERS {room} ")
        sessions = redis_backend(self.server).sessions
        session = next(s for _, s in sessions.named() if s.name == "alice")
        reply = yield self.step(scripts.NEIGHBOURS, user="alice", token=session.token)
        number, rooms = int(reply[1]), sorted(reply[2:])
        self.assertEqual(rooms, [b"coffee", b"tea"])
        event = codec.encode(Renamed("alice", "Alice"))
        head = codec.entry_head(NewsHead(number, 2, "alice"))
        news = {"user": "alice", "head": head, "event": event}
        published = yield self.step(
            scripts.ROOM_NEWS, room="tea", token=session.token, **news
        )
        self.assertEqual(published, [b"OK", 1])
        refused = yield self.step(
            scripts.ROOM_NEWS, room="coffee", token="nobody:1", **news
        )
        self.assertEqual(refused, [b"OK", 0])
        self.assertEqual((yield self.expect(bob, "NICK ")), "NICK alice Alice")
        alice.say("/nick Alicia")
        for user in (alice, bob):
            self.assertEqual((yield self.expect(user, "NICK ")), "NICK alice Alicia")
        bob.say("/who")
        yield self.expect(bob, "MEMBERS ")
        self.assertEqual([x for x in bob.unread() if x.startswith("NICK")], [])


class RedisHalfDoneRoomStepsTests(RedisRegistryTestCase, HalfDoneRoomSteps):
    """The rooms with the rest of the keys (one Redis)."""

    config = CONFIG


class RedisListingTests(RedisRegistryTestCase, ContractBase):
    """What a node keeps of the room list (:mod:`.listing`)."""

    config = CONFIG

    def read_scripts(self) -> list[str]:
        """The listing's scripts the node runs from now on: the index's
        name, and each read of rows as its name and how many rooms it
        read (a read of the changes: how many rows it answered)."""
        calls = redis_backend(self.server).calls
        ran: list[str] = []
        run = calls.eval

        async def recorded(script: Any, operands: Any, **kwargs: Any) -> Any:
            if script is LISTED_KEYS:
                ran.append(script.name)
            elif script is LISTED_ROOM:
                ran.append(f"{script.name} of 1")
            elif script is LISTED_ROOMS:
                ran.append(f"{script.name} of {len(operands['rooms'])}")
            reply = await run(script, operands, **kwargs)
            if script is LISTED_SINCE:
                ran.append(f"{script.name} of {len(reply) - 1}")
            return reply

        calls.eval = recorded  # type: ignore[method-assign]
        self.addCleanup(setattr, calls, "eval", run)
        return ran

    @defer.inlineCallbacks
    def test_a_sign_in_reads_only_the_rooms_changed_since(
        self,
    ) -> Generator[Any, Any, None]:
        """The first read of the list reads the index and every room; later
        sign-ins read, in one call, only the rooms changed since (none if
        none did), and are shown every room as it is now."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.in_room("coffee", "bob")
        yield self.connect("carol")  # coffee's row read again: it changed
        ran = self.read_scripts()
        yield self.connect("dave")
        self.assertEqual(ran, [f"{LISTED_SINCE.name} of 0"])  # none changed
        del ran[:]
        alice.say("/topic hot")
        yield self.expect(alice, "TOPIC ")
        erin = yield self.connect("erin")
        self.assertEqual(ran, [f"{LISTED_SINCE.name} of 1"])
        shown = [line for line in erin.lines if line.startswith("ROOM ")]
        self.assertEqual(len(shown), 3, shown)  # general, tea, coffee
        self.assertTrue(any("hot" in line for line in shown), shown)
        redis_backend(self.server).listing.lost()
        del ran[:]
        yield self.connect("frank")
        # the three rooms' rows in one call: they share the server's slot
        self.assertEqual(ran, [LISTED_KEYS.name, f"{LISTED_ROOMS.name} of 3"])

    def step(self, script: Any, **operands: Any) -> defer.Deferred[Any]:
        calls = redis_backend(self.server).calls
        return defer.Deferred.fromCoroutine(calls.eval(script, operands))

    @defer.inlineCallbacks
    def test_a_join_or_a_leave_is_read_again_as_its_rooms_count(
        self,
    ) -> Generator[Any, Any, None]:
        """What a node reads again of a room others joined or left is its
        count (one command for all such rooms, whatever their number), not
        its row; a change of more than the count (a topic) is its row. A
        sign-in is shown every room as it is now, either way."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.in_room("coffee", "bob")
        yield self.connect("carol")  # the rows kept from here on
        before = (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT))[0]
        dave = yield self.connect("dave")
        dave.say("/join tea")  # tea's count alone changed
        yield self.expect(dave, "MEMBERS tea ")
        changed = yield self.step(LISTED_SINCE, since=before, most=500)
        self.assertIn([b"tea", b"2"], changed[1:])
        erin = yield self.connect("erin")
        erin.say("/join coffee")
        yield self.expect(erin, "MEMBERS coffee ")
        alice.say("/topic hot")  # tea's row changed too
        yield self.expect(alice, "TOPIC ")
        changed = yield self.step(LISTED_SINCE, since=before, most=500)
        rows = {row[0]: row for row in changed[1:]}
        self.assertEqual(rows[b"coffee"], [b"coffee", b"2"])
        self.assertEqual(rows[b"tea"][:3], [b"tea", b"tea", 2])
        self.assertIn(b"hot", rows[b"tea"])
        frank = yield self.connect("frank")
        shown = [line for line in frank.lines if line.startswith("ROOM ")]
        self.assertIn("ROOM tea 2 3 hot", shown)
        self.assertIn("ROOM coffee 2 3", shown)
        now = (yield self.step(LISTED_SINCE, since=0, most=500))[0]
        dave.say("/leave")
        yield self.expect(dave, "LEFT tea")
        changed = yield self.step(LISTED_SINCE, since=now, most=500)
        self.assertEqual(changed[1:], [[b"tea", b"1"]])
        grace = yield self.connect("grace")
        self.assertIn("ROOM tea 1 3 hot", grace.lines)

    @defer.inlineCallbacks
    def test_more_rooms_changed_than_a_page_are_read_in_pages(
        self,
    ) -> Generator[Any, Any, None]:
        """Where more rooms changed since a node's last read than a call
        reads (a storm of joins between two sign-ins), the changes are
        read a page at a time, oldest first, each page's answer the change
        to read on from; the node reads every page, never every room's row
        again, and a sign-in is shown every room as it is now."""
        yield self.in_room("tea", "alice")
        yield self.in_room("coffee", "bob")
        rooms = ("tea", "coffee", "general")
        joiners = []
        for room in rooms:
            joiners.append((yield self.connect(f"{room}fan")))
        before = (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT))[0]
        ran = self.read_scripts()
        self.patch(listing, "ROOMS_A_CALL", 2)
        for joiner, room in zip(joiners, rooms, strict=True):  # three counts
            joiner.say(f"/join {room}")
            yield self.expect(joiner, f"MEMBERS {room} ")
        first = yield self.step(LISTED_SINCE, since=before, most=2)
        self.assertEqual([row[0] for row in first[1:]], [b"tea", b"coffee"])
        rest = yield self.step(LISTED_SINCE, since=first[0], most=2)
        self.assertEqual([row[0] for row in rest[1:]], [b"general"])
        self.assertGreater(rest[0], first[0])
        self.assertEqual(
            (yield self.step(LISTED_SINCE, since=rest[0], most=2)), [rest[0]]
        )
        del ran[:]
        erin = yield self.connect("erin")
        self.assertEqual(
            ran, [f"{LISTED_SINCE.name} of 2", f"{LISTED_SINCE.name} of 1"]
        )
        shown = [line for line in erin.lines if line.startswith("ROOM ")]
        for room, members in (("tea", 2), ("coffee", 2), ("general", 1)):
            self.assertTrue(
                any(line.startswith(f"ROOM {room} {members} ") for line in shown),
                shown,
            )

    @defer.inlineCallbacks
    def test_a_gone_rooms_change_is_kept_until_a_full_read_forgets_it(
        self,
    ) -> Generator[Any, Any, None]:
        """A node that read the list before a room was deleted reads the
        room gone from the index of changes; once a full read forgot that
        change (here: every gone room's), the index tells such a node to
        read every room again, and a sign-in is shown the list without it."""
        (alice,) = yield self.in_room("tea", "alice")
        before = (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT))[0]
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED ")
        for _ in range(200):  # its last step comes after the room's event
            if b"tea" not in (yield self.step(LISTED_KEYS, kept=CHANGES_KEPT)):
                break
            yield self.wait()
        changed = yield self.step(LISTED_SINCE, since=before, most=500)
        self.assertIn([b"tea"], changed[1:])  # the room's row gone
        now = (yield self.step(LISTED_KEYS, kept=0))[0]
        self.assertEqual((yield self.step(LISTED_SINCE, since=before, most=500)), [-1])
        self.assertEqual((yield self.step(LISTED_SINCE, since=now, most=500)), [now])
        bob = yield self.connect("bob")
        shown = [line for line in bob.lines if line.startswith("ROOM ")]
        self.assertEqual([line.split()[1] for line in shown], ["general"])
