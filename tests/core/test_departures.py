"""Sessions' ends decided by the core (core/rooms/departures.py), on facts made by hand.

The contract tests (``tests/backends/contracts/session_ends.py``) run one
user's end through each back-end; here several users leave one room at
once, as a cluster node's harvest takes them, and each is decided on the
room as the ones before left it.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.trial import unittest

from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.rooms import (
    Drop,
    Emit,
    FirstMembers,
    RemoveMember,
    SeatHeldBy,
    Wait,
)
from chatroom.core.model.events import Departure, DepartureKind, OwnerChanged
from chatroom.core.model.facts import EndedUser, Ending, Heir, LeavingFacts, Seating
from chatroom.core.rooms.departures import departing, departures_of


def _gone(user: str) -> Departure:
    return Departure("tea", user, DepartureKind.HARVEST, "server two went away")


def _tea(*members: str, owner: str = "alice") -> LeavingFacts:
    """tea with ``members`` in arrival order, all of them leaving."""
    seating = Seating("tea", len(members), owner=owner, owner_here=owner in members)
    firsts = tuple(Heir(m, m) for m in members)
    return LeavingFacts("tea", True, seating, firsts, frozenset(members))


def _shown(change: DecidedChange | None) -> list[object]:
    assert change is not None
    return [op.event for op in change.of(Emit)]


class DepartingTests(unittest.TestCase):
    def test_the_owner_and_the_heir_harvested_hand_it_on_twice(self) -> None:
        """alice owns tea; she and bob, its heir, go with their node: the
        room is shown alice go, bob own it, bob go, then carol own it."""
        facts = replace(
            _tea("alice", "bob", "carol"), present=frozenset({"alice", "bob"})
        )
        change = departing(
            facts, [("alice", "s1", _gone("alice")), ("bob", "s2", _gone("bob"))]
        )
        self.assertEqual(
            _shown(change),
            [
                _gone("alice"),
                OwnerChanged("tea", "bob"),
                _gone("bob"),
                OwnerChanged("tea", "carol"),
            ],
        )
        assert change is not None
        self.assertEqual(
            change.premise(FirstMembers),
            FirstMembers(("alice", "bob", "carol"), 3),
        )
        self.assertEqual(change.of(Drop) + change.of(Wait), ())

    def test_a_room_emptied_by_a_node_gone_waits(self) -> None:
        """The last members go with their node: the room waits for them
        (till ``waits_until``); gone for good, it is dropped."""
        leavers = [("alice", "s1", _gone("alice")), ("bob", "s2", _gone("bob"))]
        waiting = departing(_tea("alice", "bob"), leavers, waits_until=9_000)
        assert waiting is not None
        self.assertEqual(waiting.of(Wait), (Wait(9_000),))
        dropped = departing(_tea("alice", "bob"), leavers)
        assert dropped is not None
        self.assertEqual(dropped.of(Drop), (Drop(),))

    def test_nobody_leaving_is_no_change(self) -> None:
        """A room none of the leavers is in (left meanwhile), or gone: no
        change to apply."""
        empty = LeavingFacts("tea", True, Seating("tea", 1), (Heir("carol", "carol"),))
        self.assertIsNone(departing(empty, [("alice", "s1", _gone("alice"))]))
        self.assertIsNone(departing(LeavingFacts("tea", False), []))

    def test_each_leaver_rests_on_its_seat_being_its_sessions(self) -> None:
        """Each departure rests on the leaver's seat being held by the
        session that ended, so that one applied late cannot take a seat
        the name's next session took."""
        leavers = [("alice", "s1", _gone("alice")), ("bob", "s2", _gone("bob"))]
        change = departing(_tea("alice", "bob", "carol"), leavers)
        assert change is not None
        held = [p for p in change.premises if isinstance(p, SeatHeldBy)]
        self.assertEqual(held, [SeatHeldBy("alice", "s1"), SeatHeldBy("bob", "s2")])


class EndingsTests(unittest.TestCase):
    def test_a_seat_taken_by_the_names_next_session_stays(self) -> None:
        """bob's first session ended while he came back on another and sat
        down in tea again; an end of the first that reads tea only then
        finds his seat held by the new session: it leaves it (and alice,
        whose seat her own ended session holds, goes)."""
        users = (EndedUser("alice", "alice", "a1"), EndedUser("bob", "bob", "b1"))
        ending = Ending(users, (), DepartureKind.QUIT, "connection closed")
        facts = replace(
            _tea("alice", "bob", "carol"),
            present=frozenset({"alice", "bob"}),
            holders=(("alice", ("a1",)), ("bob", ("b2",))),
        )
        leavers = departures_of(ending, facts)
        self.assertEqual([u for u, _, _ in leavers], ["alice"])
        change = departing(facts, leavers)
        assert change is not None
        self.assertEqual(change.of(RemoveMember), (RemoveMember("alice"),))

    def test_a_seat_the_room_names_no_holders_for_is_the_ends(self) -> None:
        """A seat the room names no sessions for (read from a node's own
        copy, or kept before holders were), or held by the ended session
        among its devices, is the end's to take."""
        users = (EndedUser("alice", "alice", "a1"), EndedUser("bob", "bob", "b1"))
        ending = Ending(users, (), DepartureKind.QUIT, "connection closed")
        facts = replace(
            _tea("alice", "bob"),
            present=frozenset({"alice", "bob"}),
            holders=(("bob", ("b0", "b1")),),
        )
        self.assertEqual(
            [u for u, _, _ in departures_of(ending, facts)], ["alice", "bob"]
        )
