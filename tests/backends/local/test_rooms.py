"""Unit tests for :class:`chatroom.backends.local.rooms.Room`: fan-out, ownership,
history."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.backends.local import applying
from chatroom.backends.local.rooms import Room
from chatroom.core.infra.seats import Session
from chatroom.core.model.changes.base import DecidedChange, Operation
from chatroom.core.model.changes.rooms import AddMember, Emit, RoomSeating, SetOwner
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Departure, DepartureKind, Message
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
