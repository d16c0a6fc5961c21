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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Self, TypeVar

from twisted.logger import Logger

from chatroom.core.events import Event, OperatorMessage, TagMessage, Typing
from chatroom.core.registry import Member
from chatroom.core.text import name_key

log = Logger()

#: What a member whose delivery failed is told as it is disconnected.
DELIVERY_FAILED = "internal error delivering an event"
#: Events that go to some of a room's members only (:func:`recipients`).
_NARROWED = (OperatorMessage, Typing, TagMessage)

#: What an :class:`Audience` keeps of each member: its ``deliver``.
Deliver = Callable[[Event], None]

#: Counts the members whose ``deliver`` was replaced (:func:`redirected`):
#: every Audience's kept list from before is stale.
_redirections = 0


def redirected() -> None:
    """A member's ``deliver`` is now another callable (a seat that gained
    or lost a device): every :class:`Audience` reads its members again
    before its next event. Rare (a device signing on or off), so one
    count for all rather than a list of the rooms each member is in."""
    global _redirections
    _redirections += 1


V = TypeVar("V")


#: An Audience's ``_made_at`` when a member went: its list is out of date.
_STALE = -1


class Audience(dict[Member, V]):
    """A room's members (member → what the room keeps of it), and each
    member's ``deliver``, kept in a list from one event to the next and
    read again after a member leaves or is :func:`redirected`.

    A dict, so a room reads and changes its members as before; every
    method that changes it says so here: a member added is appended to the
    kept list (in the dict's order), any other change marks it out of
    date. The list is brought up to date in place, not made anew, so a
    room read again after every change of devices makes no new list.
    """

    __slots__ = ("_delivers", "_made_at")

    def __init__(self) -> None:
        super().__init__()
        self._delivers: list[Deliver] = []
        self._made_at = _redirections

    def delivers(self) -> list[Deliver]:
        """Each member's ``deliver``, in the members' order."""
        if self._made_at != _redirections:
            self._update()
        return self._delivers

    def _update(self) -> None:
        delivers = self._delivers
        kept = len(delivers)
        for index, member in enumerate(self):
            if index < kept:
                delivers[index] = member.deliver
            else:
                delivers.append(member.deliver)
        del delivers[len(self) :]
        self._made_at = _redirections

    def __setitem__(self, member: Member, value: V) -> None:
        if self._made_at == _redirections and member not in self:
            self._delivers.append(member.deliver)
        super().__setitem__(member, value)

    def __delitem__(self, member: Member) -> None:
        self._made_at = _STALE
        super().__delitem__(member)

    def pop(self, member: Member, *default: Any) -> Any:
        self._made_at = _STALE
        return super().pop(member, *default)

    def popitem(self) -> tuple[Member, V]:
        self._made_at = _STALE
        return super().popitem()

    def clear(self) -> None:
        self._made_at = _STALE
        super().clear()

    def setdefault(self, member: Member, default: Any = None) -> Any:
        if member not in self:
            self[member] = default
        return self[member]

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._made_at = _STALE
        super().update(*args, **kwargs)

    # typeshed's dict overloads __or__ so that no override of __ior__ matches it
    def __ior__(self, other: Any) -> Self:  # type: ignore[misc,override]
        self._made_at = _STALE
        return super().__ior__(other)


def recipients(members: Iterable[Member], event: Event) -> Iterable[Member]:
    """Those of ``members`` that ``event`` is for: a message to a room's
    owner and operators (:mod:`chatroom.core.operator_messages`) is for
    its audience alone, a typing notice or a tags-only message
    (:mod:`chatroom.core.tagmessages`) for all but its author's seat;
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
    if type(members) is Audience and not isinstance(event, _NARROWED):
        failed = _hand_to(members.delivers(), members, event)
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


def _hand_to(
    delivers: list[Deliver], members: Audience[Any], event: Event
) -> list[Member] | None:
    """``event`` to each of ``delivers`` (``members``' own); the members
    whose ``deliver`` raised. The loop is the plainest Python has, one
    call per member; one that raises is found among ``members`` then,
    and the loop goes on after it."""
    remaining: Iterator[Deliver] = iter(delivers)
    failed: list[Member] | None = None
    while True:
        try:
            for deliver in remaining:
                deliver(event)
        except Exception:
            member = next((m for m in members if m.deliver == deliver), None)
            _failed(deliver if member is None else member, event)
            if member is not None:
                if failed is None:
                    failed = []
                failed.append(member)
            continue
        return failed


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
