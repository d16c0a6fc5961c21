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
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.logger import Logger

from chatroom.core.events import Event, OperatorMessage, TagMessage, Typing
from chatroom.core.registry import Member
from chatroom.core.text import name_key

log = Logger()

#: What a member whose delivery failed is told as it is disconnected.
DELIVERY_FAILED = "internal error delivering an event"
#: Events that go to some of a room's members only (:func:`recipients`).
_NARROWED = (OperatorMessage, Typing, TagMessage)


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
    those alone, checked once per event before the loop.
    """
    members = recipients(members, event)
    failed: list[Member] | None = None
    for member in members:
        try:
            member.deliver(event)
        except Exception:
            log.failure(
                "delivering {event!r} to {member!r}", event=event, member=member
            )
            if failed is None:
                failed = []
            failed.append(member)
    if failed is not None:
        for member in failed:
            drop(member)


def deliver_to(member: Member, event: Event) -> None:
    """``event`` to one member, with the same guard."""
    fan_out((member,), event)


def drop(member: Member) -> None:
    """Disconnect a member whose delivery failed (its door then releases it)."""
    try:
        member.disconnect(DELIVERY_FAILED)
    except Exception:
        log.failure("disconnecting {member!r}", member=member)
