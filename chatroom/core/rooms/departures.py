"""Sessions' ends: the back-end reports the rooms left, the core decides them.

A session that ends (its user quit or lost the connection, was taken over,
killed or banned, or its node went) takes its user out of every room it
was in. Where the state lives decides *who* leaves: a cluster's server step
finds the users whose last session it was, and reads the seatings of their
rooms. It reports them (:meth:`~chatroom.core.backend.Reports.
sessions_ended`: an :class:`~chatroom.core.model.facts.Ending`), and here each
room's departures are decided (:func:`departing`: one
:func:`chatroom.core.rooms.membership.leave` after another, on the room as those
before left it) into one :class:`~chatroom.core.model.changes.base.DecidedChange`
resting on what they read: who of the leavers is in it and quiet, that
each one's seat is still held by the session that ended, whether it
empties, the owner and the heirs. The back-end applies it
(:meth:`~chatroom.core.backend.SeatingSteps.apply_departures`) or answers
the room's facts as they are now, and :class:`Departures` decides again on
those (:func:`~chatroom.core.infra.retrying.retried`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import all_at_once, decided_again
from chatroom.core.model.changes.base import DecidedChange, Operation, Premise
from chatroom.core.model.changes.rooms import (
    Drop,
    Emit,
    EmptiedBy,
    Fate,
    FirstMembers,
    HeirIs,
    OwnerAccountIs,
    OwnerIs,
    Present,
    QuietAmong,
    RemoveMember,
    RoomSeating,
    SeatHeldBy,
    SetOwner,
    Stays,
    Wait,
)
from chatroom.core.model.events import Departure
from chatroom.core.model.facts import Ending, LeavingFacts
from chatroom.core.rooms import membership


def departing(
    facts: LeavingFacts,
    leavers: Sequence[tuple[str, str, Departure]],
    waits_until: int = 0,
) -> DecidedChange | None:
    """The departures of users (name key, the token of the session whose
    end it is, departure) from the room of ``facts``, in order, each
    decided on the room as the ones before left it; ``waits_until`` (ms):
    their node is gone or going, so a room they leave empty waits till
    then. None when none of them is in it (or it is gone): nothing to
    change."""
    if not facts.exists:
        return None
    about = tuple(u for u, _, _ in leavers)
    seating = facts.seating
    owner, members = seating.owner, seating.members
    gone: list[str] = []
    ops: list[Operation] = []
    fate = Fate.STAYS
    for u, _, departure in leavers:
        if u not in facts.present:
            continue
        skip = {u, *gone}
        now = replace(
            seating,
            members=members,
            owner=owner,
            owner_here=owner not in gone
            and (owner != seating.owner or seating.owner_here),
            heir=next((h for h in facts.firsts if h.key not in skip), None),
            quiet=facts.quiet & {u},
        )
        outcome = membership.leave(now, u, departure, waits_until > 0)
        ops.append(RemoveMember(u))
        if outcome.owner is not None:
            ops.append(SetOwner(outcome.owner))
            owner = outcome.owner
        ops += [Emit(event) for event in outcome.events]
        members -= 1
        gone.append(u)
        fate = outcome.fate
    if not ops:
        return None
    if fate is Fate.DROPPED:
        ops.append(Drop())
    elif fate is Fate.WAITS:
        ops.append(Wait(waits_until))
    premises: list[Premise] = [
        Present(about, tuple(sorted(facts.present & set(about)))),
        EmptiedBy(about, seating.members <= len(about)),
        Stays(seating.permanent, seating.keep),
        QuietAmong(about, tuple(sorted(facts.quiet & set(about)))),
        OwnerIs(seating.owner),
        *(SeatHeldBy(u, s) for u, s, _ in leavers if u in gone and s),
    ]
    if len(about) == 1:  # one leaver: its own place in the room, no more
        if seating.owner == about[0]:
            premises.append(OwnerAccountIs(seating.owner_account))
            if not seating.owner_account:
                heir = next((h.key for h in facts.firsts if h.key != about[0]), "")
                premises.append(HeirIs(heir, about))
    else:
        premises.append(OwnerAccountIs(seating.owner_account))
        firsts = tuple(heir.key for heir in facts.firsts)
        premises.append(FirstMembers(firsts, len(about) + 1))
    subject = RoomSeating(facts.key)
    return DecidedChange(subject, tuple(premises), tuple(ops), about)


def departures_of(
    ending: Ending, facts: LeavingFacts
) -> list[tuple[str, str, Departure]]:
    """The departures of ``ending``'s users who are in the room of ``facts``
    in a seat their ended session holds (a quit, or a harvest when their
    node went), as they end: a seat taken since by another session of the
    same name is that session's, and stays."""
    return [
        (
            u,
            session,
            membership.ended(
                facts.seating.room, name, ending.reason, ending.kind, ending.own_words
            ),
        )
        for u, name, session in ending.users
        if u in facts.present and facts.seat_held_by(u, session)
    ]


class Departures:
    """The decide, apply loop of sessions' ends, room by room."""

    def __init__(self, apply: Applies) -> None:
        """Args:
        apply: the back-end's one write, which applies what is decided.
        """
        self.apply = apply

    async def sessions_ended(self, ending: Ending) -> None:
        """Each room of ``ending`` left as :func:`departing` decides, the
        rooms at once; the first failure is raised (``UNAVAILABLE`` for a
        room whose facts kept changing), the other rooms go on."""

        def decide(facts: LeavingFacts) -> DecidedChange | None:
            leavers = departures_of(ending, facts)
            return departing(facts, leavers, ending.waits_until)

        await all_at_once(
            decided_again(facts, decide, self.apply) for facts in ending.rooms
        )
