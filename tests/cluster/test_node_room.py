"""A node's part of a room: who here gets which of the room's events.

The join's reply and the room's events reach a node over two connections to
Redis, in either order; these tests feed a ``NodeRoom`` both orders and
check that every member sees each event once, in sequence, from just after
its own welcome.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.redis import decided
from chatroom.backends.redis.delivery import (
    _FOLLOWED,
    MAYBE_MISSED,
    RECENT_EVENTS,
    NodeRoom,
    NodeRooms,
)
from chatroom.backends.redis.outcomes import seated
from chatroom.core.infra.fanout import Audience, IdlePlans, fan_out
from chatroom.core.model import codec
from chatroom.core.model.config import ClusterConfig
from chatroom.core.model.events import (
    Departure,
    DepartureKind,
    Event,
    Joined,
    Kicked,
    ListedRoom,
    Listing,
    Message,
    Renamed,
    RoomDeleted,
)
from chatroom.core.model.facts import Heir
from chatroom.core.model.member import MessageWriter
from chatroom.core.model.nodemessages import KickHead, NewsHead
from chatroom.doors.line.rendering import to_line
from chatroom.redisclient.addresses import RedisAddress
from tests.support import RecordingMember as Member

#: A room's channel as a node on one Redis names it.
CHANNEL_OF = ClusterConfig(RedisAddress("localhost"), "n").room_channel


def event(seq: int) -> bytes:
    """Room event ``seq`` as a node gets it: bob's message ``line <seq>``."""
    said = Message("tea", "bob", "2026-11-21T18:04:05.500Z", f"line {seq}")
    return codec.encode(said)


def line(seq: int) -> str:
    """How a line member shows room event ``seq``."""
    return f"MSG tea bob 2026-11-21T18:04:05.500Z line {seq}"


def empty_node_rooms() -> NodeRooms:
    """A node's rooms whose subscriptions succeed at once, and whose
    listing is empty."""

    async def subscribe(channel: bytes) -> None:
        pass

    async def listing() -> Listing:
        return Listing([])

    return NodeRooms(CHANNEL_OF, subscribe, lambda channel: None, listing, NOBODY)


def NOBODY(token: str) -> None:
    """No session of this node has ``token``."""
    return None


