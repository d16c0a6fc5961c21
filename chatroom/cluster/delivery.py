"""A node's part of one room: which of its members get which of the room's events.

Room events reach a node once, on the room's Redis channel, as numbered
protocol lines. A :class:`LocalRoom` parses each line once into an
:class:`~chatroom.events.Event` and hands that one object to every local
member that should see it, so each door renders it once per node.
"""

from __future__ import annotations

from collections import deque

from twisted.internet import defer
from twisted.internet.defer import Deferred

from chatroom.errors import ChatError
from chatroom.events import Event, from_line
from chatroom.registry import Member

#: Events a node keeps per room, to hand to a member whose join (or leave)
#: was answered after some of the room's later events had already arrived.
RECENT_EVENTS = 1024

MAYBE_MISSED = "messages may have been missed: this server lost touch with the cluster"


def maybe_missed(room: str) -> Event:
    return Event("NOTICE", (room,), MAYBE_MISSED)


class LocalRoom:
    """This node's part of one room: its local members and the room's events.

    Every member has a *since*: the sequence number of the room's state it
    was shown on joining (its welcome). Events arrive in sequence order and
    each member gets only those after its *since*, so a joiner neither
    misses nor repeats anything around its join, although the join's reply
    and the room's events come over different connections to Redis.
    """

    def __init__(self, key: str, name: str, channel: bytes) -> None:
        self.key = key
        self.name = name
        self.channel = channel
        self.members: dict[Member, int] = {}
        self.seq = 0  # the newest event received
        self.incarnation = ""  # changes if the room is created anew
        self.recent: deque[tuple[int, Event]] = deque(maxlen=RECENT_EVENTS)
        self.entering = 0  # joins and creates still waiting for Redis
        self.subscribed = False
        self.gone = False
        self.farewell: list[Event] = []  # what members were told when it went
        self._subscribers: list[Deferred[None]] = []

    def __repr__(self) -> str:
        return f"<LocalRoom {self.name!r} local members={len(self.members)}>"

    @property
    def idle(self) -> bool:
        return not self.members and not self.entering

    def deliver(self, seq: int, data: bytes) -> Event | None:
        """One event line from the room's channel, to every member that
        should see it; returns the event (None if it was old news)."""
        if seq <= self.seq:
            return None  # older than what a resume already accounted for
        event = from_line(data)
        self.seq = seq
        self.recent.append((seq, event))
        for member, since in self.members.items():
            if seq > since:
                member.deliver(event)
        return event

    def tell(self, event: Event) -> None:
        """An event of this node's own (a notice) to every local member."""
        for member in self.members:
            member.deliver(event)

    def attach(self, member: Member, since: int) -> None:
        """Start delivering to ``member`` the events after ``since``."""
        self.replay(member, since)
        self.members[member] = since

    def detach(self, member: Member) -> int:
        """Stop delivering to ``member``; return the last event it was sent."""
        since = self.members.pop(member, self.seq)
        return max(since, self.seq)

    def replay(self, member: Member, after: int, before: int = 0) -> None:
        """Send ``member`` the received events after ``after`` (and before
        ``before``, if given), noting if some already fell out of ``recent``."""
        last = self.seq if not before else min(self.seq, before - 1)
        if last <= after:
            return
        if not self.recent or self.recent[0][0] > after + 1:
            member.deliver(maybe_missed(self.name))
        for seq, event in self.recent:
            if after < seq and (not before or seq < before):
                member.deliver(event)

    def when_subscribed(self) -> Deferred[None]:
        if self.subscribed:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        self._subscribers.append(waiter)
        return waiter

    def subscription_done(self, error: ChatError | None) -> None:
        self.subscribed = error is None
        waiters, self._subscribers = self._subscribers, []
        for waiter in waiters:
            if error is None:
                waiter.callback(None)
            else:
                waiter.errback(error)
