"""Events read back from Redis: decoded once, and never a crash.

What the nodes publish and keep in Redis (a room's channel and log, its
history, private conversations, kept messages) is the cluster's one
encoding of typed events, :mod:`chatroom.core.model.codec` (a room's moderation
log too). An entry a node
cannot decode (written by an older version of chatroom, whose data need
not be migrated, or damaged by hand) is logged and skipped: one bad entry
must not cost a room its delivery or a user their history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from twisted.logger import Logger

from chatroom.core.model import codec
from chatroom.core.model.events import (
    Edited,
    Event,
    Message,
    PrivateEvent,
    PrivateMessage,
    PrivateTagMessage,
    Reaction,
    Redacted,
    RoomEvent,
    StoredEvent,
    TagMessage,
    TopicChanged,
)
from chatroom.core.model.nodemessages import SessionOrder
from chatroom.core.moderation.modlog import ModEntry

log = Logger()

#: What a node reads back: an event, or a moderation log's entry.
E = TypeVar("E", bound=Event | ModEntry)


def _read(data: bytes) -> codec.Encoded | None:
    """What ``data`` holds in the cluster's encoding; None (logged) if it
    is not that encoding."""
    try:
        return codec.decode(data)
    except Exception as problem:  # whatever a stranger's bytes make of it
        log.warn(
            "skipped an entry that is not an event ({problem}): {data!r}",
            problem=problem,
            data=data[:200],
        )
        return None


def decoded(data: bytes, kind: type[E]) -> E | None:
    """The event of type ``kind`` that ``data`` holds; None (logged) if it
    holds none."""
    event = _read(data)
    if event is None:
        return None
    if not isinstance(event, kind):
        log.warn(
            "skipped an entry that is not a {kind}: {data!r}",
            kind=kind.__name__,
            data=data[:200],
        )
        return None
    return event


def decoded_for_sessions(data: bytes) -> Event | SessionOrder | None:
    """What a node's channel says to its sessions after ``conn`` (or ``*``):
    an event to hand on, or an order (:mod:`chatroom.core.model.nodemessages`);
    None (logged) if it holds neither."""
    said = _read(data)
    if said is None or isinstance(said, Event | SessionOrder):
        return said
    log.warn(
        "skipped a node's message that is no event or order: {data!r}", data=data[:200]
    )
    return None


def decoded_all(entries: Iterable[bytes], kind: type[E]) -> list[E]:
    """The events of type ``kind`` that ``entries`` hold, in order: an
    empty entry (a redacted message's place) and one that holds none are
    left out."""
    found = []
    for data in entries:
        if data:
            event = decoded(data, kind)
            if event is not None:
                found.append(event)
    return found


#: The types a room's history holds (:data:`chatroom.core.model.events.StoredEvent`).
_STORED = (Message, TopicChanged, TagMessage, Edited, Redacted, Reaction)


def stored_events(entries: Iterable[bytes]) -> list[StoredEvent]:
    """A room's kept events, as its history list holds them (see
    :func:`decoded_all`)."""
    return [e for e in decoded_all(entries, RoomEvent) if isinstance(e, _STORED)]


def private_events(entries: Iterable[bytes]) -> list[PrivateEvent]:
    """A private conversation's kept messages and tags-only messages, as
    its list holds them (see :func:`decoded_all`)."""
    found = decoded_all(entries, Event)
    return [e for e in found if isinstance(e, PrivateMessage | PrivateTagMessage)]
