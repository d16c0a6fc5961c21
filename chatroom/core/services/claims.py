"""A name's claim, decided once: take it, attach as a device, end its holder,
wait for an end under way, or refuse.

A session claims a name (a first one, or a rename) signed in to an account
or not. The back-end answers the claim's facts (:class:`~chatroom.core.
facts.ClaimFacts`: the session holding the name, the account it is signed
in to, whether its end is under way, how many devices hold it besides);
the core decides here what the claim does on them:

- the name is nobody's, or the claimer's own: the claimer **takes** it
  (:class:`~chatroom.core.model.changes.server.TakeName`);
- a sign-in to the account whose own session holds the name on another
  node: the claimer **attaches**, one more device of the account
  (:class:`~chatroom.core.model.changes.server.AttachDevice`);
- a sign-in to the account the name is, held by another session: that
  session is **ended**, told it was signed in elsewhere, and the claim
  decided again (a few times at most: a name taken back at once each time
  stays taken);
- a name whose end is under way (its session gone, its rooms being left
  on whichever node had it): the claim **waits** for that end's last step
  to free it, a moment at a time, a few seconds at most;
- a name whose holder's connection is gone (on any node: :class:`~chatroom.
  core.model.changes.server.MarkGone`), its release still to come in its
  door's turn: a name is free the moment its connection is gone, so that
  session is **ended** first, its rooms hearing why it went (its own
  connection, gone, hears nothing), and the claim decided again;
- else the name is **taken**: ``NAME_TAKEN``.

The first decision is made on a fresh name's facts, with no read: most
names claimed are free, so a claim costs one step; a back-end that finds
otherwise refuses with the facts as they are (:class:`~chatroom.core.
model.changes.base.PremiseFailedError`), and the claim is decided again on
them. No back-end decides any of this, nor words the holder's goodbye.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace

from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater

from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    DecidedChange,
    Operation,
    PremiseFailedError,
)
from chatroom.core.model.changes.moderation import sessions_ended
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
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.core.moderation.admin import claimed_on
from chatroom.core.policy.rules import heir_of
from chatroom.wire.goodbyes import SIGNED_IN_ELSEWHERE

#: How often a claim ends the name's holder before it gives up (each end
#: followed by another session taking the name first).
TAKEOVERS = 3

#: How long a claim waits between looks at a name whose end is under way,
#: and at most for it to be over (seconds).
ENDING_RECHECK = 0.05
ENDING_WAIT = 5.0


class Claim(enum.Enum):
    """What a claim does, decided on its facts (:func:`outcome`)."""

    TAKE = "take"
    ATTACH = "attach"
    END_HOLDER = "end the holder"
    END_LOST = "end the holder whose connection is gone"
    WAIT = "wait"
    TAKEN = "taken"


def outcome(
    facts: ClaimFacts, token: str, first: bool, takeover: bool, key: str
) -> Claim:
    """What the claim of name ``key`` by session ``token`` does on
    ``facts``: ``first``, it is the session's first claim; ``takeover``, a
    sign-in to the account the name is (see the module's docstring)."""
    if facts.holder in ("", token) and not facts.ending:
        return Claim.TAKE
    if first and takeover and facts.signed_to == key and not facts.ending:
        return Claim.ATTACH
    if takeover:
        return Claim.END_HOLDER
    if facts.ending:
        return Claim.WAIT
    if facts.gone and not facts.devices:
        return Claim.END_LOST
    return Claim.TAKEN


def claim_change(
    decided: Claim,
    facts: ClaimFacts,
    session: Session,
    name: str,
    account: str,
    owner_follows: bool,
    presence: Presence | None,
) -> DecidedChange:
    """The change a claim ``decided`` to take or attach is, resting on
    ``facts`` as read: the name's account and bans (:func:`~chatroom.core.
    admin.claimed_on`), its holder, its end not under way, and for an
    attach the account its holder is signed in to."""
    key = name_key(name)
    premises = (
        *claimed_on(facts, key, account),
        NameHeldBy(facts.holder),
        NameEnding(False),
    )
    op: Operation
    if decided is Claim.ATTACH:
        premises += (NameSignedTo(key),)
        op = AttachDevice(session.token, presence)
    else:
        old = name_key(session.name) if session.name else ""
        op = TakeName(session.token, name, account, old, owner_follows, presence)
    return DecidedChange(NameHolding(key), premises, (op,))


def marked_gone(key: str, token: str, reason: str) -> DecidedChange:
    """Session ``token``'s connection is gone (``reason``: how), its
    release to come in its door's turn: kept with name ``key`` while the
    session holds it alone, for a claim of it to end that session at once
    (:func:`outcome`'s ``END_LOST``) on whichever node it comes."""
    return DecidedChange(
        NameHolding(key),
        (NameHeldBy(token), DevicesAre(())),
        (MarkGone(token, reason),),
    )


def handed_over(held: Iterable[HeldElsewhere]) -> list[DecidedChange]:
    """Each name ``held`` by devices on other nodes when its own session
    ended, handed to the heir the core chooses among them
    (:func:`~chatroom.core.policy.rules.heir_of`), resting on those devices as
    read: the changes a back-end's release applies in its step."""
    return [
        DecidedChange(
            NameHolding(name.name),
            (DevicesAre(name.devices),),
            (LetGo(name.token, heir_of(name.devices)),),
        )
        for name in held
    ]


async def claim(
    apply: Callable[[DecidedChange], Awaitable[object]],
    clock: IReactorTime,
    session: Session,
    name: str,
    account: str,
    takeover: bool,
    owner_follows: bool,
    presence: Presence | None,
    check: Callable[[ClaimFacts], None],
) -> None:
    """Claim ``name`` for ``session``, signed in to ``account`` ("": none):
    ``check`` (the name's rules on the facts: it raises a refusal) then
    :func:`outcome`, until the change is applied (``apply``) or refused.
    The holder a takeover ends is ended by a change through ``apply``
    too, resting on its session holding the name still
    (:func:`~chatroom.core.model.changes.moderation.sessions_ended`);
    ``takeover``: a sign-in to the account the name is."""
    key = name_key(name)
    first = not session.name
    facts = ClaimFacts()
    refusals = takeovers = 0
    waiting_until = clock.seconds() + ENDING_WAIT
    while True:
        check(facts)
        decided = outcome(facts, session.token, first, takeover, key)
        if decided is Claim.TAKEN:
            raise errors.name_taken(name)
        if decided in (Claim.END_HOLDER, Claim.END_LOST):
            if takeovers == TAKEOVERS:
                raise errors.name_taken(name)  # taken again after each end
            takeovers += 1
            # One signed in elsewhere is told so; one whose connection is
            # gone ends with the reason its rooms hear (its door hears nothing).
            why = SIGNED_IN_ELSEWHERE if decided is Claim.END_HOLDER else facts.gone
            ending = sessions_ended("", key, why, None, facts.holder)
            with contextlib.suppress(PremiseFailedError):  # another holds it now,
                await apply(ending)  # or nobody: decided again either way
            facts = replace(facts, holder="", signed_to="", ending=False, gone="")
            continue
        if decided is Claim.WAIT:  # bounded by its time, not by refusals
            if clock.seconds() >= waiting_until:
                raise errors.name_taken(name)  # an end that never ends
            await deferLater(clock, ENDING_RECHECK, lambda: None)
            facts = replace(facts, holder="", signed_to="", ending=False, gone="")
            refusals = 0
            continue
        change = claim_change(
            decided, facts, session, name, account, owner_follows, presence
        )
        try:
            await apply(change)
            return
        except PremiseFailedError as refused:
            refusals += 1
            if refusals == DECISION_ATTEMPTS:
                raise errors.unavailable() from None
            if isinstance(refused.facts, ClaimFacts):
                facts = refused.facts