class NodeRoomTests(unittest.TestCase):
    """Delivery by sequence number."""

    def setUp(self) -> None:
        self.room = NodeRoom("tea", "tea", b"chatroom:chan:tea")

    def test_member_gets_only_events_after_its_welcome(self) -> None:
        """Events up to the joiner's JOIN are in its welcome, not sent again."""
        alice = Member("alice")
        self.room.attach(alice, since=5)
        for seq in range(3, 8):
            self.room.deliver(seq, event(seq))
        self.assertEqual(
            alice.take(),
            [line(6), line(7)],
        )

    def test_the_place_of_an_event_redis_lost_is_passed_over(self) -> None:
        """An empty entry (the place RESUME keeps for an event a rewound
        Redis lost) shows nothing and is not replayed, but counts: the
        events after it come, and it is never news again."""
        alice = Member("alice")
        self.room.attach(alice, since=0)
        self.room.entering = 1  # late's join is in flight
        self.room.deliver(1, event(1))
        self.room.deliver(2, b"")
        self.room.deliver(3, event(3))
        self.assertEqual(alice.take(), [line(1), line(3)])
        self.assertEqual(self.room.seq, 3)
        late = Member("late")
        self.room.attach(late, since=1)
        self.assertEqual(late.take(), [line(3)])

    def test_a_sender_waiting_for_replicas_gets_the_room_in_order_after(
        self,
    ) -> None:
        """While a member's message waits for Redis's replicas, what the
        room brings is kept for it (others get it at once), then handed
        over in order once the message is confirmed."""
        alice, bob = Member("alice"), Member("bob")
        self.room.attach(alice, since=0)
        self.room.attach(bob, since=0)
        self.room.withhold(alice)
        self.room.deliver(1, event(1))
        self.room.deliver(2, event(2))
        self.assertEqual(alice.take(), [])
        self.assertEqual(bob.take(), [line(1), line(2)])
        self.room.confirmed(alice)
        self.room.deliver(3, event(3))
        self.assertEqual(alice.take(), [line(1), line(2), line(3)])

    def test_a_message_the_replicas_did_not_confirm_never_reaches_its_sender(
        self,
    ) -> None:
        """The refused message is dropped from what was kept for its sender,
        or, if it had not arrived yet, when it does; the rest arrives."""
        alice = Member("alice")
        self.room.attach(alice, since=0)
        refused = Message("tea", "bob", "2026-11-21T18:04:05.500Z", "line 2")
        refused.id = ""
        self.room.withhold(alice)
        self.room.deliver(1, event(1))
        self.room.deliver(2, event(2))
        self.room.confirmed(alice, refused)
        self.assertEqual(alice.take(), [line(1)])
        late = Message("tea", "bob", "2026-11-21T18:04:05.500Z", "line 4")
        self.room.withhold(alice)
        self.room.deliver(3, event(3))
        self.room.confirmed(alice, late)
        self.room.deliver(4, event(4))
        self.room.deliver(5, event(5))
        self.assertEqual(alice.take(), [line(3), line(5)])

    def test_events_before_the_reply_are_replayed_on_attach(self) -> None:
        """Events that beat the join's reply to the node reach the joiner too."""
        self.room.entering = 1  # the join is in flight
        for seq in range(1, 6):
            self.room.deliver(seq, event(seq))
        alice = Member("alice")
        self.room.attach(alice, since=3)
        self.room.deliver(6, event(6))
        self.assertEqual(
            [line[-6:] for line in alice.take()], ["line 4", "line 5", "line 6"]
        )

    def test_duplicates_are_dropped(self) -> None:
        """An event the room already has (say, after a resume) is not resent."""
        alice = Member("alice")
        self.room.attach(alice, since=0)
        self.room.deliver(1, event(1))
        self.room.deliver(1, event(1))
        self.assertEqual(len(alice.take()), 1)

    def test_leaver_gets_events_from_before_its_part_only(self) -> None:
        """Detach, then replay up to the PART: nothing after it, nothing twice."""
        alice = Member("alice")
        self.room.attach(alice, since=0)
        self.room.deliver(1, event(1))
        self.room.entering = 1  # the leave is in flight
        last = self.room.detach(alice)
        for seq in range(2, 6):
            self.room.deliver(seq, event(seq))
        self.room.replay(alice, last, before=4)  # the PART was event 4
        self.assertEqual(
            [line[-6:] for line in alice.take()], ["line 1", "line 2", "line 3"]
        )

    def test_replay_says_when_events_were_lost(self) -> None:
        """A joiner whose events fell out of the buffer is told, not misled."""
        self.room.entering = 1  # the join is in flight
        for seq in range(1, RECENT_EVENTS + 10):
            self.room.deliver(seq, event(seq))
        alice = Member("alice")
        self.room.attach(alice, since=2)
        lines = alice.take()
        self.assertEqual(lines[0], f"NOTICE tea {MAYBE_MISSED}")
        self.assertEqual(len(lines), 1 + RECENT_EVENTS)


class Rendered:
    """A door's table that counts what it renders: ``empty`` renders a join
    as nothing (a door that does not show it)."""

    def __init__(self, prefix: bytes, empty: bool = False) -> None:
        self.prefix = prefix
        self.empty = empty
        self.calls = 0

    def __call__(self, event: Event) -> bytes:
        self.calls += 1
        if self.empty:
            return b""
        assert isinstance(event, Joined)
        return self.prefix + event.user.encode()


class DoorMember(Member):
    """A member rendering with a door's table of its own."""

    def __init__(self, name: str, table: Rendered) -> None:
        super().__init__(name)
        self.table = table

    def deliver(self, event: Event) -> None:
        self.data += event.encoded(self.table)


class RenderingTests(unittest.TestCase):
    """An event that came on the room's channel is rendered once per door
    on this node, whatever the number of its members there."""

    def test_each_door_renders_an_event_once_and_its_members_share_it(self) -> None:
        irc, web, quiet = Rendered(b"JOIN :"), Rendered(b"joined "), Rendered(b"", True)
        room = NodeRoom("tea", "tea", b"chatroom:chan:tea")
        members = [
            DoorMember("ann", irc),
            DoorMember("bob", web),
            DoorMember("cy", irc),
            DoorMember("dee", quiet),
            DoorMember("eve", quiet),
        ]
        for member in members:
            room.attach(member, since=0)
        room.deliver(1, codec.encode(Joined("tea", "zed")))
        self.assertEqual(
            [member.data for member in members],
            [b"JOIN :zed", b"joined zed", b"JOIN :zed", b"", b""],
        )
        self.assertEqual((irc.calls, web.calls, quiet.calls), (1, 1, 1))

    def test_a_part_two_doors_share_is_made_once(self) -> None:
        """A door's rendering may keep a part of it on the event (IRC's
        translated Markdown): the part is made once, even by the event's
        first rendering, and every door that asks for it gets it."""
        part = Rendered(b"")

        class WithPart(Rendered):
            def __call__(self, event: Event) -> bytes:
                self.calls += 1
                return self.prefix + event.encoded(part)

        first, second = WithPart(b"1:"), WithPart(b"2:")
        room = NodeRoom("tea", "tea", b"chatroom:chan:tea")
        ann, bob = DoorMember("ann", first), DoorMember("bob", second)
        room.attach(ann, since=0)
        room.attach(bob, since=0)
        room.deliver(1, codec.encode(Joined("tea", "zed")))
        self.assertEqual((ann.data, bob.data), (b"1:zed", b"2:zed"))
        self.assertEqual((part.calls, first.calls, second.calls), (1, 1, 1))


