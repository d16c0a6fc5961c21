"""Unit tests for :class:`chatroom.backends.local.rooms.Room`: fan-out, ownership,
history."""

from __future__ import annotations

import gc
from collections.abc import Sequence

from twisted.trial import unittest

from chatroom.backends.local import applying
from chatroom.backends.local.rooms import Room
from chatroom.core.infra.seats import Session
from chatroom.core.model.changes.base import DecidedChange, Operation
from chatroom.core.model.changes.rooms import AddMember, Emit, RoomSeating, SetOwner
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Departure, DepartureKind, Message, StoredEvent
from chatroom.core.model.text import name_key
from chatroom.core.policy.rules import check_space
from chatroom.core.rooms import membership
from chatroom.core.rooms.entries import departing
from chatroom.doors.line.rendering import render_room, render_welcome
from tests.support import RecordingMember as Member


def _part(room: Room, user: str) -> Departure:
    return Departure(room.name, user, DepartureKind.PART)


def _quit(room: Room, user: str, reason: str) -> Departure:
    return Departure(room.name, user, DepartureKind.QUIT, reason)


def _add(room: Room, member: Member, name: str) -> None:
    """``member`` joins as the in-process back-end seats it: decided by
    :func:`chatroom.core.rooms.membership.join` on the room's facts, applied as
    a change (:func:`chatroom.backends.local.applying.perform`)."""
    joiner, key = Session("local:t.1", name), name_key(name)
    arrival = membership.join(room.seating(), key, joiner, room.big_room)
    ops: list[Operation] = [Emit(event) for event in arrival.events]
    ops.append(AddMember(key, name, arrival.quiet))
    if arrival.owner is not None:
        ops.append(SetOwner(key))
    change = DecidedChange(RoomSeating(room.key), (), tuple(ops))
    applying.perform(room, change, member, key)


def _remove(room: Room, member: Member, departure: Departure | None) -> None:
    """``member`` leaves as the in-process back-end takes it out: decided
    by the core (:func:`chatroom.core.rooms.entries.departing`) on the room's
    facts, applied as a change (None: nobody is told, at shutdown)."""
    if departure is None:
        room.depart(member)
        return
    key = room.key_of(member)
    change = departing(room.seating(member), key, departure)
    applying.perform(room, change, member, key)


class RoomObjectTests(unittest.TestCase):
    """A room's members, fan-out and listing."""

    def setUp(self) -> None:
        self.alice, self.bob, self.carol = (
            Member("alice"),
            Member("bob"),
            Member("carol"),
        )
        self.room = Room("Tea", capacity=3, history_size=2, owner=self.alice)
        for member in (self.alice, self.bob, self.carol):
            _add(self.room, member, member.name)
        for member in (self.alice, self.bob, self.carol):
            member.take()

    def test_join_announced_to_others(self) -> None:
        """A joiner's arrival goes to the members already there, not to itself."""
        room = Room("x", capacity=5, history_size=1)
        _add(room, self.alice, "alice")
        _add(room, self.bob, "bob")
        self.assertEqual(self.alice.take(), ["JOIN x bob"])
        self.assertEqual(self.bob.take(), [])

    def test_broadcast(self) -> None:
        """Every member gets the same line once."""
        self.room.broadcast(Message("Tea", "alice", "t", "hi"))
        for member in (self.alice, self.bob, self.carol):
            self.assertEqual(member.take(), ["MSG Tea alice t hi"])

    def test_full(self) -> None:
        """A room at capacity refuses a joiner (ROOM_FULL); with a seat free
        it lets one in."""
        with self.assertRaises(ChatError) as refused:
            check_space(self.room.facts())
        self.assertEqual(refused.exception.code, "ROOM_FULL")
        _remove(self.room, self.carol, _part(self.room, "carol"))
        check_space(self.room.facts())

    def test_owner_passes_to_longest_present(self) -> None:
        """The owner leaving hands the room to the oldest remaining member."""
        _remove(self.room, self.alice, _part(self.room, "alice"))
        self.assertIs(self.room.owner, self.bob)
        self.assertEqual(self.carol.take(), ["PART Tea alice left", "OWNER Tea bob"])
        _remove(self.room, self.bob, _quit(self.room, "bob", "connection lost"))
        self.assertIs(self.room.owner, self.carol)

    def test_non_owner_leaving(self) -> None:
        """A non-owner leaving changes nobody's ownership."""
        _remove(self.room, self.bob, _part(self.room, "bob"))
        self.assertIs(self.room.owner, self.alice)
        self.assertEqual(self.carol.take(), ["PART Tea bob left"])

    def test_silent_remove(self) -> None:
        """With announce off (shutdown) nobody is told."""
        _remove(self.room, self.alice, None)
        self.assertEqual(self.bob.take(), [])

    def test_permanent_has_no_owner(self) -> None:
        """Permanent rooms ignore any owner."""
        room = Room("general", 5, 5, permanent=True, owner=self.alice)
        self.assertIsNone(room.owner)

    def test_welcome_lines(self) -> None:
        """JOINED, MEMBERS, the last N history entries oldest first, then TOPIC."""
        for n in range(3):
            self.room.remember(Message("Tea", "bob", f"t{n}", f"m{n}"))
        self.room.remember(Message("Tea", "alice", "t3", "waves", action=True))
        self.room.topic, self.room.topic_by = "brewing", "carol"
        welcome = membership.welcome(self.room.entered_as(), None, 0)
        self.assertEqual(
            render_welcome(welcome).decode().split("\r\n")[:-1],
            [
                "JOINED Tea 3 3",
                "MEMBERS Tea alice bob carol",
                "HISTORY Tea bob t2 m2",
                "HISTORY_ACTION Tea alice t3 waves",
                "TOPIC Tea carol brewing",
            ],
        )

    def test_listing_line(self) -> None:
        """ROOM name members capacity topic; no topic, no trailing space."""
        self.assertEqual(self.room.info().encoded(render_room), b"ROOM Tea 3 3\r\n")
        self.room.topic = "Tea and biscuits"
        self.assertEqual(
            self.room.info().encoded(render_room), b"ROOM Tea 3 3 Tea and biscuits\r\n"
        )


