"""Rooms whose wait for their members is over: the core decides, a back-end applies.

A room may wait for its members: a room the store restored at start-up
(``--grace``), a cluster's room that a node left empty when it went, a
room a resuming node made again with no owner. When the wait is over the
back-end reports the rooms, with their facts
(:meth:`~chatroom.core.backend.Reports.rooms_waited`): the back-end's timer
or heartbeat says *when*, the core says *what*. :func:`settling` decides
each room's succession (:func:`chatroom.core.rooms.membership.succession`:
dropped if still empty, handed on if its owner did not come back) into a
:class:`~chatroom.core.model.changes.base.DecidedChange` resting on what it read (the
owner, whether it is here, the heir, the account's claimant, the wait);
the back-end applies it (:meth:`~chatroom.core.backend.SeatingSteps.
apply_succession`) or answers the room's facts as they are now, and
:class:`Settling` decides again on those (:func:`~chatroom.core.infra.retrying.
retried`).
"""

from __future__ import annotations

from functools import partial

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import all_at_once, decided_again
from chatroom.core.model.changes.base import DecidedChange, Operation, Premise
from chatroom.core.model.changes.rooms import (
    ClaimantIs,
    Drop,
    Emit,
    EmptiedBy,
    Exists,
    HeirIs,
    Incarnation,
    OwnerAccountIs,
    OwnerHere,
    OwnerIs,
    RoomSeating,
    SetOwner,
    Stays,
    Waited,
    WaitOver,
)
from chatroom.core.model.facts import WaitingFacts
from chatroom.core.rooms import membership


def settling(facts: WaitingFacts, due: int) -> DecidedChange | None:
    """The succession of the room of ``facts`` once its wait was over at
    ``due`` (ms), or (``due`` 0) of a room a resuming node found with no
    owner or empty; None when there is nothing to settle: the room is
    gone, still waits, was settled meanwhile, or has its owner."""
    if not facts.exists:
        return None
    seating = facts.seating
    if due and not 0 < facts.waits_until <= due:
        return None  # settled by another node meanwhile, or waits on
    if not due and (facts.waits_until or (seating.owner and seating.members)):
        return None  # it waits, or has its owner: nothing to settle
    outcome = membership.succession(seating)
    heir = seating.heir.key if seating.heir is not None else ""
    premises: list[Premise] = [
        Exists(),
        OwnerIs(seating.owner),
        OwnerHere(seating.owner_here),
        OwnerAccountIs(seating.owner_account),
        HeirIs(heir),
        EmptiedBy((), seating.members == 0),
        Stays(seating.permanent, seating.keep),
        ClaimantIs(seating.claimant),
    ]
    if seating.incarnation:
        premises.append(Incarnation(seating.incarnation))
    ops: list[Operation] = []
    if due:
        premises.append(WaitOver(due))
        ops.append(Waited())
    if outcome.owner is not None:
        ops.append(SetOwner(outcome.owner))
    ops += [Emit(event) for event in outcome.events]
    if outcome.dropped:
        ops.append(Drop())
    subject = RoomSeating(facts.key)
    return DecidedChange(subject, tuple(premises), tuple(ops))


class Settling:
    """The decide, apply loop of rooms' successions, room by room."""

    def __init__(self, apply: Applies) -> None:
        """Args:
        apply: the back-end's one write, which applies what is decided.
        """
        self.apply = apply

    async def rooms_waited(self, waiting: list[WaitingFacts], due: int) -> None:
        """Each room of ``waiting`` settled as :func:`settling` decides,
        the rooms at once; the first failure is raised (``UNAVAILABLE``
        for a room whose facts kept changing), the other rooms go on."""
        await all_at_once(
            decided_again(facts, partial(settling, due=due), self.apply)
            for facts in waiting
        )