class RecentEventsTests(unittest.TestCase):
    """A node keeps a room's events for replay only while a member's step
    on the room (a join, a leave) is in flight."""

    def test_events_with_no_step_in_flight_are_not_kept(self) -> None:
        """A room nobody here is joining or leaving keeps none of its events,
        and its members still get them all."""
        room = NodeRoom("tea", "tea", b"chatroom:chan:tea")
        alice = Member("alice")
        room.attach(alice, since=0)
        for seq in range(1, 4):
            room.deliver(seq, event(seq))
        self.assertEqual(alice.take(), [line(1), line(2), line(3)])
        self.assertEqual(len(room.recent or ()), 0)

    def test_a_joiner_gets_what_came_during_its_step_which_then_goes(self) -> None:
        """Events that come while a join is in flight (NodeRooms.kept) are
        replayed to the joiner seated after them, and let go once no step
        is left."""
        rooms = empty_node_rooms()
        room = rooms.open("tea", "tea")
        alice, bob = Member("alice"), Member("bob")
        rooms.seat(alice, room, 0)
        with rooms.kept(room):
            room.deliver(1, event(1))  # the join's script ran after event 0
            room.deliver(2, event(2))
            rooms.seat(bob, room, 0)
            self.assertEqual(bob.take(), [line(1), line(2)])
        self.assertEqual(len(room.recent or ()), 0)
        room.deliver(3, event(3))
        self.assertEqual(len(room.recent or ()), 0)
        self.assertEqual(alice.take(), [line(1), line(2), line(3)])
        self.assertEqual(bob.take(), [line(3)])


def seating_row(key: str) -> list[object]:
    """A ``seating`` row as a join's script answers it: a room of 24 made
    by carol, whose two first members are named, the joiner present."""
    return [
        key.encode(), key.encode(), b"k3x9", b"24", b"carol", b"1", b"", b"0",
        [b"carol", b"carol", b"dave", b"dave"], [], [b"m1"], b"0", b"",
        b"0", b"0", b"17", b"", b"40", b"0",
    ]  # fmt: skip


class KeptSeatingTests(unittest.TestCase):
    """What a node decides on from the seating it kept of a room, which it
    keeps lean (its first members one string, no present users)."""

    def test_a_leave_is_decided_on_the_heir_and_presence_the_reply_named(
        self,
    ) -> None:
        """The owner's leave passes the room to the next first member, by
        the name the reply gave (case kept), and the member asked about is
        present, though the node keeps no present users of the reply."""
        row = seating_row("tea")
        row[4] = b"carol"
        row[8] = [b"carol", b"Carol", b"dave", b"Dave", b"erin", b"Erin"]
        room = NodeRoom("tea", "tea", b"chan:tea")
        room.seated = seated(row)
        carol = Member("Carol")
        room.attach(carol, 0)
        facts = decided.facts_of(room.seating_of(carol, "carol"), 24, "carol", True)
        self.assertEqual(facts.seating.heir, Heir("dave", "Dave"))
        self.assertEqual(facts.seating.owner, "carol")
        self.assertEqual(facts.present, frozenset({"carol"}))
        self.assertEqual(
            decided.leaving_of(room.seating_of(carol, "carol")).firsts,
            (Heir("carol", "Carol"), Heir("dave", "Dave"), Heir("erin", "Erin")),
        )


