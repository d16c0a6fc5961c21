"""The line grammar both ends of the chat protocol share.

Every server line is ``EVENT field field ... free text``: an upper-case word,
then space-separated fields, where only the last field may contain spaces
(see ``docs/protocol.md``). This module knows that grammar and nothing about
what any event means, so the server, the terminal client and the benchmark
all parse and build lines the same way.
"""

from __future__ import annotations

import time
from typing import NamedTuple

PROTOCOL_VERSION = "1"

#: How many fields precede the free text of each event (the free text, where
#: an event has one, is the last field and may contain spaces). Events not
#: listed here are split on every space.
EVENT_FIELDS: dict[str, int] = {
    "HELLO": 2,  # server-name version | text
    "WELCOME": 1,  # username
    "ROOMS": 1,  # count
    "ROOM": 3,  # name members capacity | topic
    "JOINED": 3,  # room members capacity
    "HISTORY": 3,  # room user time | text
    "HISTORY_ACTION": 3,  # room user time | text
    "HISTORY_TOPIC": 3,  # room user time | text (IRC's event playback only)
    "JOIN": 2,  # room user
    "PART": 2,  # room user | reason
    "NICK": 2,  # old new
    "TOPIC": 2,  # room user | text
    "MSG": 3,  # room user time | text
    "ACTION": 3,  # room user time | text
    "OPMSG": 4,  # room user time audience | text (to the room's operators)
    "OPNOTICE": 4,  # room user time audience | text
    "PRIVMSG": 3,  # from to time | text
    "LEFT": 1,  # room
    "DELETED": 2,  # room by
    "BYE": 0,  # | reason
    "ERR": 1,  # code | text
    "PING": 0,  # | token
    "PONG": 0,  # | token
    "HELP": 0,  # | text
    "OWNER": 2,  # room user
    "LOBBY": 0,  # | text
    "NOTICE": 1,  # room | text
    "GAP": 2,  # room count
    "HISTORY_END": 2,  # room count
    "SLOW": 1,  # rate | text
    # Accounts and moderation (docs/protocol.md, "Accounts", "Moderation").
    "REGISTERED": 1,  # name
    "PASSWORD_CHANGED": 1,  # account
    "UNREGISTERED": 1,  # account
    "OP": 3,  # room user by
    "DEOP": 3,  # room user by
    "KICK": 3,  # room user by | reason
    "KICKED": 2,  # room by | reason
    "BAN": 3,  # room mask by
    "UNBAN": 3,  # room mask by
    "SET": 4,  # room setting value by
    "INVITE": 3,  # room user by
    "INVITED": 2,  # room by
    "INFO": 2,  # room setting | value
    "INFO_END": 1,  # room
    "ANNOUNCE": 1,  # by | text
    "KILLED": 2,  # user by | reason
    "GBAN": 2,  # mask by
    "GUNBAN": 2,  # mask by
    # Messages with a life (docs/protocol.md, "Messages with a life").
    "EDIT": 4,  # room id user time | text
    "REDACT": 3,  # room id by | reason
    "REACT": 4,  # room id user emoji
    "UNREACT": 4,  # room id user emoji
    "TYPING": 3,  # room user state
    "MODLOG": 5,  # room time by action target | reason
    "MODLOG_END": 2,  # room count
    # Search (docs/protocol.md, "Search").
    "FOUND": 4,  # room id user time | text
    "FOUND_END": 1,  # count
}

#: Events whose last field is free text (may contain spaces, may be empty).
FREE_TEXT_EVENTS = frozenset(
    {
        "HELLO",
        "ROOM",
        "HISTORY",
        "HISTORY_ACTION",
        "HISTORY_TOPIC",
        "PART",
        "TOPIC",
        "MSG",
        "ACTION",
        "OPMSG",
        "OPNOTICE",
        "PRIVMSG",
        "BYE",
        "ERR",
        "PING",
        "PONG",
        "HELP",
        "LOBBY",
        "NOTICE",
        "SLOW",
        "KICK",
        "KICKED",
        "INFO",
        "ANNOUNCE",
        "KILLED",
        "EDIT",
        "REDACT",
        "MODLOG",
        "FOUND",
    }
)


class ParsedLine(NamedTuple):
    """One parsed server line: its event word, its fields and its free text
    (what a client reads; the server's own events are
    :class:`chatroom.core.events.Event`).

    A NamedTuple rather than a slotted dataclass: as light and immutable,
    and it also runs on Debian's PyPy (Python 3.9), which the benchmarks use.
    """

    name: str
    fields: tuple[str, ...]
    text: str = ""
    #: The stored event's id, from its ``@ID`` prefix (``/caps ids``); "" if none.
    id: str = ""


def parse_event(line: str) -> ParsedLine:
    """Split one server line (without its line end) by the documented grammar.

    Unknown events are split on every space, so a newer server's extra
    events still parse; missing trailing fields are simply absent. A line
    preceded by ``@ID `` (``/caps ids``) gives the event that id.
    """
    if line.startswith("@"):
        event_id, _, line = line.partition(" ")
        return parse_event(line)._replace(id=event_id[1:])
    name, _, rest = line.partition(" ")
    if name not in EVENT_FIELDS:
        return ParsedLine(name, tuple(rest.split()) if rest else ())
    count = EVENT_FIELDS[name]
    if name in FREE_TEXT_EVENTS:
        parts = rest.split(" ", count) if rest else []
        fields, text = parts[:count], (parts[count] if len(parts) > count else "")
        return ParsedLine(name, tuple(fields), text)
    return ParsedLine(name, tuple(rest.split(" ")) if rest else ())


def format_line(event: str, *fields: str, text: str | None = None) -> bytes:
    """Build one server line, CRLF-terminated and UTF-8 encoded.

    ``text`` is the free-text tail; when it is empty the line ends after the
    last field, so no line ever carries trailing white space.
    """
    parts = [event, *fields]
    if text:
        parts.append(text)
    return (" ".join(parts) + "\r\n").encode("utf-8")


#: The last whole second formatted and its text: every message in the same
#: second shares the ``strftime`` (the milliseconds are added per call).
_last_second: list[tuple[int, str]] = [(-1, "")]


def format_time(seconds: float) -> str:
    """UTC ISO-8601 with milliseconds, e.g. ``2026-11-21T18:04:05.123Z``."""
    # Round to whole milliseconds first: float subtraction would turn .123
    # into .12299999... and print .122.
    whole, millis = divmod(round(seconds * 1000), 1000)
    cached_second, prefix = _last_second[0]
    if whole != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _last_second[0] = (whole, prefix)
    return f"{prefix}.{millis:03d}Z"


def parse_time(stamp: str) -> float:
    """Inverse of :func:`format_time`: seconds since the epoch (UTC)."""
    import calendar

    head, _, millis = stamp.rstrip("Z").partition(".")
    whole = calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S"))
    return whole + (int(millis) / 1000 if millis else 0.0)
