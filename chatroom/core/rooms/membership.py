"""Who is in a room: every rule of joining and leaving, decided once.

A join, a leave, a session's end, a node's harvest, the end of a restored
room's grace period: each changes who is in a room and may change who owns
it, whether the room stays, and what its members are told. The rules are
here, as plain functions of the room's facts, the way moderation's are
(:mod:`chatroom.core.policy.moderation`), and the way Synapse's
``RoomMemberHandler`` holds every rule of membership once while its
variants perform a few steps:

- :func:`founded`: whose a new room is: a signed-in account's room is
  the account's, kept when empty (``keep on``), a plain name's is a
  scratch room;
- :func:`join`: the seat, quiet or announced (:mod:`chatroom.core.rooms.big_rooms`),
  whether the joiner owns the room (a ``keep`` room's account, a restored
  room's owner coming back) and the :class:`~chatroom.core.model.events.Joined`
  its members are shown, carrying what the joiner's session is;
- :func:`leave`: the departure shown (not a quiet member's, but always a
  kick), the heir when the owner leaves (the longest-present member; a
  ``keep`` room's account keeps it, ownerless), and whether the room,
  empty now, is dropped, waits for its members (a node gone) or stays;
- :func:`succession`: a room whose wait for its members is over (a restored
  room's grace period, a cluster's kept room): dropped if still empty, else
  handed on if its owner did not come back;
- :func:`speaking`: a quiet member's first words are preceded by its
  ``JOIN``;
- :func:`welcome`: the join reply, from what a back-end reads of the room.

A back-end reads the :class:`Seating` facts, the core decides with these
functions, and the back-end applies the outcome atomically where the state
lives, refusing (:class:`~chatroom.core.backend.FactsChangedError`) when
the facts it was decided on no longer hold: then the core decides again.
In one process nothing changes in between; in a cluster the guard is the
decision's premises (``chatroom/backends/redis/outcomes.py``).
"""

from __future__ import annotations

from chatroom.core.infra.seats import Session
from chatroom.core.model.changes.rooms import Arrival, Fate, Leaving, Succession
from chatroom.core.model.events import (
    CallMembers,
    Departure,
    DepartureKind,
    OwnerChanged,
    RoomEvent,
    Welcome,
)
from chatroom.core.model.facts import NO_POLICY, RoomPolicy, Seating, WelcomeFacts
from chatroom.core.policy.rules import catch_up
from chatroom.core.rooms.big_rooms import joins_quietly


def ended(
    room: str, name: str, reason: str, kind: DepartureKind, own_words: bool = False
) -> Departure:
    """Why ``name`` is out of ``room`` when its session ends (``kind``: a
    quit, or a harvest when its node went), saying ``reason`` (with
    ``own_words``, the words the user quit with)."""
    return Departure(room, name, kind, reason, own_words=own_words)


def moved(room: str, name: str, to: str) -> Departure:
    """``name`` left ``room`` for room ``to`` (a line user's join elsewhere)."""
    return Departure(room, name, DepartureKind.PART, moved_to=to)


def founded(founder: Session) -> RoomPolicy:
    """The policy a room made by ``founder`` starts with. A signed-in
    account's room is the account's as a ``/set keep on`` room is: its
    owner is whichever device of the account is in it (nobody else is
    handed it when they all go: :func:`leave`) and it stays when empty,
    with its settings and history, until its owner or an admin deletes
    it; a person who comes back finds it as they left it. A plain name's
    room has no owner once its maker is gone, so nobody is kept it: it is
    a scratch room, gone when empty (its heir owns it meanwhile)."""
    if not founder.account:
        return NO_POLICY
    return RoomPolicy(keep=True, owner_account=founder.account)


def join(facts: Seating, key: str, joiner: Session, big_room: int) -> Arrival:
    """The session ``joiner`` (name key ``key``) joins a room of
    ``facts.members``: quietly once the room is big (``big_room``), and as
    its owner if it is the ``keep`` room's account or the owner coming back
    to a room it was absent from. Its :class:`Joined` carries what the
    session is (:meth:`Session.joined`); an owner coming back is shown as
    the room's owner right after (``OWNER``, IRC's ``MODE +o``), so every
    member marks it again as it marked it before it went."""
    quiet = joins_quietly(facts.members, big_room)
    owner: str | None = None
    if facts.owner_account:
        if joiner.account == facts.owner_account:
            owner = key
    elif facts.owner == key and not facts.owner_here:
        owner = key
    if quiet:
        return Arrival(quiet, owner, ())
    events: tuple[RoomEvent, ...] = (joiner.joined(facts.room),)
    if owner is not None and not (facts.owner == key and facts.owner_here):
        events += (OwnerChanged(facts.room, joiner.name),)
    return Arrival(quiet, owner, events)


