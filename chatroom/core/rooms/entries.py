"""Joins, creates and leaves: read the room's facts, decide, hand one change.

A member's entry into a room (and its departure from one) is written the
way every write is (:mod:`chatroom.core.model.changes`): the core reads the
room's facts from the back-end (:class:`~chatroom.core.model.facts.SeatingFacts`:
the in-process room itself; for Redis, the seating the node had from its
last reply about the room, a read that costs nothing and that the apply
checks), decides with :mod:`chatroom.core.policy.moderation` (bans, invitation,
key, the room's own limit), :mod:`chatroom.core.policy.rules` (capacity,
``--max-rooms``) and :mod:`chatroom.core.rooms.membership` (quiet or announced,
the owner coming back, the heir, the room dropped), and hands the
back-end a :class:`~chatroom.core.model.changes.base.DecidedChange` whose premises say
what the decision read. A back-end that finds a premise gone answers the
facts as they are now, and this decides again on them
(:func:`~chatroom.core.infra.retrying.retried`: five times, then ``UNAVAILABLE``).

The decisions are plain functions (:func:`joining`, :func:`creating`,
:func:`leaving`); :class:`Entries` is the loop around them, composed into
:class:`~chatroom.core.chat.ChatCore` and used by its
:class:`~chatroom.core.services.devices.Devices` too (an account put back in its
rooms at sign-in).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.fanout import deliver_to
from chatroom.core.infra.retrying import retried
from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, Operation, Premise
from chatroom.core.model.changes.rooms import (
    Absent,
    AddMember,
    CapacityIs,
    Drop,
    Emit,
    EmptiedBy,
    Exists,
    Fate,
    FewerMembersThan,
    FewerRoomsThan,
    HeirIs,
    Incarnation,
    MakeRoom,
    Named,
    NewestIdAtLeast,
    NewestIdBelow,
    OwnerAccountIs,
    OwnerHere,
    OwnerIs,
    Present,
    QuietAmong,
    QuietAt,
    RemoveMember,
    ReplyHistory,
    RoomSeating,
    SetOwner,
    SetPolicy,
    Stays,
    Unrestricted,
    Version,
    Wait,
)
from chatroom.core.model.events import Departure, DepartureKind, Welcome
from chatroom.core.model.facts import (
    NO_POLICY,
    CreationFacts,
    RoomFacts,
    Seating,
    SeatingFacts,
    WelcomeFacts,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy import moderation, rules
from chatroom.core.policy.moderation import Actor
from chatroom.core.rooms import membership
from chatroom.core.rooms.store import RoomStore


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
) -> DecidedChange:
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
    premises: list[Premise] = [
        Named(room.name),
        Absent(key),
        CapacityIs(room.capacity),
        FewerMembersThan(seats),
        OwnerAccountIs(seating.owner_account),
    ]
    if seating.incarnation:
        premises.append(Incarnation(seating.incarnation))
    if room.policy.restricted:
        premises.append(Version(facts.version))
    else:
        premises.append(Unrestricted())
    if big_room > 0:
        premises.append(QuietAt(big_room, arrival.quiet))
    if arrival.owner is not None:  # its absent owner's, or its account's, still:
        # whether the room is shown its owner back rests on it too
        premises += [OwnerIs(seating.owner), OwnerHere(seating.owner_here)]
    ops: list[Operation] = [Emit(event) for event in arrival.events]
    ops.append(AddMember(key, session.name, arrival.quiet))
    if arrival.owner is not None:
        ops.append(SetOwner(key))
    if since is not None:
        premise, window = resumed(facts, since, bound)
        premises.append(premise)
        ops.append(window)
    return DecidedChange(
        RoomSeating(name_key(room.name)), tuple(premises), tuple(ops), (key,)
    )


def resumed(
    facts: SeatingFacts, since: int, bound: int
) -> tuple[Premise, ReplyHistory]:
    """Where a resume from event ``since`` starts (:func:`rules.catch_up`):
    after it, at most ``bound`` events, unless the room never had it (its
    newest id is lower: another database), when it is shown the newest
    ``bound``. Facts known last (not ``latest``) are taken to reach it:
    ids only grow, so a resume's id past them is the common case, which
    the premise confirms."""
    newest = facts.newest if facts.latest else None
    if newest is not None and rules.catch_up(since, 1, newest, bound).gap == "?":
        return NewestIdBelow(since), ReplyHistory(0, bound)
    return NewestIdAtLeast(since), ReplyHistory(since, bound)


def creating(
    facts: CreationFacts, name: str, session: Session, max_rooms: int, now: int
) -> DecidedChange:
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
    ops: list[Operation] = [MakeRoom(name, now)]
    policy = membership.founded(session)
    if policy != NO_POLICY:
        ops.append(SetPolicy(policy))
    ops += [Emit(event) for event in arrival.events]
    ops += [AddMember(key, session.name, arrival.quiet), SetOwner(key)]
    premises = (Exists(False), FewerRoomsThan(max_rooms))
    return DecidedChange(RoomSeating(name_key(name)), premises, tuple(ops), (key,))


def leaving(
    facts: SeatingFacts, key: str, departure: Departure, waits_until: int = 0
) -> DecidedChange:
    """Member ``key`` leaves the room of ``facts`` as ``departure`` says
    (:func:`membership.leave`); ``waits_until`` (ms): its node is gone or
    going, so a room it leaves empty waits till then."""
    if key not in facts.present:
        raise errors.not_in_room()
    return departing(facts.seating, key, departure, waits_until)


def departing(
    seating: Seating, key: str, departure: Departure, waits_until: int = 0
) -> DecidedChange:
    """Member ``key``, in the room of ``seating``, leaves as ``departure``
    says (:func:`membership.leave`): a leave's change, or a kick's
    (:class:`~chatroom.core.model.changes.moderation.KickMember` carries it), resting on
    the leaver being there, the room emptied by it or not, the owner and the
    heir as read."""
    outcome = membership.leave(seating, key, departure, waits_until > 0)
    premises: list[Premise] = [
        Present((key,), (key,)),
        EmptiedBy((key,), seating.members <= 1),
        Stays(seating.permanent, seating.keep),
        OwnerIs(seating.owner),
    ]
    if departure.kind is not DepartureKind.KICK:
        premises.append(QuietAmong((key,), tuple(seating.quiet & {key})))
    if seating.owner == key:
        premises.append(OwnerAccountIs(seating.owner_account))
        if not seating.owner_account:
            heir = seating.heir.key if seating.heir is not None else ""
            premises.append(HeirIs(heir, (key,)))
    ops: list[Operation] = [RemoveMember(key)]
    if outcome.owner is not None:
        ops.append(SetOwner(outcome.owner))
    ops += [Emit(event) for event in outcome.events]
    if outcome.fate is Fate.DROPPED:
        ops.append(Drop())
    elif outcome.fate is Fate.WAITS:
        ops.append(Wait(waits_until))
    subject = RoomSeating(name_key(seating.room or departure.room))
    return DecidedChange(subject, tuple(premises), tuple(ops), (key,))


def shown(member: Member, view: WelcomeFacts, since: int | None, bound: int) -> Welcome:
    """``member`` is in the room of ``view``, as a back-end's step answered:
    it is shown its join reply (from ``since``, missing events beyond
    ``bound``: :func:`~chatroom.core.rooms.membership.welcome`), then handed the
    room's events that followed the join before the answer. Returns the
    reply."""
    welcome = membership.welcome(view, since, bound)
    member.entered(welcome)
    for event in view.followed:
        deliver_to(member, event)
    return welcome


class Entries:
    """The read, decide, apply loop of joins, creates and leaves."""

    def __init__(
        self,
        rooms: RoomStore,
        apply: Applies,
        big_room: int,
        max_rooms: int,
        resume_bound: int,
    ) -> None:
        """Args:
        rooms: where a join's, a create's or a leave's facts are read.
        apply: the back-end's one write, which applies what is decided.
        """
        self.rooms = rooms
        self.apply = apply
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
    ) -> Welcome:
        """Seat ``member`` in room ``name`` (then out of ``moving``, if
        any): its join reply, which it was shown."""

        async def decide() -> DecidedChange:
            facts = await self.rooms.seating_facts(member, name)
            big, bound = self.big_room, self.resume_bound
            try:
                return joining(facts, session, entry, big, since, bound)
            except errors.ChatError:
                if facts.latest:
                    raise
                # refused on what the back-end knew last: decided on the latest
                facts = await self.rooms.seating_facts(member, name, latest=True)
                return joining(facts, session, entry, big, since, bound)

        return await self._entered(member, session, decide, moving, since)

    async def create(
        self,
        member: Member,
        session: Session,
        name: str,
        moving: str | None,
        now: int,
    ) -> Welcome:
        """Make room ``name`` with ``member`` in it (then out of
        ``moving``): its join reply, which it was shown."""

        async def decide() -> DecidedChange:
            facts = await self.rooms.creation_facts(name)
            return creating(facts, name, session, self.max_rooms, now)

        return await self._entered(member, session, decide, moving, None)

    async def _entered(
        self,
        member: Member,
        session: Session,
        decide: Callable[[], Awaitable[DecidedChange]],
        moving: str | None,
        since: int | None,
    ) -> Welcome:
        """Apply what ``decide`` decides (a join or a create), deciding
        again while its premises fail. The step answers what the join
        reply is built from: the member is shown it, then seated with the
        room's events that followed it (nothing of the room comes before
        its reply); then it leaves ``moving`` (a room left for this one),
        decided on that room's facts as they are then."""

        async def attempt() -> WelcomeFacts:
            welcome = (await self.apply(await decide(), member, session)).welcome
            assert welcome is not None  # a join's or a create's answer
            return welcome

        view = await retried(attempt)
        welcome = shown(member, view, since, self.resume_bound)
        if moving is not None:
            moved = membership.moved(moving, session.name, view.room)
            await self._left(member, session, moved)
        return welcome

    async def leave(
        self, member: Member, session: Session, departure: Departure
    ) -> None:
        """``member`` out of ``departure.room`` as ``departure`` says."""

        async def attempt() -> None:
            facts = await self.rooms.seating_facts(member, departure.room)
            change = leaving(facts, name_key(session.name), departure)
            await self.apply(change, member, session)

        await retried(attempt)

    async def _left(self, member: Member, session: Session, moved: Departure) -> None:
        """The departure from a room left for another, once in that one:
        nothing if the member is out of it already (deleted, kicked)."""
        try:
            await self.leave(member, session, moved)
        except errors.ChatError as failure:
            if failure.code != "NOT_IN_ROOM":
                raise