class KeptSeatingCostTests(unittest.TestCase):
    ROOMS = 500

    def test_a_rooms_maker_is_its_owner_and_first_member_in_one_string(
        self,
    ) -> None:
        """Most rooms are owned by their first member (their maker): the
        seating a node keeps holds that member's key once (in its first
        members), not a string of the owner's own beside it (about 60
        bytes a room): under 400 bytes a room with its key and its first
        members' names and keys (431 with the owner's own string), and
        the owner, the heir and a leave's facts are what the reply said."""
        rows = []
        for n in range(self.ROOMS):
            row = seating_row(f"room{n}")
            owner = f"maker{n}".encode()
            row[4] = owner
            row[8] = [owner, f"Maker{n}".encode(), b"dave", b"Dave"]
            rows.append(row)
        rooms = [NodeRoom(f"room{n}", f"room{n}", b"chan") for n in range(self.ROOMS)]
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for room, row in zip(rooms, rows, strict=True):
                room.seated = seated(row)
            del row
            gc.collect()
            per_room = (tracemalloc.get_traced_memory()[0] - before) / self.ROOMS
        finally:
            tracemalloc.stop()
        self.assertLess(per_room, 400)
        maker = Member("Maker7")
        rooms[7].attach(maker, 0)
        facts = decided.facts_of(
            rooms[7].seating_of(maker, "maker7"), 24, "maker7", True
        )
        self.assertEqual(facts.room.owner, "maker7")
        self.assertEqual(facts.seating.owner, "maker7")
        self.assertEqual(facts.seating.heir, Heir("dave", "Dave"))
        other = seating_row("tea")
        other[4] = b"erin"  # an owner who is not its first member
        self.assertEqual(seated(other).about("carol").owner, "erin")


class RoomCostTests(unittest.TestCase):
    """What a room costs a node that has one member in it."""

    #: Rooms measured: enough that a room's share of the allocator's
    #: blocks is its own.
    ROOMS = 500

    def test_a_room_with_one_member_here_holds_under_1340_bytes(self) -> None:
        """A crowd in rooms of 100 over 56 nodes has one or two members of
        most rooms on each node, so a node holds about as many rooms as
        members: what a room holds here once its member's join is done
        (its seating, its member, a join's event replayed and one handed
        out since) stays under 1,340 bytes (about 1,300), less than its
        member's connection costs (nothing made up front that most rooms
        never use: no kept events once no step is in flight, no empty sets
        or lists; its joiner's presence a tuple, not a set; its key and
        name one string each with its seating's; its seating's fields
        most rooms have at their defaults not a slot each: 72 bytes)."""
        rooms = empty_node_rooms()
        members = [Member(f"m{n}") for n in range(self.ROOMS)]
        rows = [seating_row(f"room{n}") for n in range(self.ROOMS)]
        first, second = event(1), event(2)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for n, member in enumerate(members):
                room = rooms.open(f"room{n}", f"room{n}")
                with rooms.kept(room):
                    room.deliver(1, first)  # came before the join's reply
                    room.seated = seated(rows[n])
                    rooms.seat(member, room, 0)
                room.deliver(2, second)
                self.assertEqual(member.take(), [line(1), line(2)])
            gc.collect()
            per_room = (tracemalloc.get_traced_memory()[0] - before) / self.ROOMS
        finally:
            tracemalloc.stop()
        self.assertLess(per_room, 1340)


class WritingMember(Member):
    """A member that takes what others say, and every other event, as its
    bytes written (as a line client does: :class:`MessageWriter`),
    keeping the last."""

    def message_writer(self) -> MessageWriter:  # type: ignore[override]
        return MessageWriter(self.name, to_line, self.write, every_event=True)

    def write(self, data: bytes) -> None:
        self.data = data