def _texts(events: Sequence[StoredEvent]) -> list[str]:
    """What the messages among ``events`` say, in order."""
    return [event.text for event in events if isinstance(event, Message)]


class KeptWindowTests(unittest.TestCase):
    """A room's kept messages: read back as they were said, shown to each
    joiner as the room now is, and out of the garbage collector's walk
    (a busy server's longest pauses were its collections walking them)."""

    def setUp(self) -> None:
        self.room = Room("Tea", capacity=10, history_size=3)

    def test_a_message_reads_back_as_it_was_said(self) -> None:
        """Author, account, action, tags and a reply's quote all come back."""
        said = Message(
            "Tea",
            "bob",
            "2026-11-30T06:00:00.000Z",
            "indeed",
            True,
            (("reply", "1"), ("bot", "")),
            "2",
            account="Bob",
            quoted_user="alice",
            quoted_text="the quick brown fox",
        )
        self.room.remember(said)
        (kept,) = self.room.entered_as().history
        self.assertEqual(kept, said)
        assert isinstance(kept, Message)
        self.assertEqual(kept.account, "Bob")

    def test_each_joiner_sees_the_room_as_it_now_is(self) -> None:
        """Joiners in a row are handed the same events (rendered once per
        door), and after a new message the same ones that are still in the
        window; a message said or a message edited since shows to the next."""
        for n in range(1, 4):
            self.room.remember(Message("Tea", "bob", "t", f"m{n}", id=str(n)))
        first = self.room.entered_as().history
        second = self.room.entered_as().history
        self.assertEqual(_texts(first), ["m1", "m2", "m3"])
        self.assertIs(first[0], second[0])
        self.room.remember(Message("Tea", "carol", "t", "m4", id="4"))
        third = self.room.entered_as().history
        self.assertEqual(_texts(third), ["m2", "m3", "m4"])
        self.assertIs(third[0], first[1])  # rendered once still
        self.room.amend("3", Message("Tea", "bob", "t", "m3, edited", id="3"))
        self.assertEqual(
            _texts(self.room.entered_as().history),
            ["m2", "m3, edited", "m4"],
        )
        self.assertEqual(_texts(self.room.held(3, 4)), ["m3, edited", "m4"])

    def test_kept_messages_give_the_collector_nothing_to_walk(self) -> None:
        """Two thousand messages kept in twenty rooms add (nearly) nothing
        to what a collection walks, where each was an object it walked."""
        rooms = [Room(f"r{n}", capacity=10, history_size=100) for n in range(20)]
        gc.collect()
        before = len(gc.get_objects())
        for number in range(1, 101):
            for room in rooms:
                room.remember(
                    Message(
                        room.name,
                        "bob",
                        "2026-11-30T06:00:00.000Z",
                        f"line {number}",
                        tags=(("reply", "1"),),
                        id=str(number),
                        account="Bob",
                    )
                )
        gc.collect()
        self.assertEqual(sum(len(room.history) for room in rooms), 2000)
        self.assertLess(len(gc.get_objects()) - before, 200)
