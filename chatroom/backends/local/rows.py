"""A room's stored events as the SQLite store's rows lie, both ways.

A :data:`Row` is how a stored event lies in the ``events`` table: its id,
its kind (``MSG``, ``ACTION``, ``EDIT``, ``REDACT``, ``REACT``,
``UNREACT``, ``TOPIC``: the words older files already hold; ``TAGMSG``,
a message of tags alone), user, time (as the event carries it: "" in a
reaction's or a redaction's row an older version wrote), text (a
reaction's emoji; a redaction's reason), tags (``key=value;...``,
escaped as IRCv3 message tags), target (the id of the message it
concerns, 0 for a message, a topic change or tags) and quoted (what the
event says of the message it answers or concerns, for a door that says
it in words: ``user=...;text=...;time=...`` escaped as the tags are, ""
for nothing: :mod:`chatroom.core.messages.quoting`). :func:`row_of` and
:func:`event_of` are the two directions between a row and the core's
typed events (:mod:`chatroom.core.model.events`). The table dates every row
by its own ``at`` column (when it was stored), whatever the time in it.
"""

from __future__ import annotations

from chatroom.core.model.events import (
    Edited,
    Message,
    Reaction,
    Redacted,
    StoredEvent,
    TagMessage,
    TopicChanged,
)
from chatroom.wire.tags import format_tags, parse_pairs

#: One stored event as it lies in a table: id, kind, user, stamp, text,
#: tags (``key=value;...``, as shown), target (0 for a message), quoted
#: (:func:`quoted_of`).
Row = tuple[int, str, str, str, str, str, int, str]

#: The kinds of rows that change a message and go with it when it is redacted.
DEPENDENT_KINDS = frozenset({"EDIT", "REACT", "UNREACT"})

#: The kinds of rows that are reactions (``/react``, ``/unreact``).
REACTION_KINDS = frozenset({"REACT", "UNREACT"})

#: What a redaction without a reason keeps as its text.
NO_REASON = "-"


#: One statement and its parameters.
Statement = tuple[str, tuple[object, ...]]


def replacing(key: str, row: Row | None, was: Row) -> Statement:
    """The statement by which the event of room ``key`` that lay as ``was``
    lies as ``row`` from now on (the same id), or is gone alone (None: the
    events that depend on it go by their own), in a table of events. A row
    no longer as ``was`` (edited meanwhile, where memory did not hold it
    to refuse the change) is left as it is, never set back."""
    if row is None:
        return ("DELETE FROM events WHERE room = ? AND id = ?", (key, was[0]))
    return (
        "UPDATE events SET kind = ?, user = ?, stamp = ?, text = ?, tags = ?, "
        "target = ?, quoted = ? WHERE room = ? AND id = ? AND kind = ? AND "
        "user = ? AND stamp = ? AND text = ? AND tags = ? AND target = ? AND "
        "quoted = ?",
        (*row[1:], key, *was),
    )


def quoted_of(event: StoredEvent) -> str:
    """What ``event`` carries of the message it answers or concerns (its
    author, first words, time: ``quoted_user``, ``quoted_text``,
    ``quoted_time``), as its row keeps it ("" for nothing)."""
    said = (
        ("user", getattr(event, "quoted_user", "")),
        ("text", getattr(event, "quoted_text", "")),
        ("time", getattr(event, "quoted_time", "")),
    )
    return format_tags((key, value) for key, value in said if value)


def row_of(event: StoredEvent) -> Row:
    """The row of a stored event (numbered: its id is set)."""
    number = int(event.id)
    if isinstance(event, Message):
        kind = "ACTION" if event.action else "MSG"
        tags = format_tags(event.tags) if event.tags else ""
        # A message quotes only as a reply or in a thread, and then names
        # its author: most rows skip the quote's formatting.
        quoted = quoted_of(event) if event.quoted_user else ""
        return (number, kind, event.user, event.time, event.text, tags, 0, quoted)
    quoted = quoted_of(event)
    if isinstance(event, TopicChanged):
        return (number, "TOPIC", event.user, event.time, event.text, "", 0, "")
    if isinstance(event, TagMessage):
        tags = format_tags(event.tags)
        return (number, "TAGMSG", event.user, event.time, "", tags, 0, "")
    if isinstance(event, Edited):
        target = int(event.target)
        return (number, "EDIT", event.user, event.time, event.text, "", target, quoted)
    if isinstance(event, Reaction):
        kind = "REACT" if event.adding else "UNREACT"
        target = int(event.target)
        return (
            number,
            kind,
            event.user,
            event.time,
            event.reaction,
            "",
            target,
            quoted,
        )
    reason = event.reason or NO_REASON
    target = int(event.target)
    return (number, "REDACT", event.by, event.time, reason, "", target, quoted)


def event_of(room: str, row: Row) -> StoredEvent:
    """The stored event of room ``room`` that ``row`` holds."""
    number, kind, user, stamp, text, tags, target, quoted = row
    event_id = str(number)
    quote = dict(parse_pairs(quoted)) if quoted else {}
    who, words, when = (
        quote.get("user", ""),
        quote.get("text", ""),
        quote.get("time", ""),
    )
    if kind == "EDIT":
        return Edited(
            room, str(target), user, stamp, text, quoted_text=words, id=event_id
        )
    if kind == "REDACT":
        reason = "" if text == NO_REASON else text
        return Redacted(
            room,
            str(target),
            user,
            reason,
            time=stamp,
            quoted_user=who,
            quoted_time=when,
            id=event_id,
        )
    if kind in REACTION_KINDS:
        adding = kind == "REACT"
        return Reaction(
            room,
            str(target),
            user,
            text,
            adding,
            time=stamp,
            quoted_user=who,
            quoted_text=words,
            id=event_id,
        )
    if kind == "TOPIC":
        return TopicChanged(room, user, text, stamp, id=event_id)
    if kind == "TAGMSG":
        return TagMessage(room, user, parse_pairs(tags), stamp, event_id)
    action = kind == "ACTION"
    return Message(
        room,
        user,
        stamp,
        text,
        action,
        parse_pairs(tags),
        quoted_user=who,
        quoted_text=words,
        id=event_id,
    )