class QuietRoomCostTests(unittest.TestCase):
    """What a room costs a node once a message was said in it and it went
    quiet again."""

    ROOMS = 500

    def test_a_room_quiet_since_a_message_holds_no_more_than_before_it(
        self,
    ) -> None:
        """In the million each room of 100 says something every few
        minutes, so most rooms a node holds have had a message: the plan of
        how its one or two members here take one (1.1 KiB traced with a
        line client) stayed for good. Once a room has been quiet for two
        of the node's periods (:class:`IdlePlans`), it holds no more than
        before its message (its plans and its list of its members'
        ``deliver`` go, made again at its next event), and its member
        still hears it then."""
        clock = Clock()
        idle = IdlePlans(clock)
        rooms = empty_node_rooms()
        members = [WritingMember(f"m{n}") for n in range(self.ROOMS)]
        rows = [seating_row(f"room{n}") for n in range(self.ROOMS)]
        joined, said = (
            codec.encode(Joined("tea", "bob")),
            codec.encode(Message("tea", "bob", "2026-11-21T18:04:05.500Z", "hi")),
        )
        opened = []

        def held() -> int:
            """What is traced, what the members were written let go (a
            connection sends it)."""
            for member in members:
                member.data = b""
            gc.collect()
            return tracemalloc.get_traced_memory()[0]

        gc.collect()
        tracemalloc.start()
        try:
            for n, member in enumerate(members):
                room = rooms.open(f"room{n}", f"room{n}")
                with rooms.kept(room):
                    room.seated = seated(rows[n])
                    rooms.seat(member, room, 0)
                room.deliver(1, joined)  # as after the fill: a join told
                opened.append(room)
            before = held()
            for room in opened:
                room.deliver(2, said)
            for _ in range(2):  # quiet since: two periods
                clock.advance(idle.period)
                idle.check()
            per_room = (held() - before) / self.ROOMS
        finally:
            tracemalloc.stop()
        self.assertLessEqual(per_room, 0)
        opened[0].deliver(3, event(3))
        self.assertEqual(members[0].data, f"{line(3)}\r\n".encode())

    def test_a_quiet_rooms_members_hold_nothing_but_their_dict(self) -> None:
        """Most rooms a node holds are quiet: before a room's first event,
        and once it was quiet for two periods, the :class:`Audience` of its
        members holds nothing beside the dict of them but its slots (not an
        empty list of their ``deliver``: 56 bytes a room), and its members
        still hear its next event."""
        clock = Clock()
        idle = IdlePlans(clock)
        joined = Joined("tea", "bob")

        def beyond_a_dict(quiet: bool) -> float:
            """Traced bytes a room's Audience of one holds beyond a plain
            dict of its member: before any event, or quiet since one."""
            members = [Member(f"m{n}") for n in range(self.ROOMS)]
            gc.collect()
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                plain = [{member: 0} for member in members]
                dicts = tracemalloc.get_traced_memory()[0] - before
                del plain
                before = tracemalloc.get_traced_memory()[0]
                audiences: list[Audience[int]] = []
                for member in members:
                    audience: Audience[int] = Audience()
                    audience[member] = 0
                    audiences.append(audience)
                if quiet:
                    for audience in audiences:
                        fan_out(audience, joined)
                    for _ in range(2):
                        clock.advance(idle.period)
                        idle.check()
                    for member in members:
                        self.assertEqual(member.take(), ["JOIN tea bob"])
                gc.collect()
                held = tracemalloc.get_traced_memory()[0] - before
            finally:
                tracemalloc.stop()
            for member, audience in zip(members, audiences, strict=True):
                fan_out(audience, joined)
                self.assertEqual(member.take(), ["JOIN tea bob"])
            return (held - dicts) / self.ROOMS

        slots = 8 * len(Audience.__slots__)
        self.assertLessEqual(beyond_a_dict(quiet=False), slots)
        self.assertLessEqual(beyond_a_dict(quiet=True), slots)

    def test_a_room_holds_what_it_rarely_uses_only_while_it_does(self) -> None:
        """A node keeps a :class:`NodeRoom` for most rooms it has a member
        in (rooms of 100 over 56 nodes): once its join is done it holds
        none of what rooms rarely use (waiters for its events or its
        subscription, quiet members, withheld messages, a move, its end),
        152 bytes where a slot for each made it 216; a waiter for its
        event is held while it waits and let go once the event came, and
        its member hears the event."""
        rooms = empty_node_rooms()
        members = [Member(f"m{n}") for n in range(self.ROOMS)]
        rows = [seating_row(f"room{n}") for n in range(self.ROOMS)]
        opened = []
        for n, member in enumerate(members):
            room = rooms.open(f"room{n}", f"room{n}")
            with rooms.kept(room):
                room.seated = seated(rows[n])
                rooms.seat(member, room, 0)
            room.subscription_done(None)
            room.deliver(1, event(1))
            self.assertEqual(member.take(), [line(1)])
            opened.append(room)
        self.assertLessEqual(sys.getsizeof(opened[0]), 152)
        second = event(2)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            waiting = [room.reached(2) for room in opened]
            self.assertGreater(tracemalloc.get_traced_memory()[0], before)
            for room in opened:
                room.deliver(2, second)
            called = sum(waiter.called for waiter in waiting)
            del waiting
            heard = sum(member.take() == [line(2)] for member in members)
            gc.collect()
            per_room = (tracemalloc.get_traced_memory()[0] - before) / self.ROOMS
        finally:
            tracemalloc.stop()
        self.assertEqual((called, heard), (self.ROOMS, self.ROOMS))
        self.assertLessEqual(per_room, 1)


