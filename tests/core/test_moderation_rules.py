"""The moderation rules as plain functions: who is matched, who may enter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from twisted.trial import unittest

from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import BanChanged, Departure, DepartureKind
from chatroom.core.model.facts import NO_POLICY, RoomFacts, RoomPolicy
from chatroom.core.policy.moderation import (
    Action,
    Actor,
    Target,
    check_entry,
    decide,
)
from chatroom.core.policy.settingvalues import parse_mask

ROOM = RoomFacts(name="tea", permanent=False, owner="alice", capacity=10, members=3)


def refusal(call: Callable[..., object], *args: object) -> str:
    try:
        call(*args)
    except ChatError as refused:
        return refused.code
    return "OK"


class PolicyTests(unittest.TestCase):
    def test_json_round_trip(self) -> None:
        """A policy comes back from its stored form unchanged; none is ""."""
        policy = RoomPolicy(
            invite_only=True,
            key="k",
            topic_lock=True,
            keep=True,
            owner_account="alice",
            operators=("account:bob", "name:carol@x:1"),
            bans=("name:dave",),
            invited=("account:erin",),
        )
        self.assertEqual(RoomPolicy.from_json(policy.to_json()), policy)
        self.assertEqual(NO_POLICY.to_json(), "")
        self.assertEqual(RoomPolicy.from_json(""), NO_POLICY)

    def test_masks_are_folded(self) -> None:
        """Masks as typed are stored by name key; anything else is refused."""
        self.assertEqual(parse_mask("account:Bob"), "account:bob")
        self.assertEqual(refusal(parse_mask, "host:1.2.3.4"), "BAD_ARGS")


class EntryTests(unittest.TestCase):
    def test_ban_by_account_follows_renames(self) -> None:
        """Banned by account: refused under any name; by name: only that name."""
        facts = replace(ROOM, policy=RoomPolicy(bans=("account:bob", "name:carol")))
        self.assertEqual(
            refusal(check_entry, facts, Actor("robert", "bob", "s1"), None), "BANNED"
        )
        self.assertEqual(refusal(check_entry, facts, Actor("Carol"), None), "BANNED")
        self.assertEqual(refusal(check_entry, facts, Actor("dave"), None), "OK")
        admin = Actor("root", "bob", "s2", admin=True)
        self.assertEqual(refusal(check_entry, facts, admin, None), "OK")

    def test_invitations_and_keys(self) -> None:
        """Invite-only before key; an invitation or operator status lets in."""
        policy = RoomPolicy(invite_only=True, key="k", invited=("name:dave@s9",))
        facts = replace(ROOM, policy=policy)
        self.assertEqual(refusal(check_entry, facts, Actor("erin"), "k"), "INVITE_ONLY")
        self.assertEqual(
            refusal(check_entry, facts, Actor("dave", "", "s9"), None), "OK"
        )
        # the invitation was to that session, not to the name
        dave_later = Actor("dave", "", "s10")
        self.assertEqual(refusal(check_entry, facts, dave_later, "k"), "INVITE_ONLY")
        keyed = replace(ROOM, policy=RoomPolicy(key="k"))
        self.assertEqual(refusal(check_entry, keyed, Actor("erin"), "x"), "BAD_KEY")
        self.assertEqual(refusal(check_entry, keyed, Actor("erin"), "k"), "OK")
        self.assertEqual(refusal(check_entry, keyed, Actor("alice"), None), "OK")


class DecideTests(unittest.TestCase):
    def test_ban_of_a_present_user_kicks_them(self) -> None:
        """BAN then KICK for the room; KICKED for the user."""
        bob = Target("bob", "bob", "s2", present=True)
        outcome = decide(Action("ban", "bob"), ROOM, Actor("alice", "", "s1"), bob)
        self.assertEqual(outcome.policy, RoomPolicy(bans=("account:bob",)))
        kick = DepartureKind.KICK
        self.assertEqual(
            outcome.events,
            [
                BanChanged("tea", "account:bob", "alice"),
                Departure("tea", "bob", kick, "banned", by="alice"),
            ],
        )
        self.assertEqual(outcome.kick, bob)

    def test_a_kick_is_never_refused_for_its_reason(self) -> None:
        """A kick's reason is its words; none, or words holding a control
        character, give the reason of a kick without one."""
        bob = Target("bob", "", "s2", present=True)
        alice = Actor("alice", "", "s1")
        for given, shown in (
            ("spam", "spam"),
            ("", "no reason given"),
            ("\x1b]0;pwned\x07", "no reason given"),
        ):
            outcome = decide(Action("kick", "bob", given), ROOM, alice, bob)
            assert outcome.kicked is not None
            self.assertEqual(outcome.kicked.reason, shown, given)

    def test_only_the_owner_keeps_and_only_when_signed_in(self) -> None:
        """/set keep: NOT_ALLOWED for others and for a plain owner."""
        keep = Action("set", "keep", "on")
        self.assertEqual(
            refusal(decide, keep, ROOM, Actor("alice"), None), "NOT_ALLOWED"
        )
        outcome = decide(keep, ROOM, Actor("alice", "alice", "s1"), None)
        assert outcome.policy is not None
        self.assertEqual(
            (outcome.policy.keep, outcome.policy.owner_account), (True, "alice")
        )
        kept = replace(ROOM, owner="", policy=outcome.policy)
        self.assertEqual(
            refusal(decide, keep, kept, Actor("bob", "bob", "s2"), None), "NOT_ALLOWED"
        )

    def test_a_kept_room_nobody_owns_is_held_by_who_changes_it(self) -> None:
        """/set keep (or any change of its policy) on a room its account
        keeps while nobody owns it: the actor owns it now, decided once for
        both back-ends (``Outcome.actor_owns``); a room with an owner, or
        kept by no account, stays as it is."""
        alice = Actor("alice", "alice", "s1")
        keep = Action("set", "keep", "on")
        outcome = decide(keep, ROOM, alice, None)
        self.assertFalse(outcome.actor_owns)  # alice owns it already
        kept = replace(ROOM, owner="", policy=outcome.policy or NO_POLICY)
        self.assertTrue(decide(keep, kept, alice, None).actor_owns)
        secret = Action("set", "secret", "on")
        self.assertTrue(decide(secret, kept, alice, None).actor_owns)
        ownerless = replace(ROOM, owner="")
        admin = Actor("root", "root", "s3", admin=True)
        self.assertFalse(decide(secret, ownerless, admin, None).actor_owns)
