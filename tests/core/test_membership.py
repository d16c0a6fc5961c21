"""Membership's rules as plain functions of a room's facts (core/rooms/membership.py).

Both back-ends decide with these (the contract tests run the conversations);
here each rule is checked on its own, on facts made by hand.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.infra.seats import Session
from chatroom.core.model.changes.rooms import Fate
from chatroom.core.model.events import Departure, DepartureKind, Joined, OwnerChanged
from chatroom.core.model.facts import Heir, Seating, WelcomeFacts
from chatroom.core.rooms import membership


def _session(name: str, account: str = "") -> Session:
    """A joiner's session: its name, signed in to ``account`` ("" for none)."""
    return Session("local:t.1", name, account, account)


def _part(user: str) -> Departure:
    return Departure("tea", user, DepartureKind.PART)


class JoinTests(unittest.TestCase):
    """Quiet or announced; who owns the room afterwards."""

    def test_a_room_of_big_room_members_is_joined_quietly(self) -> None:
        """Below the threshold the room is shown the arrival; at it, nobody."""
        small = membership.join(Seating("tea", 2), "dave", _session("dave"), 3)
        self.assertEqual((small.quiet, small.events), (False, (Joined("tea", "dave"),)))
        big = membership.join(Seating("tea", 3), "dave", _session("dave"), 3)
        self.assertEqual((big.quiet, big.events), (True, ()))

    def test_a_keep_rooms_account_owns_it_again(self) -> None:
        """Whoever joins signed in to the owning account owns the room; no
        one else does, not even its absent owner."""
        facts = Seating("tea", 1, owner="", owner_account="alice")
        self.assertEqual(
            membership.join(facts, "alice", _session("alice", "alice"), 0).owner,
            "alice",
        )
        self.assertIsNone(membership.join(facts, "bob", _session("bob"), 0).owner)

    def test_an_absent_owner_coming_back_owns_it_again(self) -> None:
        """A restored room's owner, back within the grace period, owns it."""
        facts = Seating("tea", 1, owner="alice", owner_here=False)
        self.assertEqual(
            membership.join(facts, "alice", _session("alice"), 0).owner, "alice"
        )


class LeaveTests(unittest.TestCase):
    """The departure shown, the heir, the room's fate."""

    def test_the_owner_hands_the_room_to_the_longest_present(self) -> None:
        """The room is shown the departure, then who owns it now."""
        facts = Seating(
            "tea", 3, owner="alice", owner_here=True, heir=Heir("bob", "Bob")
        )
        outcome = membership.leave(facts, "alice", _part("alice"))
        self.assertEqual(outcome.owner, "bob")
        self.assertEqual(outcome.events, (_part("alice"), OwnerChanged("tea", "Bob")))
        self.assertIs(outcome.fate, Fate.STAYS)

    def test_a_quiet_member_leaves_unseen_but_a_kick_is_shown(self) -> None:
        """A member whose arrival nobody saw leaves unseen, unless kicked."""
        facts = Seating("tea", 5, quiet=frozenset({"dave"}))
        self.assertEqual(membership.leave(facts, "dave", _part("dave")).events, ())
        kick = Departure("tea", "dave", DepartureKind.KICK, "spam", by="alice")
        self.assertEqual(membership.leave(facts, "dave", kick).events, (kick,))

    def test_a_keep_room_stays_its_accounts(self) -> None:
        """The owner of a keep room leaves it ownerless, with no heir named."""
        facts = Seating(
            "tea", 2, owner="alice", owner_here=True, owner_account="alice",
            keep=True, heir=Heir("bob", "bob"),
        )  # fmt: skip
        outcome = membership.leave(facts, "alice", _part("alice"))
        self.assertEqual((outcome.owner, outcome.events), ("", (_part("alice"),)))

    def test_the_last_member_out_drops_the_room_or_it_waits(self) -> None:
        """Empty, a room goes; if its node went, it waits; kept, it stays."""
        facts = Seating("tea", 1, owner="alice", owner_here=True)
        self.assertIs(
            membership.leave(facts, "alice", _part("alice")).fate, Fate.DROPPED
        )
        waits = membership.leave(facts, "alice", _part("alice"), waits=True)
        self.assertIs(waits.fate, Fate.WAITS)
        kept = Seating("tea", 1, keep=True)
        self.assertIs(membership.leave(kept, "alice", _part("alice")).fate, Fate.STAYS)


class SuccessionTests(unittest.TestCase):
    """A room whose wait for its members is over."""

    def test_still_empty_it_goes_unless_it_stays(self) -> None:
        """An empty room goes, a permanent or keep room stays."""
        self.assertTrue(membership.succession(Seating("tea", 0)).dropped)
        self.assertFalse(membership.succession(Seating("tea", 0, keep=True)).dropped)

    def test_an_owner_who_did_not_come_back_is_replaced(self) -> None:
        """Its longest-present member owns it, and its members are told."""
        facts = Seating("tea", 2, owner="alice", heir=Heir("bob", "bob"))
        outcome = membership.succession(facts)
        self.assertEqual(
            (outcome.owner, outcome.events), ("bob", (OwnerChanged("tea", "bob"),))
        )

    def test_a_keep_room_nobody_holds_goes_to_its_accounts_member(self) -> None:
        """Ownerless, a keep room goes to a member signed in to its account."""
        facts = Seating("tea", 2, owner_account="alice", claimant="alice", keep=True)
        self.assertEqual(membership.succession(facts).owner, "alice")


class WelcomeTests(unittest.TestCase):
    """The one join reply."""

    def test_a_quiet_joiner_is_shown_after_the_announced_with_the_count(self) -> None:
        """With quiet members, those shown and the joiner, and how many in all."""
        view = WelcomeFacts("tea", ["alice", "bob"], 4, "dave", 10, joiner_quiet=True)
        welcome = membership.welcome(view, None, 0)
        self.assertEqual(
            (welcome.members, welcome.total), (["alice", "bob", "dave"], 4)
        )

    def test_a_resume_says_what_it_misses(self) -> None:
        """From an id older than the bound reaches: the number left out."""
        view = WelcomeFacts("tea", ["alice"], 1, "alice", 10, first=1, last=100)
        self.assertEqual(membership.welcome(view, 10, 50).gap, "40")
        self.assertEqual(membership.welcome(view, 90, 50).gap, "")
