"""Joins, creates and leaves: read the room's facts, decide, hand one change.

A member's entry into a room (and its departure from one) is written the
way every write is (:mod:`chatroom.core.changes`): the core reads the
room's facts from the back-end (:class:`~chatroom.core.facts.SeatingFacts`:
the in-process room itself; for Redis, the seating the node had from its
last reply about the room, a read that costs nothing and that the apply
checks), decides with :mod:`chatroom.core.moderation` (bans, invitation,
key, the room's own limit), :mod:`chatroom.core.rules` (capacity,
``--max-rooms``) and :mod:`chatroom.core.membership` (quiet or announced,
the owner coming back, the heir, the room dropped), and hands the
back-end a :class:`~chatroom.core.changes.DecidedChange` whose premises say
what the decision read. A back-end that finds a premise gone answers the
facts as they are now, and this decides again on them
(:func:`~chatroom.core.retrying.retried`: five times, then ``UNAVAILABLE``).

The decisions are plain functions (:func:`joining`, :func:`creating`,
:func:`leaving`); :class:`Entries` is the loop around them, composed into
:class:`~chatroom.core.chat.ChatCore` and used by its
:class:`~chatroom.core.devices.Devices` too (an account put back in its
rooms at sign-in).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chatroom.core import changes, errors, membership, moderation, rules
from chatroom.core.backend import SeatingSteps
from chatroom.core.changes import Fate
from chatroom.core.events import Departure, DepartureKind
from chatroom.core.facts import (
    NO_POLICY,
    CreationFacts,
    RoomFacts,
    Seating,
    SeatingFacts,
)
from chatroom.core.member import Member
from chatroom.core.moderation import Actor
from chatroom.core.retrying import retried
from chatroom.core.seats import Session
from chatroom.core.text import name_key


@dataclass(frozen=True)
class Entry:
    """How the entry rule applies to one join: ``actor`` asks (built only
    for a room whose policy restricts joins), with ``key``; ``restoring``:
    an account put back in a room it was in at sign-in, where bans and
    space are checked again but a key or an invitation passed before is
    not asked again."""

    actor: Callable[[], Actor]
    key: str | None = None
    restoring: bool = False


def members_allowed(facts: RoomFacts, entry: Entry) -> int:
    """The entry rule on the room's facts: refuses (``BANNED``,
    ``INVITE_ONLY``, ``BAD_KEY``, ``ROOM_FULL``), or answers how many
    members the room may have with this one seated (its capacity, or its
    own limit where that is lower and applies to the joiner)."""
    limit = 0
    if entry.restoring or facts.policy.restricted:  # open rooms need no actor
        actor = entry.actor()
        if not entry.restoring:
            moderation.check_entry(facts, actor, entry.key)
        elif not actor.admin and moderation.is_banned(facts.policy, actor):
            raise errors.banned_from(facts.name)
        rules.check_space(facts)
        limit = moderation.check_limit(facts, actor)
    else:
        rules.check_space(facts)
    return min(limit, facts.capacity) if limit else facts.capacity


def joining(
    facts: SeatingFacts,
    session: Session,
    entry: Entry,
    big_room: int,
    since: int | None = None,
    bound: int = 0,
) -> changes.DecidedChange:
    """``session``'s join into the room of ``facts``: the entry rule, then
    the arrival (:func:`membership.join`), resting on what they read; for
    a resume from event ``since``, the history its reply shows (at most
    ``bound`` events: :func:`rules.catch_up`)."""
    key, room = name_key(session.name), facts.room
    if key in facts.present:
        raise errors.already_in_room(room.name)
    seats = members_allowed(room, entry)
    seating = facts.seating
    arrival = membership.join(seating, key, session, big_room)
    premises: list[changes.Premise] = [
        changes.Named(room.name),
        changes.Absent(key),
        changes.CapacityIs(room.capacity),
        changes.FewerMembersThan(seats),
        changes.OwnerAccountIs(seating.owner_account),
    ]
    if seating.incarnation:
        premises.append(changes.Incarnation(seating.incarnation))
    if room.policy.restricted:
        premises.append(changes.Version(facts.version))
    else:
        premises.append(changes.Unrestricted())
    if big_room > 0:
        premises.append(changes.QuietAt(big_room, arrival.quiet))
    if arrival.owner is not None:  # its absent owner's, or its account's, still:
        # whether the room is shown its owner back rests on it too
        premises += [
            changes.OwnerIs(seating.owner),
            changes.OwnerHere(seating.owner_here),
        ]
    ops: list[changes.Operation] = [changes.Emit(event) for event in arrival.events]
    ops.append(changes.AddMember(key, session.name, arrival.quiet))
    if arrival.owner is not None:
        ops.append(changes.SetOwner(key))
    if since is not None:
        premise, window = resumed(facts, since, bound)
        premises.append(premise)
        ops.append(window)
    return changes.DecidedChange(
        changes.RoomSeating(name_key(room.name)), tuple(premises), tuple(ops), (key,)
    )


def resumed(
    facts: SeatingFacts, since: int, bound: int
) -> tuple[changes.Premise, changes.ReplyHistory]:
    """Where a resume from event ``since`` starts (:func:`rules.catch_up`):
    after it, at most ``bound`` events, unless the room never had it (its
    newest id is lower: another database), when it is shown the newest
    ``bound``. Facts known last (not ``latest``) are taken to reach it:
    ids only grow, so a resume's id past them is the common case, which
    the premise confirms."""
    newest = facts.newest if facts.latest else None
    if newest is not None and rules.catch_up(since, 1, newest, bound).gap == "?":
        return changes.NewestIdBelow(since), changes.ReplyHistory(0, bound)
    return changes.NewestIdAtLeast(since), changes.ReplyHistory(since, bound)


def creating(
    facts: CreationFacts, name: str, session: Session, max_rooms: int, now: int
) -> changes.DecidedChange:
    """``session`` makes room ``name`` and is its first member and owner,
    the room its account's if it is signed in to one
    (:func:`membership.founded`) (``ROOM_EXISTS``, also for a renamed
    room's former name within its grace; ``TOO_MANY_ROOMS`` past
    ``--max-rooms``)."""
    if facts.existing:
        raise errors.room_exists(facts.existing)
    if facts.renamed_to:  # a former name, within its grace: /join leads there
        raise errors.room_exists(name)
    rules.check_room_count(facts.rooms, max_rooms)
    key = name_key(session.name)
    arrival = membership.join(Seating(name, 0), key, session, 0)
    ops: list[changes.Operation] = [changes.MakeRoom(name, now)]
    policy = membership.founded(session)
    if policy != NO_POLICY:
        ops.append(changes.SetPolicy(policy))
    ops += [changes.Emit(event) for event in arrival.events]
    ops += [changes.AddMember(key, session.name, arrival.quiet), changes.SetOwner(key)]
    premises = (changes.Exists(False), changes.FewerRoomsThan(max_rooms))
    return changes.DecidedChange(
        changes.RoomSeating(name_key(name)), premises, tuple(ops), (key,)
    )


def leaving(
    facts: SeatingFacts, key: str, departure: Departure, waits_until: int = 0
) -> changes.DecidedChange:
    """Member ``key`` leaves the room of ``facts`` as ``departure`` says
    (:func:`membership.leave`); ``waits_until`` (ms): its node is gone or
    going, so a room it leaves empty waits till then."""
    if key not in facts.present:
        raise errors.not_in_room()
    return departing(facts.seating, key, departure, waits_until)


def departing(
    seating: Seating, key: str, departure: Departure, waits_until: int = 0
) -> changes.DecidedChange:
    """Member ``key``, in the room of ``seating``, leaves as ``departure``
    says (:func:`membership.leave`): a leave's change, or a kick's
    (:class:`~chatroom.core.changes.KickMember` carries it), resting on the
    leaver being there, the room emptied by it or not, the owner and the
    heir as read."""
    outcome = membership.leave(seating, key, departure, waits_until > 0)
    premises: list[changes.Premise] = [
        changes.Present((key,), (key,)),
        changes.EmptiedBy((key,), seating.members <= 1),
        changes.Stays(seating.permanent, seating.keep),
        changes.OwnerIs(seating.owner),
    ]
    if departure.kind is not DepartureKind.KICK:
        premises.append(changes.QuietAmong((key,), tuple(seating.quiet & {key})))
    if seating.owner == key:
        premises.append(changes.OwnerAccountIs(seating.owner_account))
        if not seating.owner_account:
            heir = seating.heir.key if seating.heir is not None else ""
            premises.append(changes.HeirIs(heir, (key,)))
    ops: list[changes.Operation] = [changes.RemoveMember(key)]
    if outcome.owner is not None:
        ops.append(changes.SetOwner(outcome.owner))
    ops += [changes.Emit(event) for event in outcome.events]
    if outcome.fate is Fate.DROPPED:
        ops.append(changes.Drop())
    elif outcome.fate is Fate.WAITS:
        ops.append(changes.Wait(waits_until))
    subject = changes.RoomSeating(name_key(seating.room or departure.room))
    return changes.DecidedChange(subject, tuple(premises), tuple(ops), (key,))


class Entries:
    """The read, decide, apply loop of joins, creates and leaves."""

    def __init__(
        self, steps: SeatingSteps, big_room: int, max_rooms: int, resume_bound: int
    ) -> None:
        self.steps = steps
        self.big_room = big_room
        self.max_rooms = max_rooms
        self.resume_bound = resume_bound

    async def join(
        self,
        member: Member,
        session: Session,
        name: str,
        moving: str | None,
        since: int | None,
        entry: Entry,
    ) -> None:
        """Seat ``member`` in room ``name`` (leaving ``moving``, if any)."""

        async def decide() -> tuple[changes.DecidedChange, str]:
            facts = await self.steps.seating_facts(member, name)
            big, bound = self.big_room, self.resume_bound
            try:
                change = joining(facts, session, entry, big, since, bound)
            except errors.ChatError:
                if facts.latest:
                    raise
                # refused on what the back-end knew last: decided on the latest
                facts = await self.steps.seating_facts(member, name, latest=True)
                change = joining(facts, session, entry, big, since, bound)
            return change, facts.room.name

        await self._entered(member, session, decide, moving, since)

    async def create(
        self,
        member: Member,
        session: Session,
        name: str,
        moving: str | None,
        now: int,
    ) -> None:
        """Make room ``name`` with ``member`` in it (leaving ``moving``)."""

        async def decide() -> tuple[changes.DecidedChange, str]:
            facts = await self.steps.creation_facts(name)
            return creating(facts, name, session, self.max_rooms, now), name

        await self._entered(member, session, decide, moving, None)

    async def _entered(
        self,
        member: Member,
        session: Session,
        decide: Callable[[], Awaitable[tuple[changes.DecidedChange, str]]],
        moving: str | None,
        since: int | None,
    ) -> None:
        """Apply what ``decide`` decides (a join or a create, and the room's
        name as shown) with the departure from ``moving``, deciding both
        again while their premises fail; then the departure alone if the
        back-end could not apply it with the join."""
        moved: list[Departure] = []

        async def attempt() -> changes.DecidedChange | None:
            change, shown = await decide()
            departure = await self._moving(member, session, moving, shown)
            moved[:] = [] if departure is None else [departure[1]]
            leave = None if departure is None else departure[0]
            return await self.steps.enter(member, session, change, leave, since)

        if await retried(attempt) is not None:
            await self._left(member, session, moved[0])

    async def leave(
        self, member: Member, session: Session, departure: Departure
    ) -> None:
        """``member`` out of ``departure.room`` as ``departure`` says."""

        async def attempt() -> None:
            facts = await self.steps.seating_facts(member, departure.room)
            change = leaving(facts, name_key(session.name), departure)
            await self.steps.leave(member, session, change)

        await retried(attempt)

    async def _moving(
        self, member: Member, session: Session, moving: str | None, to: str
    ) -> tuple[changes.DecidedChange, Departure] | None:
        """The departure from ``moving`` for room ``to``, if it is to be:
        the change and the departure it shows."""
        if moving is None:
            return None
        facts = await self.steps.seating_facts(member, moving)
        key = name_key(session.name)
        if key not in facts.present:
            return None  # out of it already (deleted, kicked)
        moved = membership.moved(facts.room.name, session.name, to)
        return leaving(facts, key, moved), moved

    async def _left(self, member: Member, session: Session, moved: Departure) -> None:
        """A departure the back-end could not apply with the join (its
        premises changed meanwhile): decided again and applied on its own;
        nothing if the member is out of that room already."""
        try:
            await self.leave(member, session, moved)
        except errors.ChatError as failure:
            if failure.code != "NOT_IN_ROOM":
                raise