class ReachedTests(unittest.TestCase):
    """A sender's ``SAY`` returns once its message was handed out here, as
    on a single server (the echo before the command's answer), known from
    the message's place in the channel rather than from a ``PING``."""

    def setUp(self) -> None:
        self.room = NodeRoom("tea", "tea", b"chatroom:chan:tea")
        self.alice = Member("alice")
        self.room.attach(self.alice, since=0)

    def test_fires_after_the_members_had_the_event(self) -> None:
        """The waiter fires when event 2 comes, and alice had it by then:
        not at event 1, not before the fan-out."""
        had: list[str] = []
        waiting = self.room.reached(2)
        waiting.addCallback(lambda _: had.extend(self.alice.take()))
        self.room.deliver(1, event(1))
        self.assertFalse(waiting.called)
        self.room.deliver(2, event(2))
        self.assertTrue(waiting.called)
        self.assertEqual(had, [line(1), line(2)])

    def test_an_event_already_here_answers_at_once(self) -> None:
        """The channel was faster than the reply: nothing to wait for."""
        self.room.deliver(1, event(1))
        self.assertTrue(self.room.reached(1).called)

    def test_a_resync_or_the_room_gone_releases_every_waiter(self) -> None:
        """No event will come after a resync to other numbers, nor in a room
        that went: the waiters are released, not left to their timeout."""
        waiting = self.room.reached(5)
        self.room.release_reached()
        self.assertTrue(waiting.called)
        self.room.gone = True
        self.assertTrue(self.room.reached(9).called)

    def test_a_waiter_that_gave_up_is_dropped(self) -> None:
        """A waiter cancelled by its deadline is not fired again."""
        waiting = self.room.reached(1)
        waiting.addErrback(lambda failure: None)
        waiting.cancel()
        self.room.deliver(1, event(1))  # no AlreadyCalledError
        self.assertEqual(self.alice.take(), [line(1)])


class NodeRoomKickedTests(unittest.TestCase):
    """A kick's departure whose head names the kicked session
    (a ``KickHead``): its node gives it ``Kicked`` at that very event,
    with nothing from the node channel (which another link brings)."""

    def setUp(self) -> None:
        async def subscribe(channel: bytes) -> None:
            pass

        async def listing() -> Listing:
            return Listing([ListedRoom("tea", 1, 5, "")])

        self.bob, self.dave = Member("bob"), Member("dave")
        sessions = {"n:1": self.bob, "n:2": self.dave}
        self.rooms = NodeRooms(
            CHANNEL_OF, subscribe, lambda channel: None, listing, sessions.get
        )
        self.room = self.rooms.open("tea", "tea")
        self.rooms.seat(self.bob, self.room, 0)
        self.rooms.seat(self.dave, self.room, 0)
        kick = Departure(
            "tea", "bob", DepartureKind.KICK, "rude", by="alice", account="Alice"
        )
        self.kick = codec.encode(kick)

    def kick_of(self, token: str) -> bytes:
        """bob's kick as ``MODERATE`` publishes it, naming session ``token``."""
        return codec.entry_head(KickHead(token)).encode() + self.kick

    def test_the_kicked_member_gets_kicked_and_the_lobby_not_the_kick(self) -> None:
        """bob: KICKED (what the kicker's node made of the departure), then
        the room list, then nothing more of the room; dave: everything, the
        KICK included."""
        self.rooms.on_message(self.room.channel, b"1 " + event(1))
        self.rooms.on_message(self.room.channel, b"2 " + self.kick_of("n:1"))
        self.rooms.on_message(self.room.channel, b"3 " + event(3))
        self.assertEqual(
            self.bob.take(),
            [line(1), "KICKED tea alice rude", "REMOVED tea 1"],
        )
        self.assertEqual(
            self.dave.take(),
            [line(1), "KICK tea bob alice rude", line(3)],
        )
        self.assertFalse(self.rooms.is_in(self.bob, self.room))

    def test_kicked_is_what_the_kick_decided(self) -> None:
        """The ``Kicked`` made of the departure equals the outcome's, as
        :func:`chatroom.core.policy.moderation.decide` makes them both."""
        seen: list[object] = []
        self.bob.deliver = seen.append  # type: ignore[method-assign,assignment]
        self.rooms.on_message(self.room.channel, b"1 " + self.kick_of("n:1"))
        self.assertEqual(seen, [Kicked("tea", "alice", "rude", account="Alice")])

    def test_a_kick_caught_up_after_a_resume(self) -> None:
        """The kick missed while the node was out of touch, in the resume's
        catch-up from the room's log: bob is kicked there too."""
        self.rooms.hold()
        self.rooms.resumed(
            [[b"tea", b"", 2, [b"1 " + event(1), b"2 " + self.kick_of("n:1")]]]
        )
        self.assertEqual(
            self.bob.take(),
            [line(1), "KICKED tea alice rude", "REMOVED tea 1"],
        )
        self.assertFalse(self.rooms.is_in(self.bob, self.room))

    def test_a_kick_naming_a_session_not_here(self) -> None:
        """The kicked session is another node's (bob's own, of whom this
        bob is a device): nobody here gets ``Kicked``; bob's seat here is
        out by the departure, as any departure by another node's device."""
        self.rooms.on_message(self.room.channel, b"1 " + self.kick_of("m:1"))
        self.assertEqual(
            self.bob.take(), ["KICK tea bob alice rude", "LEFT tea", "REMOVED tea 1"]
        )
        self.assertEqual(self.dave.take(), ["KICK tea bob alice rude"])

    def test_a_kick_naming_a_session_no_longer_in_the_room(self) -> None:
        """bob left before the kick's entry came (its session is still
        here): nothing more for him."""
        self.room.detach(self.bob)
        self.rooms.unseat(self.bob, self.room)
        self.rooms.on_message(self.room.channel, b"1 " + self.kick_of("n:1"))
        self.assertEqual(self.bob.take(), [])
        self.assertEqual(self.dave.take(), ["KICK tea bob alice rude"])

    def test_a_member_back_since_the_kick_stays(self) -> None:
        """A kick older than the member's (re)join is not applied again."""
        self.rooms.unseat(self.bob, self.room)
        self.room.detach(self.bob)
        self.rooms.seat(self.bob, self.room, 5)  # rejoined: its JOIN was event 5
        kick = Departure("tea", "bob", DepartureKind.KICK, "rude", by="alice")
        self.rooms.kicked_by(self.room, 2, "n:1", kick)
        self.assertEqual(self.bob.take(), [])
        self.assertTrue(self.rooms.is_in(self.bob, self.room))


