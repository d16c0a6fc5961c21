"""The stored event model: what a room keeps, beyond messages and actions.

A room's stored events each have their own id (see ``docs/protocol.md``,
*Positions*): messages and actions (kept in their ``HISTORY`` form), and
the events that change them (``EDIT``, ``REDACT``) or answer them
(``REACT``, ``UNREACT``), which name the id of the message they concern.
The core builds every one of them; a back-end appends them, reads them
back, and changes or removes a message in place when the core says so
(:meth:`chatroom.core.backend.MessageSteps.amend`).

A :data:`Row` is how a stored event lies in a table (the SQLite store):
its kind (the live event's name: ``MSG``, ``ACTION``, ``EDIT``,
``REDACT``, ``REACT``, ``UNREACT``, ``TOPIC``: a topic change, kept for
IRC's ``draft/event-playback``), user, stamp, text (a reaction's
emoji), tags and target (the id it concerns, 0 for a message).
:func:`row_of` and :func:`event_of` are the two directions.
"""

from __future__ import annotations

from chatroom.core.events import Event, history_event
from chatroom.wire.lines import format_time
from chatroom.wire.tags import format_tags, parse_pairs

#: The stored forms of messages (what ``/reply``, ``/edit`` and ``/redact`` name).
MESSAGES = frozenset({"HISTORY", "HISTORY_ACTION"})

#: Stored events that change a message and go with it when it is redacted.
DEPENDENTS = frozenset({"EDIT", "REACT", "UNREACT"})

#: Stored reactions to a message (``/react``, ``/unreact``).
REACTIONS = frozenset({"REACT", "UNREACT"})

#: One stored event as it lies in a table: id, kind, user, stamp, text,
#: tags (``key=value;...``, as shown), target (0 for a message).
Row = tuple[int, str, str, str, str, str, int]

_KINDS = {"HISTORY": "MSG", "HISTORY_ACTION": "ACTION"}


def topic_event(room: str, user: str, topic: str, now: float) -> Event:
    """A topic change, live: ``TOPIC room user text``, its time in its tags
    (it is stored, and IRC shows a stored event's time as its own)."""
    return Event("TOPIC", (room, user), topic, tags=(("time", format_time(now)),))


def stored_topic(event: Event) -> Event:
    """A topic change as stored (numbered): ``HISTORY_TOPIC room user time``,
    played back to IRC clients with ``draft/event-playback`` only."""
    room, user = event.fields
    stamp = dict(event.tags)["time"]
    return Event("HISTORY_TOPIC", (room, user, stamp), event.text, event.id)


def row_of(event: Event) -> Row:
    """The row of a stored event (numbered: its id is set)."""
    name, fields = event.name, event.fields
    tags = format_tags(event.tags)
    if name == "HISTORY_TOPIC":
        _room, user, stamp = fields
        return (int(event.id), "TOPIC", user, stamp, event.text, tags, 0)
    if name in MESSAGES:
        _room, user, stamp = fields
        return (int(event.id), _KINDS[name], user, stamp, event.text, tags, 0)
    if name == "EDIT":
        _room, target, user, stamp = fields
        return (int(event.id), name, user, stamp, event.text, tags, int(target))
    if name in REACTIONS:
        _room, target, user, emoji = fields
        return (int(event.id), name, user, "", emoji, tags, int(target))
    _room, target, by = fields  # REDACT
    return (int(event.id), name, by, "", event.text, tags, int(target))


def event_of(room: str, row: Row) -> Event:
    """The stored event of room ``room`` that ``row`` holds."""
    event_id, kind, user, stamp, text, tags, target = row
    if kind == "EDIT":
        return Event(kind, (room, str(target), user, stamp), text, str(event_id))
    if kind == "REDACT":
        return Event(kind, (room, str(target), user), text, str(event_id))
    if kind in REACTIONS:
        return Event(kind, (room, str(target), user, text), "", str(event_id))
    if kind == "TOPIC":
        return Event("HISTORY_TOPIC", (room, user, stamp), text, str(event_id))
    return history_event(
        kind, room, user, stamp, text, str(event_id), parse_pairs(tags)
    )


def depends_on(event: Event, target: str) -> bool:
    """Whether stored ``event`` changes message ``target`` (and goes with it)."""
    return event.name in DEPENDENTS and event.fields[1] == target