def leave(
    facts: Seating, key: str, departure: Departure, waits: bool = False
) -> Leaving:
    """The member ``key`` leaves as ``departure`` says; ``waits``: its node
    is gone or going, so a room it leaves empty waits for its members
    instead of going (with its owner). ``facts.heir`` is the longest-present
    member but the leaver."""
    kicked = departure.kind is DepartureKind.KICK
    events: list[RoomEvent] = []
    if kicked or key not in facts.quiet:
        events.append(departure)
    owner: str | None = None
    if facts.owner == key:
        if facts.owner_account:
            owner = ""  # a keep room: its account owns it, whoever is here
        elif facts.heir is not None:
            owner = facts.heir.key
            events.append(OwnerChanged(facts.room, facts.heir.name))
    fate = Fate.STAYS
    if facts.members <= 1 and not facts.stays:
        fate = Fate.WAITS if waits else Fate.DROPPED
    return Leaving(owner, tuple(events), fate)


def succession(facts: Seating) -> Succession:
    """A room waited for its members long enough (a restored room's grace
    period; a cluster's room left by a node that went), or was left with no
    owner (made again by a node resuming after Redis lost it): still empty,
    it goes, unless it stays; a ``keep`` room nobody holds goes to a member
    signed in to its account, as a join would give it; any other room whose
    owner is not here (and a room with none, unless it stays) goes to its
    longest-present member."""
    if facts.members == 0:
        return Succession(dropped=not facts.stays)
    if facts.owner_account:
        if not facts.owner and facts.claimant:
            return Succession(False, facts.claimant)
        return Succession(False)
    absent = facts.owner and not facts.owner_here
    ownerless = not facts.owner and not facts.stays
    if (absent or ownerless) and facts.heir is not None:
        event = OwnerChanged(facts.room, facts.heir.name)
        return Succession(False, facts.heir.key, (event,))
    return Succession(False)


def owner_follows_rename() -> bool:
    """Whether a member who renames keeps the rooms it owns under its new
    name: it does (the owner is the member, not the name it had), so a
    rename's seat moves carry the owner with them, in each room whose owner
    is still the former name when the move is applied."""
    return True


def speaking(facts: Seating, key: str, speaker: Session) -> tuple[RoomEvent, ...]:
    """What the room is shown before member ``key``'s words (its session:
    ``speaker``): its ``JOIN`` if it joined quietly and has not spoken yet
    (then it is announced)."""
    return (speaker.joined(facts.room),) if key in facts.quiet else ()


def welcome(view: WelcomeFacts, since: int | None, bound: int) -> Welcome:
    """The join reply (also a device's view of a room its account is in):
    the members, those shown and the joiner when some joined quietly (with
    the true count beside them), the history window, the topic, how many
    messages are pinned, the room's call while one is on, and for a resume
    from ``since`` how many events it misses beyond ``bound``."""
    members, total = view.members, None  # made for this reply: it is the reply's
    if view.quiet or view.total != len(members) or view.joiner_quiet:
        total = view.total
        if view.quiet:  # quiet members are not shown until they speak
            members = [name for name in members if name not in view.quiet]
        if view.joiner_quiet and view.joiner not in members:
            members.append(view.joiner)
    gap = "" if since is None else catch_up(since, view.first, view.last, bound).gap
    policy = view.policy
    call = view.call
    return Welcome(
        room=view.room,
        members=members,
        capacity=view.capacity,
        history=view.history,
        topic=view.topic,
        topic_by=view.topic_by,
        topic_at=view.topic_at,
        gap=gap,
        since=since,
        total=total,
        owner=view.owner,
        pins=view.pins,
        owner_alone_marked=policy is not None
        and not (policy.operators or policy.voiced or policy.unopped_owner),
        secret=policy is not None and policy.secret,
        call=None if call is None else CallMembers(view.room, call.call, call.names),
    )
