"""A node's part of one room: which of its members get which of the room's events.

Room events reach a node once, on the room's Redis channel, numbered, in
the cluster's encoding (:mod:`chatroom.core.model.codec`). A :class:`NodeRoom`
decodes each once into a typed event and hands that one value to every
local member that should see it, so each door renders it once per node.

News of a user (a rename, a sign-in: :meth:`Backend.tell_neighbours
<chatroom.core.backend.Backend.tell_neighbours>`) is published in each of
the user's rooms, in order with the room's events, under one news number;
:class:`NewsDesk` hands it to each member of this node once, however many
of those rooms the member shares with the user.

A kick's departure names the kicked session in its entry
(:class:`~chatroom.core.model.nodemessages.KickHead`), so the node that has that
session gives it ``Kicked`` instead, at the room's event itself: in order
with the room's events on any layout of Redis, whether it comes on the
room's channel or in a resume's catch-up.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from sys import intern
from typing import Any, Generic, TypeVar, overload

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.backends.redis.encoded import decoded
from chatroom.backends.redis.node import new_incarnation
from chatroom.backends.redis.outcomes import NO_KEYS, RedisSeating
from chatroom.backends.redis.resume_steps import HeldRoom
from chatroom.core.backend import Reports
from chatroom.core.infra.fanout import Audience, deliver_to, fan_out
from chatroom.core.model import errors
from chatroom.core.model.codec import split_entry
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Departure,
    Event,
    Gap,
    Kicked,
    LeftElsewhere,
    Listing,
    RoomDeleted,
    RoomEvent,
    RoomNotice,
    RoomRenamed,
)
from chatroom.core.model.facts import SpeakingFacts
from chatroom.core.model.member import Member
from chatroom.core.model.metrics import fanned_out
from chatroom.core.model.nodemessages import NewsHead
from chatroom.core.model.text import name_key

#: Who is quiet in a room with nobody quiet (:attr:`NodeRoom.quiet`).
_NOBODY: frozenset[Member] = frozenset()

#: Events a node keeps per room, to hand to a member whose join (or leave)
#: was answered after some of the room's later events had already arrived.
#: Kept as they came (bytes), decoded again if ever replayed: an event kept
#: decoded (with its rendering) cost ten times as much, over a kilobyte per
#: member of a room whose joins are its last events. Kept only while such
#: a step is in flight (:attr:`NodeRoom.entering`): none are needed
#: otherwise, and a room's last joins kept on every node it has members on
#: were about 500 bytes per connection of a crowd in rooms of 100 spread
#: over three nodes (more over more nodes).
RECENT_EVENTS = 1024

#: The events that mean more for a room here than its members being
#: handed them (:meth:`NodeRooms._take`); none has a subclass, so an
#: event's type says whether it is one.
_FOLLOWED: frozenset[type[Event]] = frozenset({RoomDeleted, Departure, RoomRenamed})

#: News of several rooms a node remembers who it handed to, at most (news
#: arrives on each of the rooms' channels in a row, so few are open at once).
NEWS_KEPT = 64

#: Room events a resuming node holds back, at most (newest kept).
HELD_EVENTS = 4 * RECENT_EVENTS

MAYBE_MISSED = "messages may have been missed: this server lost touch with the cluster"
ROOM_LOST = "this room was lost while this server was out of touch with the cluster"


def maybe_missed(room: str) -> RoomNotice:
    return RoomNotice(room, MAYBE_MISSED)


class NewsDesk:
    """Who on this node was handed which news: each member once."""

    def __init__(self) -> None:
        #: News number → its arrivals still to come, and who was handed it.
        self._given: dict[int, tuple[int, set[Member]]] = {}

    def narrow(self, news: NewsHead, members: Iterable[Member]) -> list[Member]:
        """Those of ``members`` (of one of the news' rooms) to hand it to."""
        fresh = [member for member in members if news.narrow_to(member.name)]
        if news.rooms < 2:
            return fresh
        left, given = self._given.pop(news.number, (news.rooms, set()))
        fresh = [member for member in fresh if member not in given]
        if left > 1:  # more of its rooms to come: remember who had it
            given.update(fresh)
            self._given[news.number] = (left - 1, given)
            if len(self._given) > NEWS_KEPT:  # rooms this node is not in
                del self._given[next(iter(self._given))]
        return fresh


#: What a room calls when a kick's entry comes (the room, the entry's seq,
#: the token its head names, its event): :meth:`NodeRooms.kicked_by`.
KickHandler = Callable[["NodeRoom", int, str, Event], None]


T = TypeVar("T")


class _RoomRare:
    """A room's fields that stay at their defaults for nearly all of its
    life on a node (quiet members, waiters, withheld messages, a move to a
    new name, its end), held apart and made on first use: a node keeps a
    :class:`NodeRoom` for most rooms it has a member in, and 8 bytes a
    slot there is 8 bytes of most rooms."""

    __slots__ = (
        "_quiet",
        "_reaching",
        "_subscribers",
        "farewell",
        "gone",
        "moderated",
        "moving",
        "unconfirmed",
        "withheld",
    )

    _quiet: set[Member] | None
    _reaching: list[tuple[int, Deferred[None]]] | None
    _subscribers: list[Deferred[None]] | None
    farewell: Sequence[Event]
    gone: bool
    moderated: bool
    moving: list[bytes] | None
    unconfirmed: dict[Member, Event] | None
    withheld: dict[Member, list[Event]] | None

    def __init__(self) -> None:
        for field in _RARE_FIELDS:
            setattr(self, field.name, field.default)

    def idle(self) -> bool:
        """Whether every field is back at its default (the holder may go)."""
        return all(getattr(self, f.name) is f.default for f in _RARE_FIELDS)


class _Rarely(Generic[T]):
    """A :class:`NodeRoom` field kept in its ``_rare`` holder: ``default``
    while there is none. Setting every one back to its default lets the
    holder go. A read is a descriptor call, so what every delivery reads
    (``withheld``, ``unconfirmed``, ``_reaching``) is read through
    ``_rare`` directly there."""

    __slots__ = ("default", "name")

    def __init__(self, name: str, default: T) -> None:
        self.name, self.default = name, default
        _RARE_FIELDS.append(self)

    @overload
    def __get__(self, room: None, owner: type) -> _Rarely[T]: ...

    @overload
    def __get__(self, room: NodeRoom, owner: type) -> T: ...

    def __get__(self, room: NodeRoom | None, owner: type) -> T | _Rarely[T]:
        if room is None:
            return self
        rare = room._rare
        return self.default if rare is None else getattr(rare, self.name)

    def __set__(self, room: NodeRoom, value: T) -> None:
        rare = room._rare
        if value is self.default:
            if rare is not None:
                setattr(rare, self.name, value)
                if rare.idle():
                    room._rare = None
            return
        if rare is None:
            rare = room._rare = _RoomRare()
        setattr(rare, self.name, value)


#: Every :class:`_Rarely` field of :class:`NodeRoom`, as they are declared.
_RARE_FIELDS: list[_Rarely[Any]] = []


class NodeRoom:
    """This node's part of one room: its local members and the room's events.

    Every member has a *since*: the sequence number of the room's state it
    was shown on joining (its welcome). Events arrive in sequence order and
    each member gets only those after its *since*, so a joiner neither
    misses nor repeats anything around its join, although the join's reply
    and the room's events come over different connections to Redis.

    A node has one for every room it has a member in, and in a crowd most
    rooms have one or two members on a node (rooms of 100 over 56 nodes),
    so a node holds about as many rooms as connections and a room should
    cost no more than a connection (about 3 KiB): slots, no instance
    dict, and what most rooms never use (the recent events, the quiet
    members, messages withheld, waiters) made only when first needed and
    let go when done.
    """

    __slots__ = (
        "_rare",
        "_seated",
        "channel",
        "entering",
        "incarnation",
        "key",
        "kicks",
        "latest_since",
        "members",
        "name",
        "news",
        "recent",
        "seq",
        "speaking",
        "subscribed",
    )

    #: Rarely set (:class:`_RoomRare`): what the room's members were told
    #: when it went, and whether it has; waiters for its subscription and
    #: for its events (:meth:`reached`); its quiet members; whether it is
    #: moderated; messages withheld or refused; a move to a new name.
    #: Documented where :meth:`__init__` sets them.
    farewell: _Rarely[Sequence[Event]] = _Rarely("farewell", ())
    gone: _Rarely[bool] = _Rarely("gone", False)
    _subscribers: _Rarely[list[Deferred[None]] | None] = _Rarely("_subscribers", None)
    _quiet: _Rarely[set[Member] | None] = _Rarely("_quiet", None)
    moderated: _Rarely[bool] = _Rarely("moderated", False)
    withheld: _Rarely[dict[Member, list[Event]] | None] = _Rarely("withheld", None)
    unconfirmed: _Rarely[dict[Member, Event] | None] = _Rarely("unconfirmed", None)
    _reaching: _Rarely[list[tuple[int, Deferred[None]]] | None] = _Rarely(
        "_reaching", None
    )
    moving: _Rarely[list[bytes] | None] = _Rarely("moving", None)

    def __init__(
        self,
        key: str,
        name: str,
        channel: bytes,
        news: NewsDesk | None = None,
        kicks: KickHandler | None = None,
    ) -> None:
        self.key = key
        self.name = name
        self.channel = channel
        self.members: Audience[int] = Audience()
        #: No member's *since* is above this: an event past it goes to all.
        self.latest_since = 0
        self.seq = 0  # the newest event received
        self.incarnation = ""  # changes if the room is created anew
        #: The last events as they came (``seq``, bytes), which the
        #: garbage collector does not track, where decoded events would be
        #: walked by every young collection until they reached the oldest
        #: generation (a thousand a second in a busy node), and make the
        #: collector service freeze them (a full collection) every second or
        #: two. Decoded again only for a member joining mid-stream. Those
        #: that come while a member's step on the room is in flight
        #: (``entering``), let go when the last one ends: a step's replay
        #: needs only events after its member's place, which was taken (its
        #: detach, or the script that seats it) after the step began. None
        #: while none are kept: an empty deque costs 1.3 KiB once cleared
        #: (its block, and the one it keeps for reuse).
        self.recent: deque[tuple[int, bytes]] | None = None
        #: Members' steps on the room (joins, creates, leaves, moves out of
        #: it) still waiting for Redis.
        self.entering = 0
        self.subscribed = False
        #: The rarely set fields' holder (:class:`_RoomRare`); None while
        #: every one is at its default: ``gone`` False, ``farewell`` (what
        #: members were told when it went) empty, no waiters for its
        #: subscription.
        self._rare: _RoomRare | None = None
        self._seated: RedisSeating | None = None
        #: This node's members of it who joined quietly and have not spoken
        #: (:mod:`chatroom.core.rooms.big_rooms`): none below ``--big-room``, so
        #: made with the first (:meth:`hush`). None: nobody (``_quiet``).
        #: Whether the room is moderated, as its last refused ``SAY`` said
        #: (False until one does): the core's premise for its next message
        #: (``moderated``).
        #: What an announced member's message here is decided on, made
        #: once from ``moderated`` (None: to make again).
        self.speaking: SpeakingFacts | None = None
        #: News of a user, handed to each member of the node once.
        self.news = news or NewsDesk()
        #: Who puts out a member a kick's entry names, before the others
        #: are handed its departure (:meth:`NodeRooms.kicked_by`); None: no
        #: session of this node can be named.
        self.kicks = kicks
        #: Members whose message waits for Redis's replicas (``WAIT``):
        #: the room's events meanwhile, theirs included, kept for them in
        #: order, so that their own copy, the acknowledgement, comes only
        #: once the message is safe (:meth:`withhold`, :meth:`confirmed`).
        #: None: nobody's (only where messages wait for replicas)
        #: (``withheld``).
        #: A refused message not yet arrived when its sender was told,
        #: never to be shown to the sender (dropped when it comes). None:
        #: none (``unconfirmed``).
        #: Who waits for an event of the room to have come (:meth:`reached`).
        #: None: nobody (``_reaching``).
        #: While the node moves to the channel of the room's new name
        #: (:meth:`NodeRooms.renamed`): what that channel brought meanwhile,
        #: kept until the events missed before it are read. None: not
        #: moving (``moving``).

    def __repr__(self) -> str:
        return f"<NodeRoom {self.name!r} local members={len(self.members)}>"

    @property
    def seated(self) -> RedisSeating | None:
        """The room's seating as this node's last reply about it read it:
        what its members' joins and leaves are decided on
        (:mod:`chatroom.backends.redis.outcomes`); None: none yet."""
        return self._seated

    @seated.setter
    def seated(self, seating: RedisSeating | None) -> None:
        """Kept without the users the reply found in the room (``present``,
        a tuple and its joiner's key in most rooms, about 100 bytes): no
        decision reads them from here (:meth:`seating_of` says who is
        present, the member asked about), only from the reply itself."""
        if seating is not None and seating.present:
            seating = seating.seen(seating.quiet)
        self._seated = seating

    @property
    def idle(self) -> bool:
        return not self.members and not self.entering

    @property
    def quiet(self) -> AbstractSet[Member]:
        """This node's members of it who joined quietly and have not spoken."""
        rare = self._rare  # not through the descriptor: read for each SAY
        return _NOBODY if rare is None else rare._quiet or _NOBODY

    def hush(self, member: Member) -> None:
        """``member`` joined quietly (a big room)."""
        if self._quiet is None:
            self._quiet = set()
        self._quiet.add(member)

    def unhush(self, member: Member) -> None:
        """``member`` spoke, or is out of the room: no longer quiet here."""
        if self._quiet is not None:
            self._quiet.discard(member)
            if not self._quiet:
                self._quiet = None

    def seating_of(self, member: Member, u: str) -> RedisSeating:
        """The room's seating as this node knows it, about its member
        ``member`` (name key ``u``): in the room, quiet if it joined so."""
        known = self.seated or RedisSeating(self.key, name=self.name)
        quiet = frozenset({u}) if member in self.quiet else NO_KEYS
        return known.seen(quiet, (u,))

    def deliver(self, seq: int, data: bytes) -> Event | None:
        """One entry from the room's channel, decoded once, to every member
        that should see it; returns the event (None if it was old news, or
        no event: logged and skipped)."""
        if seq <= self.seq:
            return None  # older than what a resume already accounted for
        self.seq = seq
        # The place of an event Redis lost (RESUME) has no data: nothing.
        event = self._hand_out(seq, data) if data else None
        rare = self._rare  # read once: a delivery's usual case is None
        if rare is not None and rare._reaching:  # after the members had it
            self._reach(seq)
        return event

    def _hand_out(self, seq: int, data: bytes) -> Event | None:
        """Event ``seq`` decoded, and to every member that should see it."""
        if self.entering:  # a step in flight may replay it
            if self.recent is None:
                self.recent = deque(maxlen=RECENT_EVENTS)
            self.recent.append((seq, data))
        head, data = split_entry(data)
        event = decoded(data, Event)
        if event is None:
            return None
        news = None
        if head is not None:  # rare: news of a user, or a kick
            if isinstance(head, NewsHead):
                news = head
            elif self.kicks is not None:
                self.kicks(self, seq, head.session, event)  # out before the others
        members: Iterable[Member] = self.members
        if seq <= self.latest_since:  # someone joined after it was published
            members = [m for m, since in self.members.items() if seq > since]
        if news is not None:
            members = self.news.narrow(news, members)
        if isinstance(event, RoomRenamed):  # each seat re-keys its devices
            for member in list(members):
                member.room_renamed(event)
            return event
        rare = self._rare
        if rare is not None and (rare.withheld or rare.unconfirmed):
            members = [m for m in members if not self._withholds(m, event)]
        fanned_out(event, len(self.members))  # counted once, not per member
        fan_out(members, event)  # the usual case: the room's own dict, no list
        return event

    def _withholds(self, member: Member, event: Event) -> bool:
        """Whether ``event`` is not for ``member`` now: kept for it until
        its message is confirmed, or its own refused message."""
        kept = None if self.withheld is None else self.withheld.get(member)
        if kept is not None:
            kept.append(event)
            return True
        if self.unconfirmed is not None and self.unconfirmed.get(member) == event:
            del self.unconfirmed[member]
            return True
        return False

    def withhold(self, member: Member) -> None:
        """``member``'s message goes to Redis: keep what the room's channel
        brings for it until :meth:`confirmed`."""
        if self.withheld is None:
            self.withheld = {}
        self.withheld.setdefault(member, [])

    def confirmed(self, member: Member, refused: Event | None = None) -> None:
        """Hand ``member`` what was kept for it, in order, but ``refused``
        (its own message, which the replicas did not confirm); if that has
        not come yet, it is dropped when it does."""
        kept = None if self.withheld is None else self.withheld.pop(member, None)
        if kept is None:
            return
        if not self.withheld:
            self.withheld = None
        if refused is not None:
            if refused in kept:
                kept.remove(refused)
            else:
                if self.unconfirmed is None:
                    self.unconfirmed = {}
                self.unconfirmed[member] = refused
        for event in kept:
            deliver_to(member, event)

    def tell(self, event: Event) -> None:
        """An event of this node's own (a notice) to every local member."""
        fan_out(self.members, event)

    def attach(self, member: Member, since: int) -> None:
        """Start delivering to ``member`` the events after ``since``."""
        self.replay(member, since)
        self.members[member] = since
        self.latest_since = max(self.latest_since, since)

    def detach(self, member: Member) -> int:
        """Stop delivering to ``member``; return the last event it was sent."""
        since = self.members.pop(member, self.seq)
        if self.withheld is not None:
            self.withheld.pop(member, None)
            if not self.withheld:
                self.withheld = None
        if self.unconfirmed is not None:
            self.unconfirmed.pop(member, None)
            if not self.unconfirmed:
                self.unconfirmed = None
        return max(since, self.seq)

    def replay(self, member: Member, after: int, before: int = 0) -> None:
        """Send ``member`` the received events after ``after`` (and before
        ``before``, if given), noting if some already fell out of ``recent``."""
        for event in self.received(member, after, before):
            deliver_to(member, event)

    def received(self, member: Member, after: int, before: int = 0) -> list[Event]:
        """The received events for ``member`` after ``after`` (and before
        ``before``, if given), a notice first if some already fell out of
        ``recent``."""
        last = self.seq if not before else min(self.seq, before - 1)
        if last <= after:
            return []
        recent = self.recent or ()
        events: list[Event] = []
        if not recent or recent[0][0] > after + 1:
            events.append(maybe_missed(self.name))
        for seq, data in recent:
            if after < seq and (not before or seq < before):
                head, data = split_entry(data)
                event = decoded(data, Event)
                if event is None:
                    continue
                if not isinstance(head, NewsHead) or head.narrow_to(member.name):
                    events.append(event)
        return events

    def reached(self, seq: int) -> Deferred[None]:
        """Fires once event ``seq`` of the room has come on its channel and
        gone to the members (at once if it has), or once the room has gone
        from this node: how a script that published it returns only after
        its events were delivered here, without a ``PING`` behind them
        (:class:`~chatroom.redisclient.caught_up.CaughtUp`)."""
        if seq <= self.seq or self.gone:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        if self._reaching is None:
            self._reaching = []
        self._reaching.append((seq, waiter))
        return waiter

    def release_reached(self) -> None:
        """The room's numbering moved without its events (a resync), or the
        room went: fire every waiter, since no event will now."""
        self._reach(math.inf)

    def _reach(self, upto: float) -> None:
        """Fire the waiters for events up to ``upto``; keep the others."""
        waiting, self._reaching = self._reaching or (), None
        for seq, waiter in waiting:
            if seq > upto:
                if self._reaching is None:
                    self._reaching = []
                self._reaching.append((seq, waiter))
            elif not waiter.called:  # not one that gave up (its timeout)
                waiter.callback(None)

    def when_subscribed(self) -> Deferred[None]:
        if self.subscribed:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        if self._subscribers is None:
            self._subscribers = []
        self._subscribers.append(waiter)
        return waiter

    def subscription_done(self, error: ChatError | None) -> None:
        self.subscribed = error is None
        waiters, self._subscribers = self._subscribers or (), None
        for waiter in waiters:
            if error is None:
                waiter.callback(None)
            else:
                waiter.errback(error)


#: A room's logged events after its newest one here (``seq event`` each).
LogReader = Callable[[NodeRoom], Coroutine[Any, Any, list[bytes]]]


def _rooms(places: NodeRoom | tuple[NodeRoom, ...] | None) -> tuple[NodeRoom, ...]:
    """A member's entry in :attr:`NodeRooms.places` as a tuple of its rooms."""
    if places is None:
        return ()
    return places if isinstance(places, tuple) else (places,)


class NodeRooms:
    """The rooms that have members on this node, and which members are where.

    A room's channel is subscribed while the room is here (it has members,
    or joins are waiting for Redis) and unsubscribed once it is idle.
    """

    log = Logger()

    def __init__(
        self,
        channel_of: Callable[[str], bytes],
        subscribe: Callable[[bytes], Coroutine[Any, Any, None]],
        unsubscribe: Callable[[bytes], None],
        listing: Callable[[], Coroutine[Any, Any, Listing]],
        session: Callable[[str], Member | None],
        log_after: LogReader | None = None,
    ) -> None:
        #: A room's channel, by its key (``ClusterConfig.room_channel``).
        self.channel_of = channel_of
        #: This node's session of a token (None: not one of this node's),
        #: what a kick's entry names (:meth:`kicked_by`).
        self.session = session
        self.rooms: dict[str, NodeRoom] = {}
        #: A member's room here, or its rooms in a tuple once it is in more
        #: than one (:meth:`rooms_here` reads either): most members are in
        #: one room, and a tuple of one is 48 bytes more per member (a set
        #: or dict of one, 200).
        self.places: dict[Member, NodeRoom | tuple[NodeRoom, ...]] = {}
        self._by_channel: dict[bytes, NodeRoom] = {}
        self._subscribe = subscribe
        self._unsubscribe = unsubscribe
        self._listing = listing
        #: A room's logged events after a sequence number (``LOG_AFTER``).
        self._log_after = log_after
        #: Room events held while the node resumes (None: not holding). Only
        #: those after what the resume fetches are needed, so the oldest go
        #: first if a long outage under traffic overfills it.
        self._held: deque[tuple[bytes, bytes]] | None = None
        self.news = NewsDesk()
        #: What each room calls for a kick: one bound method for all of
        #: them, not one made per room.
        self._kicked_by: KickHandler = self.kicked_by
        #: With cluster search (``--search-db``), the keys of the rooms whose
        #: events came since the search index last took them: the rooms it
        #: catches up in the background (its ``ClusterSearch.heard``).
        self.heard: set[str] | None = None
        #: What a subscribed channel's message that is no room's goes to
        #: (the node's own channel, the room list's, the watchers'): the
        #: subscriber link hands every message here first, since nearly
        #: all are a room's (one call fewer for each than a dispatcher
        #: before this).
        self.elsewhere: Callable[[bytes, bytes], None] = lambda channel, data: None
        #: What the core hears of a room's rename and of a departure another
        #: node decided (its calls follow them), once the node started.
        self.reports: Reports | None = None

    def get(self, key: str) -> NodeRoom | None:
        return self.rooms.get(key)

    def _heard(self, room: NodeRoom) -> None:
        """Room ``room`` had events: the search index catches it up next."""
        if self.heard is not None:
            self.heard.add(room.key)

    def open(self, key: str, name: str) -> NodeRoom:
        """Room ``key`` here, subscribing to its channel if it is new."""
        room = self.rooms.get(key)
        if room is None:
            # Interned, as its seating's and its list entry's are: one string
            # each for the three (a node keeps them for most rooms it has).
            key, name = intern(key), intern(name)
            channel = self.channel_of(key)
            room = NodeRoom(key, name, channel, self.news, self._kicked_by)
            self.rooms[key] = room
            self._by_channel[channel] = room
            subscribing = defer.ensureDeferred(self._subscribe(channel))
            subscribing.addCallbacks(
                lambda _: room.subscription_done(None),
                lambda failure: room.subscription_done(errors.unavailable()),
            )
        return room

    @contextmanager
    def kept(self, room: NodeRoom) -> Iterator[None]:
        """Room ``room`` stays here while a member's step on it runs (the
        member detached from it, or not seated yet), then goes if idle."""
        room.entering += 1
        try:
            yield
        finally:
            room.entering -= 1
            if not room.entering:  # no step left to replay them to
                room.recent = None
            self.forget_if_idle(room)

    def forget_if_idle(self, room: NodeRoom) -> None:
        if room.idle and self.rooms.get(room.key) is room:
            self._drop(room)

    def _drop(self, room: NodeRoom) -> None:
        del self.rooms[room.key]
        del self._by_channel[room.channel]
        self._unsubscribe(room.channel)

    def channels(self) -> list[bytes]:
        return [room.channel for room in self.rooms.values()]

    def joined_room(self, member: Member, name: str) -> NodeRoom:
        """The local room ``name``, which ``member`` must be in."""
        room = self.rooms.get(name_key(name))
        places = self.places.get(member)
        # is_in, inline: every message a member says comes through here
        if room is None or not (
            places is room or (places.__class__ is tuple and room in places)
        ):
            raise errors.not_in_room()
        return room

    def is_in(self, member: Member, room: NodeRoom) -> bool:
        places = self.places.get(member)
        return places is room or (places.__class__ is tuple and room in places)

    def rooms_here(self, member: Member) -> tuple[NodeRoom, ...]:
        """``member``'s rooms here, oldest first."""
        return _rooms(self.places.get(member))

    def seat(self, member: Member, room: NodeRoom, since: int) -> None:
        """``member`` is in ``room`` from event ``since`` on."""
        places = self.places.get(member)
        if places is None:
            self.places[member] = room
        elif places is not room:
            rooms = _rooms(places)
            if room not in rooms:
                self.places[member] = (*rooms, room)
        room.attach(member, since)

    def seat_after(self, member: Member, room: NodeRoom, mark: int) -> list[Event]:
        """``member`` is in ``room`` from event ``mark`` on, as a step
        answered: the events after it that came already, which it is to be
        handed once its join reply is shown, and those after them as they
        come."""
        followed = room.received(member, mark)
        self.seat(member, room, max(mark, room.seq))
        return followed

    def unseat(self, member: Member, room: NodeRoom) -> None:
        """``member`` has left ``room`` (already detached from its events)."""
        room.unhush(member)
        self._take_out(member, room)
        self.forget_if_idle(room)

    def _take_out(self, member: Member, room: NodeRoom) -> None:
        places = self.places.get(member)
        if places is room or places is None:  # its one room: the usual case
            self.places.pop(member, None)
            return
        rest = tuple(r for r in _rooms(places) if r is not room)
        if len(rest) > 1:
            self.places[member] = rest
        elif rest:
            self.places[member] = rest[0]
        else:
            self.places.pop(member, None)

    def release(self, member: Member) -> None:
        """A departing member: out of every room here."""
        for room in _rooms(self.places.pop(member, None)):
            room.detach(member)
            room.unhush(member)
            self.forget_if_idle(room)

    # -- losing Redis and resuming ----------------------------------------------

    def hold(self) -> None:
        """A link dropped: nothing can be entered, and room events are held
        until the resume has fetched what was missed, so everything is
        delivered in order."""
        if self._held is None:
            self._held = deque(maxlen=HELD_EVENTS)
        # A copy: a join refused here may close its room (forget_if_idle).
        for room in list(self.rooms.values()):
            room.subscription_done(errors.unavailable())

    def held_rooms(
        self, permanent: Sequence[str], capacity: int, now: float
    ) -> list[HeldRoom]:
        """The rooms a resume makes Redis agree with: every room here and
        every permanent one, with the incarnation and event this node saw
        last, and ``now``, the time a room missing from Redis is made at."""
        wanted = {name_key(name): (name, "1") for name in permanent}
        for room in self.rooms.values():
            wanted.setdefault(room.key, (room.name, "0"))
        rows: list[HeldRoom] = []
        for key, (name, is_permanent) in wanted.items():
            here = self.rooms.get(key)
            seen = (here.incarnation, here.seq) if here is not None else ("", 0)
            made = new_incarnation()
            rows.append(
                HeldRoom(key, name, is_permanent, capacity, made, *seen, int(now))
            )
        return rows

    def resumed(self, rows: list[list[Any]]) -> None:
        """Redis agrees again: per room (key, incarnation, seq, missed), the
        missed events are delivered in order, or, if they are gone, members
        hear ``GAP``; then the events held meanwhile follow."""
        for key, incarnation, seq, missed in rows:
            room = self.rooms.get(key.decode())
            if room is None:
                continue
            if incarnation is None or seq is None:
                self.vanished(room)
                continue
            self.log.info(
                "room {room}: event {old} of {old_incarnation} before, "
                "{new} of {new_incarnation} now; {fetched}",
                room=room.name,
                old=room.seq,
                old_incarnation=room.incarnation,
                new=int(seq),
                new_incarnation=incarnation.decode(),
                fetched="missed events fetched"
                if isinstance(missed, list)
                else "missed events are gone",
            )
            if isinstance(missed, list) and int(seq) < room.seq:
                self.log.warn(
                    "room {room}: Redis came back {count} events behind this "
                    "node (a failover to a replica they had not reached?): "
                    "their numbers and ids are passed over",
                    room=room.name,
                    count=room.seq - int(seq),
                )
            if isinstance(missed, list):
                self.caught_up(room, missed)
            else:
                self.resynced(room, incarnation.decode(), int(seq))
        self.release_held()
        # A copy: a join answered here may close its room, or open another.
        for room in list(self.rooms.values()):
            room.subscription_done(None)

    def release_held(self) -> None:
        """The resume is done: deliver the events held meanwhile (those the
        resume already delivered are skipped by their sequence numbers)."""
        held, self._held = self._held or (), None
        for channel, message in held:
            self.on_message(channel, message)

    def on_message(self, channel: bytes, message: bytes) -> bool:
        """One message of a room channel (``seq line``); False if not ours
        (then handed to :attr:`elsewhere`)."""
        room = self._by_channel.get(channel)
        if room is None:
            self.elsewhere(channel, message)
            return False
        if self._held is not None:
            self._held.append((channel, message))
            return True
        if room.moving is not None:
            room.moving.append(message)
            return True
        self._take(room, message)
        return True

    def _take(self, room: NodeRoom, message: bytes) -> None:
        """One entry of the room's (``seq event``), delivered, and what it
        means for the room here followed (most events, a join among them,
        mean nothing more: one look at their type)."""
        if self.heard is not None:  # _heard's, here for every event
            self.heard.add(room.key)
        seq_text, _, data = message.partition(b" ")
        event = room.deliver(int(seq_text), data)
        if type(event) not in _FOLLOWED:
            return
        if isinstance(event, RoomDeleted):
            self._gone(room, event)
        elif isinstance(event, Departure):
            self._out_by_another_node(room, event.user)
        elif isinstance(event, RoomRenamed):
            self.renamed(room, event)

    def renamed(self, room: NodeRoom, renamed: RoomRenamed) -> None:
        """The room is called ``renamed.new`` (its members here heard it,
        each seat re-keyed): it is kept under its new key, and its events
        come on the new name's channel, subscribed now. What that channel
        brought before the subscription took is read from the room's log,
        then what it brought meanwhile, in order, so nothing is lost or
        shown twice (sequence numbers go on across the rename)."""
        new_key = name_key(renamed.new)
        room.name, room.seated, room.speaking = renamed.new, None, None
        if new_key == room.key or room.gone:  # its case alone: the same keys
            return
        if self.reports is not None:
            self.reports.room_renamed(room.key, new_key)
        if self.rooms.get(room.key) is room:
            del self.rooms[room.key]
        self._by_channel.pop(room.channel, None)
        self._unsubscribe(room.channel)
        room.key, room.channel = new_key, self.channel_of(new_key)
        self.rooms[new_key] = room
        self._by_channel[room.channel] = room
        room.moving, room.subscribed = [], False
        moving = defer.ensureDeferred(self._move(room))
        moving.addErrback(lambda failure: self._moved(room, [], failure))

    async def _move(self, room: NodeRoom) -> None:
        """Subscribe to ``room``'s new channel, then catch up from its log."""
        await self._subscribe(room.channel)
        if self.rooms.get(room.key) is not room:
            return  # gone from here meanwhile (and unsubscribed: _drop)
        missed = [] if self._log_after is None else await self._log_after(room)
        self._moved(room, missed, None)

    def _moved(self, room: NodeRoom, missed: list[bytes], failure: Any) -> None:
        """The move is done (``failure``: it failed, and a resume will
        catch the room up): the missed events, then those held."""
        if failure is not None and failure.check(ChatError):
            # Redis out of reach, or this node resuming (serving nothing
            # meanwhile): what follows, not a fault of the move's.
            self.log.info(
                "room {room}: moved to its new channel; the resume reads "
                "what it missed",
                room=room.name,
            )
        elif failure is not None:
            self.log.failure(
                "room {room}: moving to its new channel", failure, room=room.name
            )
        held, room.moving = room.moving or [], None
        for message in [*missed, *held]:  # those seen already are skipped
            if room.moving is None and not room.gone:  # not moved on again
                self._take(room, message)
            elif room.moving is not None:
                room.moving.append(message)
        room.subscription_done(None if failure is None else errors.unavailable())

    def _out_by_another_node(self, room: NodeRoom, name: str) -> None:
        """``name`` left the room (or was kicked) by its account's device on
        another node: its seat here is out of it too (its devices get
        ``LEFT``). On the node that acted it was out before the event."""
        for member in [m for m in room.members if m.name == name]:
            room.detach(member)
            self.unseat(member, room)
            deliver_to(member, LeftElsewhere(room.name))
            self._back_to_lobby([member], room.name)
            if self.reports is not None:
                self.reports.departed_elsewhere(room.key, name)

    def deleted(self, room: NodeRoom, seq: int, data: bytes) -> None:
        """The room's deletion (event ``seq``), which this node's member made:
        its members here back to the lobby."""
        self._heard(room)
        if not room.gone:
            event = room.deliver(seq, data)
            self._gone(room, event if isinstance(event, RoomDeleted) else None)

    def _gone(self, room: NodeRoom, deletion: RoomEvent | None) -> None:
        """The room was deleted (every member here has had ``deletion``):
        its members here back to the lobby."""
        if room.gone:
            return
        room.farewell = () if deletion is None else (deletion,)
        self.close(room, [])

    def vanished(self, room: NodeRoom) -> None:
        """Redis lost the room while we were away: tell its members, close it."""
        self._heard(room)
        room.farewell = (RoomNotice(room.name, ROOM_LOST), LeftElsewhere(room.name))
        self.close(room, room.farewell)

    def close(self, room: NodeRoom, farewell: Sequence[Event]) -> None:
        """Tell ``room``'s members ``farewell``, then return them to the lobby
        with a room list."""
        room.gone = True
        room.release_reached()
        members = list(room.members)
        room.members.clear()
        if self.rooms.get(room.key) is room:
            self._drop(room)
        for member in members:
            self._take_out(member, room)
            for event in farewell:
                deliver_to(member, event)
        self._back_to_lobby(members, room.name)

    def kicked_by(self, room: NodeRoom, seq: int, token: str, event: Event) -> None:
        """Event ``seq`` of ``room``, a kick's departure, names session
        ``token``: if that is this node's and still in the room (not come
        back since), it gets ``Kicked`` (what the kicker's node made of the
        same departure: :func:`chatroom.core.policy.moderation.decide`'s
        ``outcome.kicked``) instead, and is back in the lobby with the room
        list, before the room's other members are handed the departure."""
        member = self.session(token)
        if member is None or room.members.get(member, seq) >= seq:
            return
        if not isinstance(event, Departure):
            return
        room.detach(member)
        deliver_to(
            member, Kicked(event.room, event.by, event.reason, account=event.account)
        )
        self.unseat(member, room)
        self._back_to_lobby([member], room.name)
        if self.reports is not None:
            self.reports.departed_elsewhere(room.key, event.user)

    def _back_to_lobby(self, members: list[Member], room: str) -> None:
        """Tell ``members`` they are out of ``room``, with the room list."""
        listing = defer.ensureDeferred(self._listing())

        def back_to_lobby(result: Listing | None) -> None:
            public = None if result is None else result.public()
            for member in members:
                member.removed(room, public)

        listing.addErrback(lambda failure: None)
        listing.addCallback(back_to_lobby)

    def caught_up(self, room: NodeRoom, missed: list[bytes]) -> None:
        """After a resume: the room's events this node missed, fetched from
        Redis (``seq event`` each), delivered in order as if they had come."""
        if missed:
            self._heard(room)
        for message in missed:
            seq_text, _, data = message.partition(b" ")
            room.deliver(int(seq_text), data)

    def resynced(self, room: NodeRoom, incarnation: str, seq: int) -> None:
        """After a resume whose missed events are gone from Redis: the room is
        at ``seq`` of ``incarnation``; its members are told ``GAP`` (with
        the count when the room is the same one) and the notice."""
        self._heard(room)
        if (incarnation, seq) != (room.incarnation, room.seq):
            same = incarnation == room.incarnation and seq > room.seq
            room.tell(Gap(room.name, str(seq - room.seq) if same else "?"))
            room.tell(maybe_missed(room.name))
        room.incarnation, room.seq = incarnation, seq
        room.release_reached()
        room.recent = None
        for member in room.members:
            room.members[member] = seq
        room.latest_since = seq