class NewsTests(unittest.TestCase):
    """News of a user, published in each room it shares with others."""

    def setUp(self) -> None:
        self.rooms = empty_node_rooms()
        self.tea, self.cafe = (
            self.rooms.open("tea", "tea"),
            self.rooms.open("cafe", "cafe"),
        )
        self.bob, self.dave = Member("bob"), Member("dave")
        for room in (self.tea, self.cafe):
            self.rooms.seat(self.bob, room, 0)
        self.rooms.seat(self.dave, self.cafe, 0)

    def test_a_rename_reaches_each_member_once(self) -> None:
        """alice, in three rooms, two of them here: bob (in both) and dave
        (in one) each see her rename once, and the room's next event."""
        head = codec.entry_head(NewsHead(7, 3, "")).encode()
        rename = head + codec.encode(Renamed("alice", "alicia"))
        self.rooms.on_message(self.tea.channel, b"1 " + rename)
        self.rooms.on_message(self.cafe.channel, b"1 " + rename)
        self.rooms.on_message(self.cafe.channel, b"2 " + event(2))
        self.assertEqual(self.bob.take(), ["NICK alice alicia", line(2)])
        self.assertEqual(self.dave.take(), ["NICK alice alicia", line(2)])

    def test_news_not_for_its_subject(self) -> None:
        """News that leaves its subject out (as a sign-in's does) is not
        handed to it, and is to everyone else."""
        head = codec.entry_head(NewsHead(8, 2, "bob")).encode()
        news = head + codec.encode(Renamed("bob", "bobby"))
        self.rooms.on_message(self.cafe.channel, b"1 " + news)
        self.assertEqual(self.bob.take(), [])
        self.assertEqual(self.dave.take(), ["NICK bob bobby"])

    def test_an_entry_that_is_no_event_is_skipped(self) -> None:
        """An entry of an older version (a line, not the cluster's encoding)
        is logged and skipped: the room's next events still arrive."""
        self.rooms.on_message(self.cafe.channel, b"1 MSG cafe bob then hi\r\n")
        self.rooms.on_message(self.cafe.channel, b"2 " + event(2))
        self.assertEqual(self.dave.take(), [line(2)])


