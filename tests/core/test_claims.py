"""A name's claim decided by the core (:mod:`chatroom.core.services.claims`), its
back-end a list of answers: each change handed to it applied, or refused
with the claim's facts as they are."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, task
from twisted.trial import unittest

from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.moderation import EndSessions, SessionIs
from chatroom.core.model.changes.server import (
    AttachDevice,
    DevicesAre,
    LetGo,
    MarkGone,
    NameEnding,
    NameHeldBy,
    NameHolding,
    NameSignedTo,
    TakeName,
)
from chatroom.core.model.facts import ClaimFacts, HeldElsewhere
from chatroom.core.services import claims
from chatroom.core.services.claims import Claim, outcome
from chatroom.wire.goodbyes import SIGNED_IN_ELSEWHERE

MINE = "n1:1"
HELD = ClaimFacts(holder="n2:7", signed_to="alice")


class OutcomeTests(unittest.TestCase):
    """What a claim does on its facts."""

    def test_each_outcome(self) -> None:
        """Free or one's own: take it; a sign-in to the account its own
        holder is signed in to: attach; a sign-in to the account held by
        another: end the holder; an end under way: wait; a holder alone
        whose connection is gone: end it; else taken."""
        cases = [
            (ClaimFacts(), True, False, Claim.TAKE),
            (ClaimFacts(holder=MINE), False, False, Claim.TAKE),
            (HELD, True, True, Claim.ATTACH),
            (HELD, False, True, Claim.END_HOLDER),
            (ClaimFacts(holder="n2:7", signed_to="bob"), True, True, Claim.END_HOLDER),
            (ClaimFacts(holder="n2:7", ending=True), True, False, Claim.WAIT),
            (HELD, True, False, Claim.TAKEN),
            (
                ClaimFacts(holder="n2:7", gone="connection lost"),
                True,
                False,
                Claim.END_LOST,
            ),
            (
                ClaimFacts(holder="n2:7", gone="ping", devices=1),
                True,
                False,
                Claim.TAKEN,
            ),
            (
                ClaimFacts(holder="n2:7", gone="ping", ending=True),
                False,
                False,
                Claim.WAIT,
            ),
        ]
        for facts, first, takeover, expected in cases:
            got = outcome(facts, MINE, first, takeover, "alice")
            self.assertIs(got, expected, (facts, first, takeover))


class HandedOverTests(unittest.TestCase):
    """A name its own session let go while devices on other nodes hold it
    goes to the heir the core chooses, the same on every node."""

    def test_the_first_device_is_the_heir(self) -> None:
        (change,) = claims.handed_over(
            [HeldElsewhere("alice", "n1:1", ("n3:2", "n2:5"))]
        )
        self.assertEqual(change.subject, NameHolding("alice"))
        self.assertEqual(change.premises, (DevicesAre(("n3:2", "n2:5")),))
        self.assertEqual(change.ops, (LetGo("n1:1", "n2:5"),))

    def test_no_device_left_no_heir(self) -> None:
        (change,) = claims.handed_over([HeldElsewhere("alice", "n1:1", ())])
        self.assertEqual(change.ops, (LetGo("n1:1", ""),))


class Answering:
    """A back-end that refuses with each of ``refusals`` in turn (None:
    applies), keeping the changes it was handed."""

    def __init__(self, *refusals: ClaimFacts | None) -> None:
        self.refusals = list(refusals)
        self.handed: list[DecidedChange] = []

    async def apply(self, change: DecidedChange) -> None:
        self.handed.append(change)
        facts = self.refusals.pop(0) if self.refusals else None
        if facts is not None:
            raise PremiseFailedError(facts, change.premises[0])


class ClaimTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = task.Clock()

    def claim(
        self, back_end: Answering, takeover: bool = False, name: str = ""
    ) -> defer.Deferred[None]:
        session = Session(MINE, name)
        return defer.ensureDeferred(
            claims.claim(
                back_end.apply,
                self.clock,
                session,
                "alice",
                "alice" if takeover else "",
                takeover,
                True,
                None,
                lambda facts: None,
            )
        )

    def test_a_free_name_is_taken_in_one_step(self) -> None:
        """Decided on a fresh name's facts, with no read: one change."""
        back_end = Answering()
        self.successResultOf(self.claim(back_end))
        (change,) = back_end.handed
        self.assertEqual(change.premise(NameHeldBy), NameHeldBy(""))
        self.assertEqual(change.premise(NameEnding), NameEnding(False))
        (op,) = change.ops
        self.assertIsInstance(op, TakeName)

    def test_a_sign_in_attaches_to_its_accounts_holder(self) -> None:
        """Refused: the name is held by a session signed in to the account
        the claim signs in to; decided again, it attaches as a device,
        resting on that holder and that account."""
        back_end = Answering(HELD)
        self.successResultOf(self.claim(back_end, takeover=True))
        attach = back_end.handed[-1]
        self.assertIsInstance(attach.ops[0], AttachDevice)
        self.assertEqual(attach.premise(NameHeldBy), NameHeldBy("n2:7"))
        self.assertEqual(attach.premise(NameSignedTo), NameSignedTo("alice"))

    def test_a_takeover_ends_the_holder_then_takes(self) -> None:
        """A renamed session's claim of its account's name held by another:
        the holder ended, told it was signed in elsewhere, resting on it
        holding the name still; then the name taken."""
        back_end = Answering(ClaimFacts(holder="n2:7", signed_to="bob"))
        self.successResultOf(self.claim(back_end, takeover=True, name="guest"))
        ending = back_end.handed[1]
        self.assertEqual(ending.premises, (SessionIs("alice", "n2:7"),))
        (end,) = ending.of(EndSessions)
        self.assertEqual(end.told, SIGNED_IN_ELSEWHERE)
        self.assertIsInstance(back_end.handed[-1].ops[0], TakeName)

    def test_a_lost_holder_is_ended_then_the_name_taken(self) -> None:
        """A claim of a name whose holder's connection is gone (its release
        still to come): the holder ended, resting on it holding the name
        still, its rooms hearing why it went (not "signed in elsewhere");
        then the name taken, resting on nobody holding it."""
        back_end = Answering(ClaimFacts(holder="n2:7", gone="ping timeout"))
        self.successResultOf(self.claim(back_end))
        ending = back_end.handed[1]
        self.assertEqual(ending.premises, (SessionIs("alice", "n2:7"),))
        (end,) = ending.of(EndSessions)
        self.assertEqual((end.holder, end.told), ("alice", "ping timeout"))
        taken = back_end.handed[-1]
        self.assertIsInstance(taken.ops[0], TakeName)
        self.assertEqual(taken.premise(NameHeldBy), NameHeldBy(""))

    def test_marked_gone_rests_on_the_holder_alone(self) -> None:
        """A lost session's mark rests on its holding the name, alone."""
        change = claims.marked_gone("alice", "n1:3", "connection lost")
        self.assertEqual(change.subject, NameHolding("alice"))
        self.assertEqual(change.premises, (NameHeldBy("n1:3"), DevicesAre(())))
        self.assertEqual(change.ops, (MarkGone("n1:3", "connection lost"),))

    def test_a_name_held_by_another_is_taken(self) -> None:
        back_end = Answering(HELD)
        failure = self.failureResultOf(self.claim(back_end), errors.ChatError)
        self.assertEqual(failure.value.code, "NAME_TAKEN")

    @defer.inlineCallbacks
    def test_a_claim_waits_for_an_end_under_way(
        self,
    ) -> Generator[Any, Any, None]:
        """Refused on an end under way, again and again (more often than a
        decision is made again): the claim looks again every moment until
        the end is over, then takes the name."""
        ending = ClaimFacts(holder="n2:7", ending=True)
        back_end = Answering(*[ending] * 8)
        claimed = self.claim(back_end)
        for _ in range(8):
            self.clock.advance(claims.ENDING_RECHECK)
        yield claimed
        self.assertEqual(len(back_end.handed), 9)

    def test_an_end_that_never_ends_is_taken(self) -> None:
        """Past its wait, a name whose end is still under way is taken."""
        ending = ClaimFacts(holder="n2:7", ending=True)
        back_end = Answering(*[ending] * 1000)
        claimed = self.claim(back_end)
        self.clock.pump([claims.ENDING_RECHECK] * 200)
        failure = self.failureResultOf(claimed, errors.ChatError)
        self.assertEqual(failure.value.code, "NAME_TAKEN")
