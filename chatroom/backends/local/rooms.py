"""A chat room of the in-process registry: members, owner, topic, history, fan-out.

A room knows nothing about sockets, commands or wire formats. Its members
are :class:`chatroom.core.model.member.Member` callbacks, each with the name it is
shown by, and :meth:`Room.broadcast` hands every member the same
:class:`~chatroom.core.model.events.Event` object, so each door renders it once.

It keeps state and decides nothing about who is in it: its facts
(:meth:`Room.seating`) go to the core, which decides with
:mod:`chatroom.core.rooms.membership` and hands back a change the back-end
applies (:mod:`chatroom.backends.local.applying`), and the core makes the
join reply from what the room holds (:meth:`Room.entered_as`).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from chatroom.backends.local.rows import event_of
from chatroom.backends.local.store import RoomRecord, Row
from chatroom.backends.local.window import KeptWindow
from chatroom.core.infra.fanout import Audience, fan_out
from chatroom.core.model.changes.calls import CallFacts
from chatroom.core.model.changes.rooms import ReplyHistory
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import (
    PLAYBACK_ONLY,
    Event,
    ListedRoom,
    RoomEvent,
    StoredEvent,
    depends_on,
)
from chatroom.core.model.facts import (
    NO_POLICY,
    Heir,
    RoomFacts,
    RoomPolicy,
    Seating,
    SpeakingFacts,
    WelcomeFacts,
)
from chatroom.core.model.member import Member
from chatroom.core.model.metrics import fanned_out
from chatroom.core.model.text import name_key

#: The makings of rooms in this process, numbered: a room made again under
#: its name is another incarnation, as in Redis.
_MAKINGS = itertools.count(1)


class Room:
    """A room owns its members (in order of arrival) and does its own fan-out.

    ``members`` maps each member to its display name; insertion order is
    arrival order, which decides who inherits ownership and the order of
    ``MEMBERS``.
    """

    @classmethod
    def configured(
        cls,
        config: ServerConfig,
        persistent: bool,
        name: str,
        permanent: bool,
        owner: Member | None,
        last_id: int,
        now: float = 0,
    ) -> Room:
        """A room as the server's options make it at ``now``, going on from
        ``last_id`` (a room made again never reuses an id): it holds what
        joiners, resumes and ``/history`` need, and with a store only as much
        as the store keeps (``--retention``)."""
        keep = max(config.history, config.resume_bound)
        if persistent:
            keep = min(keep, config.retention)
        room = cls(name, config.room_capacity, config.history, permanent, owner, keep)
        room.big_room = config.big_room
        if persistent:
            room.retention = config.retention
        room.last_id = last_id
        room.first_id = last_id + 1
        room.created_at = int(now)
        return room

    def __init__(
        self,
        name: str,
        capacity: int,
        history_size: int,
        permanent: bool = False,
        owner: Member | None = None,
        keep: int | None = None,
    ) -> None:
        """Args:
        history_size: events a joiner is shown (``--history``).
        keep: events held in memory for joiners, resumes and ``/history``
            (at least ``history_size``; older ones are the store's).
        """
        self.name = name
        self.key = name_key(name)
        self.capacity = capacity
        self.permanent = permanent
        self.owner: Member | None = None if permanent else owner
        #: Restored from the store with an owner who has not come back yet
        #: (the owner's name key): it owns the room again on rejoining.
        self.absent_owner = ""
        #: Restored and not rejoined yet: harvested after the grace period.
        self.restored = False
        #: Restored, it waits for its members until then (ms; 0: it does
        #: not): its succession is decided when the wait is over.
        self.waits_until = 0
        self.topic = ""
        self.topic_by = ""
        #: When the room was made and its topic set (Unix seconds, 0: unknown).
        self.created_at = 0
        self.topic_at = 0
        #: Settings, operators, bans and invitations (chatroom.core.policy.moderation).
        self.policy: RoomPolicy = NO_POLICY
        #: Which making of a room of its name this is, and how often its
        #: policy changed since: what a change decided on its facts rests
        #: on (:attr:`guard`).
        self.incarnation = next(_MAKINGS)
        self.version = 0
        #: What an announced member's message is decided on, and the policy
        #: it was made from (:meth:`speaking`).
        self._speaking: tuple[RoomPolicy, SpeakingFacts] | None = None
        self.members: Audience[str] = Audience()
        #: A big room's quiet members: joined, their arrival not shown to
        #: the others yet (chatroom.core.rooms.big_rooms); empty below
        #: ``big_room``, so a room costs no second entry per member.
        self.quiet: set[Member] = set()
        #: ``--big-room``: from this many members on, joiners join quietly.
        self.big_room = 0
        self.history_size = history_size
        self.history = KeptWindow(max(history_size, keep or 0))
        #: Ids of the room's stored events: the newest, and the oldest kept.
        self.last_id = 0
        self.first_id = 1
        #: How many of its newest events the room keeps in all (memory only,
        #: unless the registry has a store that keeps more).
        self.retention = self.history.maxlen
        #: Ids of messages redacted while this process ran (an edit read
        #: from the store before the redaction must not bring it back).
        self.redacted: set[str] = set()
        #: Memory holds every stored event left from this id on (redactions
        #: leave holes in the ids, so the oldest held one does not say it).
        self.held_from = 0
        self._info: ListedRoom | None = None

    def __repr__(self) -> str:
        return f"<Room {self.name!r} members={len(self.members)}>"

    @property
    def owner_name(self) -> str:
        """The owner's name if the owner is here, else ""."""
        return self.members.get(self.owner, "") if self.owner is not None else ""

    def record(self) -> RoomRecord:
        """What the store keeps of the room: name, owner, topic, policy."""
        owner = self.owner_name or self.absent_owner
        return RoomRecord(
            self.key,
            self.name,
            owner,
            self.permanent,
            self.topic,
            self.topic_by,
            self.policy.to_json(),
            created_at=self.created_at,
            topic_at=self.topic_at,
        )

    def restore(self, record: RoomRecord) -> None:
        """What the store kept of the room: its topic, settings, times and
        oldest id (a room with ``keep`` on gets no grace period: it stays)."""
        self.topic, self.topic_by = record.topic, record.topic_by
        self.topic_at = record.topic_at
        self.created_at = record.created_at or self.created_at
        self.policy = RoomPolicy.from_json(record.policy)
        if self.policy.keep:
            self.restored = False
        self.first_id = record.first_id

    def stored(self, row: Row) -> StoredEvent:
        """A row the store kept, as the room's stored event."""
        return event_of(self.name, row)

    def facts(self) -> RoomFacts:
        """What :mod:`chatroom.core.policy.rules` decides on."""
        owner = self.owner_name
        return RoomFacts(
            name=self.name,
            permanent=self.permanent,
            owner=name_key(owner) if owner else self.absent_owner,
            capacity=self.capacity,
            members=len(self.members),
            policy=self.policy,
        )

    @property
    def guard(self) -> tuple[bytes, bytes]:
        """What a decision on :meth:`facts` rests on (the back-end's
        ``DecisionFacts.guard``): its incarnation and its policy's version."""
        return (b"%d" % self.incarnation, b"%d" % self.version)

    def speaking(self) -> SpeakingFacts:
        """What a message by a member who is not quiet is decided on: one
        value while the policy stays (a message is the most frequent
        change)."""
        made = self._speaking
        if made is None or made[0] is not self.policy:
            facts = SpeakingFacts(self.name, True, False, self.policy.moderated)
            self._speaking = made = (self.policy, facts)
        return made[1]

    def set_policy(self, policy: RoomPolicy) -> None:
        """A moderation outcome or an admin's gift changed the policy."""
        self.policy = policy
        self.version += 1

    def broadcast(self, event: Event) -> None:
        """Hand one event to every member.

        A member whose send queue overflows aborts its own connection and
        leaves the room later (from ``connectionLost``), so the member set
        never changes while this loop runs and one stalled reader cannot
        hold up the others; one whose ``deliver`` raises is disconnected
        (:func:`chatroom.core.infra.fanout.fan_out`) and the others still get it.
        """
        fanned_out(event, len(self.members))  # counted once, not per member
        fan_out(self.members, event)

    def seating(self, about: Member | None = None) -> Seating:
        """The room's facts for a membership decision about ``about`` (a
        member joining, leaving or speaking; None: the room's own)."""
        owner = self.owner
        here = owner is not None and owner in self.members  # not yet, as made
        heir = next((m for m in self.members if m is not about), None)
        quiet = about is not None and about in self.quiet
        return Seating(
            room=self.name,
            members=len(self.members),
            owner=self.key_of(owner) if owner and here else self.absent_owner,
            owner_here=here,
            owner_account=self.policy.owner_account,
            permanent=self.permanent,
            keep=self.policy.keep,
            heir=None if heir is None else Heir(self.key_of(heir), self.members[heir]),
            quiet=frozenset({self.key_of(about)}) if quiet and about else frozenset(),
        )

    def key_of(self, member: Member) -> str:
        """A member's name key."""
        return name_key(self.members[member])

    def member_keyed(self, key: str) -> Member | None:
        """The member whose name key is ``key`` (an heir is the first)."""
        return next(
            (m for m, name in self.members.items() if name_key(name) == key), None
        )

    def depart(self, member: Member) -> None:
        """Take a member out, showing nothing and changing nothing else (at
        shutdown: every room that exists then is restored as it was)."""
        self.members.pop(member)
        self.quiet.discard(member)

    def hand_to(self, key: str, events: tuple[RoomEvent, ...]) -> None:
        """The room is now member ``key``'s (an admin's gift), as ``events``
        tell its members."""
        self.owner, self.absent_owner = self.member_keyed(key), ""
        for event in events:
            self.broadcast(event)

    def announced(self, member: Member, events: tuple[RoomEvent, ...]) -> None:
        """A member is about to speak: the room is first shown ``events``
        (:func:`chatroom.core.rooms.membership.speaking`: a quiet member's
        ``JOIN``), and the member is quiet no more."""
        for event in events:
            self.broadcast(event)
        self.quiet.discard(member)

    def rename(self, member: Member, name: str) -> None:
        """A member's name changed (the ``NICK`` is the registry's to send)."""
        self.members[member] = name

    def renamed(self, name: str, last_id: int) -> None:
        """The room is called ``name``: its history as its events now spell
        it, its ids going on from ``last_id`` if a room of that name went
        further (an id never means two events under one name)."""
        self.name, self.key = name, name_key(name)
        self._info, self._speaking = None, None
        self.history = KeptWindow(
            self.history.maxlen, (replace(event, room=name) for event in self.history)
        )
        self.last_id = max(self.last_id, last_id)

    def remember(self, event: StoredEvent) -> None:
        """Keep a stored event for joiners, resumes and ``/history``
        (bounded; an event with an id is the room's newest stored one),
        as its window keeps it (:mod:`chatroom.backends.local.window`)."""
        fell = self.history.append(event)
        if fell is not None:  # out of memory now
            self.held_from = max(self.held_from, int(fell or 0) + 1)
        if event.id:
            self.last_id = int(event.id)
            self.first_id = max(self.first_id, self.last_id - self.retention + 1)

    def amend(self, target: str, replacement: StoredEvent | None) -> None:
        """Stored message ``target`` now reads as ``replacement`` (an edit),
        or is gone with the events that depend on it (None: redacted)."""
        if replacement is None:
            self.redacted.add(target)
        kept = [
            replacement if replacement is not None and event.id == target else event
            for event in self.history
            if replacement is not None
            or (event.id != target and not depends_on(event, target))
        ]
        self.history = KeptWindow(self.history.maxlen, kept)

    def newest(self, count: int) -> list[StoredEvent]:
        """The newest ``count`` stored events a joiner is shown, oldest
        first, and the topic changes and tags-only messages among them,
        which do not count (only IRC's event playback shows them: they must
        not push messages out of everyone else's window). Which kinds do
        not count is the core's :data:`~chatroom.core.model.events.PLAYBACK_ONLY`;
        Redis's ``view`` (its prelude) walks its history the same way, in
        the join's own script, with that set written into it: a read over
        what each store holds, so the loop is each store's, the rule the
        core's (tests/backends/contracts/room_times.py, tag_history.py and
        rich.py hold the two to one window)."""
        return self.history.newest(count, PLAYBACK_ONLY)

    def entered_as(
        self,
        joiner: Member | None = None,
        window: ReplyHistory | None = None,
        pins: int = 0,
        call: CallFacts | None = None,
    ) -> WelcomeFacts:
        """What ``joiner``'s join reply is made of (the core makes it:
        :func:`chatroom.core.rooms.membership.welcome`): the room's members, the
        history window (the newest ``--history`` events, or for a resume,
        the kept events after ``window.after``, at most the newest
        ``window.most``, as the core decided), the topic, ``pins``
        (how many messages are pinned: the pin store's) and ``call`` (the
        room's call on: the call store's)."""
        if window is None:
            history = self.newest(self.history_size)
        else:
            start = max(window.after + 1, self.last_id - window.most + 1)
            history = self.held(max(start, self.first_id), self.last_id)
        quiet = self.quiet
        return WelcomeFacts(
            room=self.name,
            members=list(self.members.values()),  # arrival order
            total=len(self.members),
            joiner=self.members.get(joiner, "") if joiner is not None else "",
            joiner_quiet=joiner in quiet,
            capacity=self.capacity,
            owner=self.owner_name,
            topic=self.topic,
            topic_by=self.topic_by,
            topic_at=self.topic_at,
            history=history,
            first=self.first_id,
            last=self.last_id,
            quiet=frozenset(self.members[m] for m in quiet) if quiet else frozenset(),
            pins=pins,
            policy=self.policy,
            call=call,
        )

    def forget_before(self, first: int) -> None:
        """Events before id ``first`` are no longer kept."""
        self.first_id = max(self.first_id, first)
        self.held_from = max(self.held_from, first)
        history = self.history
        while (oldest := history.oldest_id()) and int(oldest) < self.first_id:
            history.popleft()

    def held(self, first: int, last: int) -> list[StoredEvent]:
        """The stored events with ids ``first``..``last`` that memory holds."""
        return self.history.numbered(first, last)

    def holds_from(self, first: int) -> bool:
        """Whether memory holds every kept event from id ``first`` on."""
        return self.held_from <= max(first, self.first_id)

    def info(self) -> ListedRoom:
        """This room's lobby entry.

        Every newcomer is sent the whole list, so the entry (and with it
        each door's rendering) is kept until what it shows has changed.
        """
        info = self._info
        if (
            info is None
            or info.members != len(self.members)
            or info.topic != self.topic
            or info.secret != self.policy.secret
        ):
            info = self._info = ListedRoom(
                self.name,
                len(self.members),
                self.capacity,
                self.topic,
                self.policy.secret,
            )
        return info
