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
from chatroom.core.model.changes.rooms import Drop, Emit, FirstMembers, Wait
from chatroom.core.model.events import Departure, DepartureKind, OwnerChanged
from chatroom.core.model.facts import Heir, LeavingFacts, Seating
from chatroom.core.rooms.departures import departing


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
        change = departing(facts, [("alice", _gone("alice")), ("bob", _gone("bob"))])
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
        leavers = [("alice", _gone("alice")), ("bob", _gone("bob"))]
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
        self.assertIsNone(departing(empty, [("alice", _gone("alice"))]))
        self.assertIsNone(departing(LeavingFacts("tea", False), []))
