"""Handing one event to many members, so that one broken member spoils nothing.

Every fan-out of both back-ends (a room's broadcast, a node's share of a
room's events, an announcement) goes through :func:`fan_out`. A member whose
``deliver`` raises is a bug in its door, not in the event: like Twisted
words' ``Group``, the failure is logged, that member alone is disconnected,
every other member still gets the event, and the sender hears no error.

It is also where the core keeps an event to the members it is for, once per
event rather than in every door: a message to a room's operators reaches
its audience alone, and a typing notice or a tags-only message everyone
but its author.

A room keeps its members in an :class:`Audience`, which keeps their bound
``deliver`` methods in a list between events: a room's fan-out then calls
each one without reading its member first. Under load, with a thousand
connections' objects out of the processor's cache, each object a delivery
reads is a cache miss; reading the seat for its ``deliver`` made a room's
fan-out loop 3 times cf6c44a's (which called its protocols' methods) and
held the line door's peak to 0.8 times cf6c44a's (docs/performance.md).

A message (:class:`~chatroom.core.model.events.Message`), the event a room
hands out most, goes further: most members take one by others as its
bytes written to their send queue (their
:meth:`~chatroom.core.model.member.Member.message_writer`), so the Audience
also keeps, per rendering, the list of those queues' ``write``
(:class:`MessagePlan`). The message is rendered once per rendering and
each member costs one call, its queue's ``write``: no ``deliver``, no
look at the event. Its author's own seat, and every member without a
writer (several devices, a door that looks at each event), still get
it through ``deliver``. Against the kept ``deliver`` methods alone, that
raised the IRC door's ceiling from 1.5 to 2.0 M deliveries/s and the
line door's from 3.0 to 3.5 M/s on one machine (docs/performance.md).

A room's other events (a join, a departure, a topic) go the same way
to the members whose writer takes every event so (the line door's:
:attr:`~chatroom.core.model.member.MessageWriter.every_event`): rendered once
per rendering and written to each (:class:`EventPlan`), the others
through their ``deliver``. A join into a room of 1,000 is told to up to
999 members; calling each one's ``deliver`` to look the rendering up
again was most of the Python a join cost in a storm into such rooms.

A room's plans are kept while it talks, and let go once it has said
nothing for a while (:func:`forget_idle_plans`, every :data:`PLAN_IDLE`
seconds): a node of a crowd in rooms of 100 over 56 nodes holds as many
rooms as connections, each with a message every few minutes, and their
kept plans were a kilobyte each. Made again at the next message, for
one or two members here, in microseconds.

Under load a room says several messages in one reactor turn: a member's
send queue then takes the turn's messages after the first as one
:class:`~chatroom.core.model.runs.Run`, handed to it at the room's second
message of the turn, and each later message is one append to the run
for all of them (:mod:`chatroom.core.model.runs` says how order is kept). That
held the IRC door at 3.0 M deliveries/s, where it had held 2.5.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, Self, TypeVar

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.model import runs
from chatroom.core.model.events import (
    Encoder,
    Event,
    Message,
    OperatorMessage,
    TagMessage,
    Typing,
)
from chatroom.core.model.member import Member, MessageWriter
from chatroom.core.model.runs import Run
from chatroom.core.model.text import name_key

log = Logger()

#: What a member whose delivery failed is told as it is disconnected.
DELIVERY_FAILED = "internal error delivering an event"
#: Events that go to some of a room's members only (:func:`recipients`).
_NARROWED = (OperatorMessage, Typing, TagMessage)

#: What an :class:`Audience` keeps of each member: its ``deliver``.
Deliver = Callable[[Event], None]
#: A send queue's ``write``, which a :class:`MessagePlan` keeps.
Write = Callable[[bytes], None]

#: Counts the members whose ``deliver`` was replaced (:func:`redirected`):
#: every Audience's kept list from before is stale.
_redirections = 0


def redirected() -> None:
    """A member's ``deliver`` is now another callable (a seat that gained
    or lost a device), or its :meth:`~chatroom.core.model.member.Member.message_writer`
    would answer otherwise (a rename, another rendering): every
    :class:`Audience` reads its members again before its next event. Rare
    (a device signing on or off, a rename, capabilities changed), so one
    count for all rather than a list of the rooms each member is in."""
    global _redirections
    _redirections += 1


V = TypeVar("V")
#: A room's plan of how its members take an event (a message, or any other).
_Plan = TypeVar("_Plan", "MessagePlan", "EventPlan")


#: An Audience's ``_made_at`` when a member went: its list is out of date.
_STALE = -1

#: Seconds a room's plans are kept unused at least, and twice that at most,
#: before they go (:class:`IdlePlans`).
PLAN_IDLE = 10.0

#: The period (:func:`forget_idle_plans`) the plans are in, the Audiences
#: that used theirs in it, and those that did in the one before.
_period = 0
_used: list[Audience[Any]] = []
_kept: list[Audience[Any]] = []


def forget_idle_plans() -> None:
    """A period is over: every Audience that used its plans in the one
    before but not in this one lets them go (its plans, and its list of
    its members' ``deliver``), to be made again at its next event.

    In a crowd in rooms of 100 spread over 56 nodes, a node holds as many
    rooms as connections, and each room it has had a message in kept its
    :class:`MessagePlan` (1.1 KiB traced with one member here, a line
    client) for good, though such a room says something every few minutes:
    most of the plans a node held were for rooms that would make them again
    in a few microseconds at their next message. A room that talks keeps
    its plans (its use is noted at the first of each period, one
    comparison a message); one that stopped lets them go after one to two
    periods. Only the Audiences used in the last period are looked at,
    not every room. They are kept in a list, not by weak reference (a
    weak reference would cost each Audience a slot, and each one listed
    an object): a room gone from its node stays listed until the next
    sweep or two, its plans already let go with its last member, and a
    process that never sweeps (a unit test) lists each Audience once."""
    global _period, _used, _kept
    period = _period
    for audience in _kept:
        if audience._period != period:  # unused in the period just over
            audience._forget()
    _kept, _used = _used, []
    _period = period + 1


class IdlePlans:
    """Calls :func:`forget_idle_plans` every ``period`` seconds of
    ``clock``, from :meth:`check`, which the node's reactor-lag sampler
    calls among its chores, at most ten times a second at the end of a
    turn: no timer of its own."""

    def __init__(self, clock: IReactorTime, period: float = PLAN_IDLE) -> None:
        self.clock = clock
        self.period = period
        self._due = clock.seconds() + period

    def check(self) -> None:
        now = self.clock.seconds()
        if now >= self._due:
            self._due = now + self.period
            forget_idle_plans()


class Audience(dict[Member, V]):
    """A room's members (member → what the room keeps of it), and each
    member's ``deliver``, kept in a list from one event to the next and
    read again after a member leaves or is :func:`redirected`.

    A dict, so a room reads and changes its members as before; every
    method that changes it says so here: a member added is appended to the
    kept list (in the dict's order), any other change marks it out of
    date and lets its plans go. The list is made at the first event after
    the Audience is made or its plans went (None till then: most rooms a
    node holds are quiet, and an empty list is 56 bytes each), and then
    brought up to date in place, not made anew, so a room read again after
    every change of devices makes no new list.
    """

    __slots__ = ("_delivers", "_events", "_made_at", "_period", "_plan")

    def __init__(self) -> None:
        super().__init__()
        self._delivers: list[Deliver] | None = None
        self._made_at = _STALE
        #: How its members take a message, and any other event, each made
        #: at the first one after a change, or after they went unused for
        #: a while (None: not made since; :func:`forget_idle_plans`).
        self._plan: MessagePlan | None = None
        self._events: EventPlan | None = None
        #: The last period its plans were used in (:func:`forget_idle_plans`).
        self._period = -1

    def delivers(self) -> list[Deliver]:
        """Each member's ``deliver``, in the members' order."""
        delivers = self._delivers
        if delivers is None or self._made_at != _redirections:
            return self._update()
        return delivers

    def message_plan(self) -> MessagePlan:
        """How each member takes a message: kept from one message to the
        next, made again after a member left or was redirected."""
        delivers = self.delivers()
        if self._plan is None:
            self._plan = self._planned(MessagePlan(), delivers)
        if self._period != _period:  # its first this period: noted as used
            self._note_use()
        return self._plan

    def event_plan(self) -> EventPlan:
        """How each member takes any other event: kept as the message
        plan is."""
        delivers = self.delivers()
        if self._events is None:
            self._events = self._planned(EventPlan(), delivers)
        if self._period != _period:
            self._note_use()
        return self._events

    def _note_use(self) -> None:
        self._period = _period
        _used.append(self)

    def _forget(self) -> None:
        """Its plans, and its list of ``deliver``, go until its next event:
        unused for a while, or out of date (a member went), so that no plan
        keeps a member that left (an Audience is kept among those used in
        the last period, :func:`forget_idle_plans`, after its room went)."""
        self._plan = self._events = self._delivers = None
        self._made_at = _STALE

    def _planned(self, plan: _Plan, delivers: list[Deliver]) -> _Plan:
        """``plan`` with each member added, in the members' order."""
        for member, deliver in zip(self, delivers, strict=True):
            plan.add(member, deliver)
        return plan

    def _update(self) -> list[Deliver]:
        delivers = self._delivers
        if delivers is None:
            delivers = self._delivers = []
        kept = len(delivers)
        for index, member in enumerate(self):
            if index < kept:
                delivers[index] = member.deliver
            else:
                delivers.append(member.deliver)
        del delivers[len(self) :]
        self._made_at = _redirections
        self._plan = self._events = None
        return delivers

    def __setitem__(self, member: Member, value: V) -> None:
        delivers = self._delivers
        if (
            delivers is not None
            and self._made_at == _redirections
            and member not in self
        ):
            deliver = member.deliver
            delivers.append(deliver)
            if self._plan is not None:
                self._plan.add(member, deliver)
            if self._events is not None:
                self._events.add(member, deliver)
        super().__setitem__(member, value)

    def __delitem__(self, member: Member) -> None:
        self._forget()
        super().__delitem__(member)

    def pop(self, member: Member, *default: Any) -> Any:
        self._forget()
        return super().pop(member, *default)

    def popitem(self) -> tuple[Member, V]:
        self._forget()
        return super().popitem()

    def clear(self) -> None:
        self._forget()
        super().clear()

    def setdefault(self, member: Member, default: Any = None) -> Any:
        if member not in self:
            self[member] = default
        return self[member]

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._forget()
        super().update(*args, **kwargs)

    # No override of a dict's __ior__ type-checks: mypy wants it overloaded
    # as __or__ is and as wide as dict's own, which differ (typeshed's dict
    # carries the same ignore on its __ior__).
    def __ior__(self, other: Any) -> Self:  # type: ignore[misc,override]
        self._forget()
        return super().__ior__(other)


class MessagePlan:
    """How an :class:`Audience`'s members take a message
    (:meth:`Audience.message_plan`).

    ``renderings`` holds, per rendering, the members that take a message
    as its bytes (their :class:`~chatroom.core.model.member.MessageWriter`):
    each send queue that takes a turn's messages as one shared
    :class:`~chatroom.core.model.runs.Run`, and the ``write`` of any other;
    ``authors`` where each of those is, by name, so that its own messages
    skip it and go through its ``deliver``; ``delivers`` the ``deliver``
    of every other member.
    """

    __slots__ = ("authors", "delivers", "renderings")

    def __init__(self) -> None:
        self.renderings: dict[Encoder, Rendering] = {}
        self.authors: dict[str, Author] = {}
        self.delivers: list[Deliver] = []

    def add(self, member: Member, deliver: Deliver) -> None:
        """``member`` (whose kept ``deliver`` is ``deliver``) takes messages too."""
        writer = member.message_writer()
        if writer is None:
            self.delivers.append(deliver)
            return
        rendering = self.renderings.get(writer.encoder)
        if rendering is None:
            rendering = self.renderings[writer.encoder] = Rendering()
        at = len(rendering.writes)
        rendering.writes.append(writer.write)
        queue = writer.queue
        if queue is None:
            position = len(rendering.plain)
            rendering.plain.append(writer.write)
        else:
            position = len(rendering.joins)
            rendering.joins.append(queue.join)
            run = rendering.run
            if run is not None and run.open:  # came in mid-turn: what follows
                run.stragglers.append(writer.write)
        self.authors[writer.name] = Author(rendering, at, position, deliver, writer)


class EventPlan:
    """How an :class:`Audience`'s members take an event other than a
    message (:meth:`Audience.event_plan`): ``writes``, per rendering, the
    ``write`` of each member whose writer takes every event as its bytes;
    ``delivers`` the ``deliver`` of every other member.

    Most rooms a node holds have one or two members on it (a crowd in
    rooms of 100 over 56 nodes), and each keeps its plan: the renderings
    (few, one per door at most) are pairs in a tuple, not a dict (a dict
    of one costs 280 bytes, the tuple 104 with its pair), and the
    ``delivers`` list is made with its first member."""

    __slots__ = ("delivers", "writes")

    def __init__(self) -> None:
        self.writes: tuple[tuple[Encoder, list[Write]], ...] = ()
        self.delivers: list[Deliver] | tuple[()] = ()

    def add(self, member: Member, deliver: Deliver) -> None:
        """``member`` (whose kept ``deliver`` is ``deliver``) takes events too."""
        writer = member.message_writer()
        if writer is None or not writer.every_event:
            if not self.delivers:
                self.delivers = [deliver]
            else:
                self.delivers.append(deliver)
            return
        encoder = writer.encoder
        for kept, writes in self.writes:
            if kept == encoder:
                writes.append(writer.write)
                return
        self.writes = (*self.writes, (encoder, [writer.write]))


class Rendering:
    """The members of an Audience that take a message in one rendering.

    ``writes`` holds every one's ``write``, for the turn's first message
    (written to each, as a lone message costs least that way); ``joins``
    the ``join`` of each send queue that then takes the turn's later
    messages as the shared ``run`` (:mod:`chatroom.core.model.runs`), and
    ``plain`` the ``write`` of each member whose writer names no queue,
    written every message.
    """

    __slots__ = ("joins", "plain", "run", "turn", "unheld", "writes")

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.joins: list[Callable[[Run], None]] = []
        self.plain: list[Write] = []
        self.run: Run | None = None
        #: The turn (:data:`chatroom.core.model.runs.turns`) of its last message
        #: written to each, and the last turn in which no queue held a run.
        self.turn = -1
        self.unheld = -1


class Author(NamedTuple):
    """Where a member is in its :class:`Rendering` (``at`` in ``writes``;
    ``position`` in ``joins`` if its writer names a queue, else in
    ``plain``), for its own messages, which go to its ``deliver`` instead."""

    rendering: Rendering
    at: int
    position: int
    deliver: Deliver
    writer: MessageWriter


def recipients(members: Iterable[Member], event: Event) -> Iterable[Member]:
    """Those of ``members`` that ``event`` is for: a message to a room's
    owner and operators (:mod:`chatroom.core.messages.operator_messages`) is for
    its audience alone, a typing notice or a tags-only message
    (:mod:`chatroom.core.messages.tagmessages`) for all but its author's seat;
    every other event for every member (``members`` itself, unfiltered)."""
    if not isinstance(event, _NARROWED):
        return members
    if isinstance(event, OperatorMessage):
        audience = event.audience
        return [m for m in members if m.name and name_key(m.name) in audience]
    author = event.user
    return [m for m in members if m.name != author]


def fan_out(members: Iterable[Member], event: Event) -> None:
    """``event`` to every one of ``members``; those that fail are dropped.

    The members that failed are disconnected after the loop, so ``members``
    (often a room's own dict) never changes while it is iterated. The
    ``try`` costs nothing on the hot path (exceptions are zero-cost until
    raised). An event for some members only (:func:`recipients`) goes to
    those alone, checked once per event before the loop; an event for
    every member of an :class:`Audience` goes through its kept list.
    """
    if type(members) is Audience:
        if type(event) is Message:
            failed = _write_message(members, event)
        elif isinstance(event, _NARROWED):
            failed = _deliver_each(recipients(members, event), event)
        else:
            failed = _write_event(members, event)
    else:
        failed = _deliver_each(recipients(members, event), event)
    if failed is not None:
        for member in failed:
            drop(member)


def _deliver_each(members: Iterable[Member], event: Event) -> list[Member] | None:
    """``event`` to each of ``members``; those whose ``deliver`` raised."""
    failed: list[Member] | None = None
    for member in members:
        try:
            member.deliver(event)
        except Exception:
            _failed(member, event)
            if failed is None:
                failed = []
            failed.append(member)
    return failed


def _write_message(members: Audience[Any], event: Message) -> list[Member] | None:
    """A message to an Audience, by its :class:`MessagePlan`: rendered
    once per rendering and written to each member that takes its bytes
    (or appended to the rendering's run), but for its author, then handed
    to its author and every other member."""
    plan = members.message_plan()
    author = plan.authors.get(event.user)
    failed = None
    for encoder, rendering in plan.renderings.items():
        data = event.encoded(encoder)
        own = author if author is not None and author.rendering is rendering else None
        run = rendering.run
        if (run is None or not run.open) and (
            (turn := runs.turns) != rendering.turn or rendering.unheld == turn
        ):
            rendering.turn = turn  # the turn's first: to each, no run made
            at = None if own is None else own.at
            failed = _hand_to_all_but(
                at, rendering.writes, data, members, event, failed
            )
            continue
        failed = _by_run(rendering, data, own, members, event, failed)
        if rendering.plain:
            at = None if own is None or own.writer.queue is not None else own.position
            failed = _hand_to_all_but(at, rendering.plain, data, members, event, failed)
    if author is not None:
        failed = _hand_to(
            (author.deliver,), event, members, _deliverer_of, event, failed
        )
    return _hand_to(plan.delivers, event, members, _deliverer_of, event, failed)


def _write_event(members: Audience[Any], event: Event) -> list[Member] | None:
    """An event other than a message to an Audience, by its
    :class:`EventPlan`: rendered once per rendering and written to each
    member that takes its bytes, then handed to every other member."""
    plan = members.event_plan()
    failed = None
    for encoder, writes in plan.writes:
        data = event.encoded(encoder)
        failed = _hand_to(writes, data, members, _writer_of, event, failed)
    return _hand_to(plan.delivers, event, members, _deliverer_of, event, failed)


def _by_run(
    rendering: Rendering,
    data: bytes,
    author: Author | None,
    members: Audience[Any],
    event: Message,
    failed: list[Member] | None,
) -> list[Member] | None:
    """A message's bytes to the members whose queues take runs: appended
    to the rendering's run while it lasts (and written to the run's
    stragglers), else a new run handed to each of them. Its author, if one
    of them, neither: it lets the run go first, and its own message comes
    through its ``deliver``."""
    run = rendering.run
    own = author.writer if author is not None else None
    if run is not None and run.open:
        stragglers = run.stragglers
        if own is not None and own.queue is not None:
            own.queue.leave(run)  # what it held so far, then one by one
            if own.write in stragglers:
                stragglers = [write for write in stragglers if write != own.write]
        run.parts.append(data)
        if stragglers:
            failed = _hand_to(stragglers, data, members, _writer_of, event, failed)
        return failed
    run = rendering.run = Run(data)
    skipped = None
    if author is not None and author.writer.queue is not None:
        skipped = author.position
        run.stragglers.append(author.writer.write)  # the run's next messages
    failed = _hand_to_all_but(skipped, rendering.joins, run, members, event, failed)
    if not run.holders:  # no queue batches now: none until the turn is over
        run.open = False
        rendering.run = None
        rendering.unheld = runs.turns
    return failed


def _hand_to_all_but(
    skipped: int | None,
    calls: list[Callable[[Any], None]],
    argument: Any,
    members: Audience[Any],
    event: Message,
    failed: list[Member] | None,
) -> list[Member] | None:
    """``argument`` to each of a rendering's ``calls`` (its members'
    ``write`` or ``join``) but the one at ``skipped``, its author's. The
    author's position holds nothing for the loop (no slice or iterator made
    per message); no call calls back into the room."""
    if skipped is None:
        return _hand_to(calls, argument, members, _writer_of, event, failed)
    kept, calls[skipped] = calls[skipped], _nothing
    try:
        return _hand_to(calls, argument, members, _writer_of, event, failed)
    finally:
        calls[skipped] = kept


def _nothing(argument: object) -> None:
    """The author's position in its rendering's writes (or joins) while a
    message of its own is written to the others."""


def _hand_to(
    calls: Iterable[Callable[[Any], None]],
    argument: Any,
    members: Iterable[Member],
    owner_of: Callable[[Iterable[Member], Any], Member | None],
    event: Event,
    failed: list[Member] | None = None,
) -> list[Member] | None:
    """``argument`` to each of ``calls`` (the members' ``deliver`` with the
    event, or their queues' ``write`` with its bytes); ``failed`` and the
    members whose call raised. The loop is the plainest Python has, one
    call per member; the member of one that raises is found among
    ``members`` then (``owner_of``), and the loop goes on after it."""
    remaining: Iterator[Callable[[Any], None]] = iter(calls)
    while True:
        try:
            for call in remaining:
                call(argument)
        except Exception:
            member = owner_of(members, call)
            _failed(call if member is None else member, event)
            if member is not None:
                if failed is None:
                    failed = []
                failed.append(member)
            continue
        return failed


def _deliverer_of(members: Iterable[Member], deliver: Deliver) -> Member | None:
    """Which of ``members`` a failed ``deliver`` is."""
    return next((m for m in members if m.deliver == deliver), None)


def _writer_of(
    members: Iterable[Member], write: Callable[[Any], None]
) -> Member | None:
    """Which of ``members`` a failed ``write`` (or its queue's ``join``) is."""
    for member in members:
        writer = member.message_writer()
        if writer is None:
            continue
        if writer.write == write or (
            writer.queue is not None and writer.queue.join == write
        ):
            return member
    return None


def _failed(member: object, event: Event) -> None:
    log.failure("delivering {event!r} to {member!r}", event=event, member=member)


def deliver_to(member: Member, event: Event) -> None:
    """``event`` to one member, with the same guard."""
    fan_out((member,), event)


def drop(member: Member) -> None:
    """Disconnect a member whose delivery failed (its door then releases it)."""
    try:
        member.disconnect(DELIVERY_FAILED)
    except Exception:
        log.failure("disconnecting {member!r}", member=member)