class LosingRedisTests(unittest.TestCase):
    """A node losing Redis, and resuming, while a join waits for its room."""

    def setUp(self) -> None:
        self.rooms = empty_node_rooms()
        self.tea, self.cafe = (
            self.rooms.open("tea", "tea"),
            self.rooms.open("cafe", "cafe"),
        )
        self.dave = Member("dave")
        self.rooms.seat(self.dave, self.tea, 0)
        self.rooms.hold()  # the link dropped
        # bob's join of cafe waits for the room's channel; whatever the
        # answer, the join is over, and cafe, with nobody in it, goes.
        self.cafe.entering += 1
        self.answers: list[object] = []

        def over(answer: object) -> None:
            self.answers.append(answer)
            self.cafe.entering -= 1
            self.rooms.forget_if_idle(self.cafe)

        self.cafe.when_subscribed().addBoth(over)

    def test_resuming_closes_a_room_whose_join_ended(self) -> None:
        """The resume answers the waiting join (its room then closes, in the
        middle of the resume's own walk over the rooms) and still delivers
        the events held meanwhile."""
        self.rooms.on_message(self.tea.channel, b"1 " + event(1))
        self.rooms.resumed([[b"tea", b"", 0, []], [b"cafe", b"", 0, []]])
        self.assertEqual(self.answers, [None])
        self.assertIsNone(self.rooms.get("cafe"))
        self.assertEqual(self.dave.take(), [line(1)])
        self.assertTrue(self.tea.subscribed)

    def test_losing_redis_again_refuses_the_waiting_join(self) -> None:
        """The link drops again before the resume: the waiting join is
        refused (its room closes as the rooms are walked), and the node
        holds on."""
        self.rooms.hold()
        self.assertEqual(len(self.answers), 1)
        self.assertIsNone(self.rooms.get("cafe"))
        self.assertFalse(self.tea.subscribed)


class ReadEventsTests(unittest.TestCase):
    """A node with two members in a room reads the joins and parts other
    nodes publish on its channel: every member has each, in order, and an
    event that means more here (a member's own part on another device, the
    room deleted) is still followed."""

    def setUp(self) -> None:
        self.rooms = empty_node_rooms()
        self.tea = self.rooms.open("tea", "tea")
        self.bob, self.dave = Member("bob"), Member("dave")
        for member in (self.bob, self.dave):
            self.rooms.seat(member, self.tea, 0)

    def read(self, seq: int, event: Event) -> None:
        self.rooms.on_message(self.tea.channel, b"%d %s" % (seq, codec.encode(event)))

    def test_joins_and_parts_reach_every_member_in_order(self) -> None:
        self.read(1, Joined("tea", "zoe"))
        self.read(2, Joined("tea", "yan"))
        self.read(3, Departure("tea", "zoe", DepartureKind.PART))
        self.read(4, Joined("tea", "xia"))
        self.read(5, Departure("tea", "yan", DepartureKind.QUIT, "connection lost"))
        expected = [
            "JOIN tea zoe",
            "JOIN tea yan",
            "PART tea zoe left",
            "JOIN tea xia",
            "PART tea yan connection lost",
        ]
        self.assertEqual(self.bob.take(), expected)
        self.assertEqual(self.dave.take(), expected)

    def test_a_members_part_on_another_node_takes_its_seat_here_out(self) -> None:
        """bob left on another device: dave sees him go, bob's seat here is
        out of the room, and the room's next join reaches dave alone."""
        self.read(1, Departure("tea", "bob", DepartureKind.PART))
        self.read(2, Joined("tea", "zoe"))
        self.assertNotIn(self.bob, self.tea.members)
        self.assertEqual(self.dave.take(), ["PART tea bob left", "JOIN tea zoe"])
        self.assertEqual(
            self.bob.take(), ["PART tea bob left", "LEFT tea", "REMOVED tea 0"]
        )

    def test_the_room_deleted_sends_its_members_to_the_lobby(self) -> None:
        self.read(1, Joined("tea", "zoe"))
        self.read(2, RoomDeleted("tea", "alice"))
        self.assertIsNone(self.rooms.get("tea"))
        for member in (self.bob, self.dave):
            self.assertEqual(
                member.take(), ["JOIN tea zoe", "DELETED tea alice", "REMOVED tea 0"]
            )

    def test_the_followed_events_have_no_subclasses(self) -> None:
        """What a node follows is told by an event's type alone."""
        for kind in _FOLLOWED:
            self.assertEqual(kind.__subclasses__(), [])
