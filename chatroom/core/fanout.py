"""Handing one event to many members, so that one broken member spoils nothing.

Every fan-out of both back-ends (a room's broadcast, a node's share of a
room's events, an announcement) goes through :func:`fan_out`. A member whose
``deliver`` raises is a bug in its door, not in the event: like Twisted
words' ``Group``, the failure is logged, that member alone is disconnected,
every other member still gets the event, and the sender hears no error.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.logger import Logger

from chatroom.core.events import Event
from chatroom.core.registry import Member
from chatroom.core.text import name_key

log = Logger()

#: What a member whose delivery failed is told as it is disconnected.
DELIVERY_FAILED = "internal error delivering an event"
#: The events only some members receive: a room's owner and operators
#: (:mod:`chatroom.core.operator_messages`), named by the event's fourth field.
ADDRESSED_EVENTS = frozenset({"OPMSG", "OPNOTICE"})


def audience_of(event: Event) -> frozenset[str] | None:
    """The name keys ``event`` is for, or None if it is for every member."""
    if event.name not in ADDRESSED_EVENTS:
        return None
    return frozenset(event.fields[3].split(","))


def fan_out(members: Iterable[Member], event: Event) -> None:
    """``event`` to every one of ``members``; those that fail are dropped.

    The members that failed are disconnected after the loop, so ``members``
    (often a room's own dict) never changes while it is iterated. The
    ``try`` costs nothing on the hot path (exceptions are zero-cost until
    raised). An event for some members only (:func:`audience_of`) goes to
    those alone, checked once per event before the loop.
    """
    audience = audience_of(event)
    if audience is not None:
        members = [m for m in members if m.name and name_key(m.name) in audience]
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
