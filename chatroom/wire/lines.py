"""The line grammar both ends of the chat protocol share.

Every server line is ``EVENT field field ... free text``: an upper-case word,
then space-separated fields, where only the last field may contain spaces
(see ``docs/protocol.md``). A stored event may come after an ``@ID `` prefix
(``/caps ids``), whose id may carry tags (``@ID;key=value ``, ``/caps
rich``). This module knows that grammar and what each event's fields are
called, and nothing about what any event means, so the server, the
terminal client and the benchmark all parse and build lines the same way.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from chatroom.wire.tags import Tags, parse_pairs

PROTOCOL_VERSION = "1"

#: Each event's fields, named in order. Where an event has free text
#: (:data:`FREE_TEXT_EVENTS`) it follows them, and is the only part that
#: may contain spaces; a list event (:data:`LIST_EVENTS`) has any number
#: of words after them. Events not listed here are split on every space.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "HELLO": ("server", "version"),  # | text
    "WELCOME": ("user",),
    "MOTD": (),  # | text: a line of the operator's --motd, after WELCOME
    # The lobby's list leaves "more" rooms out (absent: none); /list lists all.
    "ROOMS": ("count", "more"),
    "ROOM": ("room", "members", "capacity"),  # | topic
    "ROOM_GONE": ("room",),
    "JOINED": ("room", "members", "capacity"),
    "MEMBERS": ("room",),  # | users...
    "HISTORY": ("room", "user", "time"),  # | text
    "HISTORY_ACTION": ("room", "user", "time"),  # | text
    "HISTORY_TOPIC": ("room", "user", "time"),  # | text (IRC's event playback only)
    "JOIN": ("room", "user"),
    "PART": ("room", "user"),  # | reason
    "NICK": ("old", "new"),
    "TOPIC": ("room", "user"),  # | text
    "MSG": ("room", "user", "time"),  # | text
    "ACTION": ("room", "user", "time"),  # | text
    # To the room's operators; audience: the name keys it was for.
    "OPMSG": ("room", "user", "time", "audience"),  # | text
    "OPNOTICE": ("room", "user", "time", "audience"),  # | text
    "PRIVMSG": ("from", "to", "time"),  # | text
    "LEFT": ("room",),
    "DELETED": ("room", "by"),
    # A room renamed (docs/protocol.md, "Renaming a room"): old name, new name.
    "RENAMED": ("room", "new", "by"),  # | reason
    "BYE": (),  # | reason
    "ERR": ("code",),  # | text
    "PING": (),  # | token
    "PONG": (),  # | token
    "HELP": (),  # | text
    "OWNER": ("room", "user"),
    "LOBBY": (),  # | text
    "NOTICE": ("room",),  # | text
    "GAP": ("room", "count"),
    "HISTORY_END": ("room", "count"),
    "SLOW": ("rate",),  # | text
    "CAPS": (),  # | caps...
    # Flood control (docs/protocol.md, "Flood control"), answering /limits:
    # --rate (lines a second, 0: no limit), --burst and --max-backlog.
    "LIMITS": ("rate", "burst", "backlog"),
    # Many rooms and read markers (docs/protocol.md, "Many rooms").
    "FOCUS": ("room",),
    # room: a room, or @USER for a private conversation.
    "READ": ("room", "marker"),
    "UNREAD": ("room", "count", "mentions"),
    "UNREAD_END": (),
    # An account's private conversations (docs/protocol.md, "Private
    # conversations"), newest first: unread count, newest id and its time.
    "CONVERSATION": ("user", "unread", "last", "time"),
    "CONVERSATIONS_END": ("count",),
    # A room's notification level (docs/protocol.md, "Notification levels").
    "NOTIFY": ("room", "level"),
    # Profiles (docs/protocol.md, "Profiles"): a key's value as the text
    # (none: the key is unset); /profile NAME ends with PROFILE_END.
    "PROFILE": ("user", "key"),  # | value
    "PROFILE_END": ("user", "count"),
    # Accounts and moderation (docs/protocol.md, "Accounts", "Moderation").
    "REGISTERED": ("account",),
    "PASSWORD_CHANGED": ("account",),
    "UNREGISTERED": ("account",),
    "DEVICE": ("device", "door", "since", "current"),
    "DEVICES_END": ("count",),
    "LOGGED_OUT": ("device",),
    # /session new: a device session's token (shown once) and the seconds
    # it lasts unused; /session end: the one this connection held is over
    "SESSION": ("token", "seconds"),
    "SESSION_ENDED": (),
    # Uploads (docs/protocol.md, "Files"): a bearer token, its lifetime, and
    # where to upload (absent while the server does not know its address).
    "TOKEN": ("token", "seconds", "url"),
    "EXPORT": ("url",),
    # Web Push (docs/protocol.md, "Notifications"): ADDED, REMOVED, or KEY
    # with the server's VAPID key as the text.
    "PUSH": ("what",),  # | key
    "ACCOUNT_DELETED": ("account",),
    "OP": ("room", "user", "by"),
    "DEOP": ("room", "user", "by"),
    "VOICE": ("room", "user", "by"),
    "DEVOICE": ("room", "user", "by"),
    "KICK": ("room", "user", "by"),  # | reason
    "KICKED": ("room", "by"),  # | reason
    "BAN": ("room", "mask", "by"),
    "UNBAN": ("room", "mask", "by"),
    "BANS": ("room",),  # | masks...
    "SET": ("room", "setting", "value", "by"),
    "INVITE": ("room", "user", "by"),
    "INVITED": ("room", "by"),
    "INFO": ("room", "setting"),  # | value
    "INFO_END": ("room",),
    "ANNOUNCE": ("by",),  # | text
    "KILLED": ("user", "by"),  # | reason
    "GBAN": ("mask", "by", "until"),  # until: absent for a ban for ever
    "GUNBAN": ("mask", "by"),
    "LOCKDOWN": ("level", "by"),
    # Reports of messages (docs/protocol.md, "Reports"): to moderators.
    "REPORTED": ("id",),
    "REPORT": ("number", "room", "id", "reporter"),  # | reason
    "REPORT_TEXT": ("number", "user"),  # | text: what the message said
    "REPORTS_END": ("count",),
    "REPORT_CLOSED": ("number", "by"),  # | note
    # Ignore lists (docs/protocol.md, "Ignoring someone").
    "IGNORED": ("name",),
    "UNIGNORED": ("name",),
    "IGNORES": (),  # | names...  # by: "-" for a level never set
    "GBANS": (),  # | masks..., a timed one as MASK@UNTIL
    "REHASHED": (),  # | text: what a reload did (/rehash)
    # Messages with a life (docs/protocol.md, "Messages with a life"):
    # message is the id of the message the event is about.
    "EDIT": ("room", "message", "user", "time"),  # | text
    "REDACT": ("room", "message", "by"),  # | reason
    "REACT": ("room", "message", "user", "emoji"),
    "UNREACT": ("room", "message", "user", "emoji"),
    "TYPING": ("room", "user", "state"),
    # Link previews (docs/protocol.md, "Link previews"): message is the id of
    # the message whose link url is; the page's title, description and image
    # are its tags. PREVIEWS answers /set previews on|off.
    "PREVIEW": ("room", "message", "url"),
    "PREVIEWS": ("state",),
    "MODLOG": ("room", "time", "by", "action", "target"),  # | reason
    "MODLOG_END": ("room", "count"),
    # Webhooks (docs/protocol.md, "Webhooks"): url is the hook's secret address.
    "WEBHOOK": ("name", "url"),
    "WEBHOOKS_END": ("room", "count"),
    "WEBHOOK_REMOVED": ("name",),
    # Threads (docs/protocol.md, "Threads"): root is the id of the thread's
    # first message; last and time its newest one's id and time.
    "THREAD": ("room", "root", "count", "last", "time"),
    "THREADS_END": (),
    "FOLLOW": ("room", "root"),
    "UNFOLLOW": ("room", "root"),
    # Pins (docs/protocol.md, "Pins"): message is the pinned one's id.
    "PIN": ("room", "message", "by"),
    "UNPIN": ("room", "message", "by"),
    "PINNED": ("room", "message", "user", "time"),  # | text
    "PINS_END": ("room", "count"),
    "PINS": ("room", "count"),
    # An account's e-mail address (docs/protocol.md, "E-mail and password
    # resets"): kept is "verified" or "pending" (EMAIL none: no address).
    "EMAIL": ("address", "kept"),
    "EMAIL_PENDING": ("address",),
    "EMAIL_VERIFIED": ("address",),
    "EMAIL_REQUIRED": ("account", "seconds"),
    "RESET_SENT": ("account",),
    # MAIL answers /set mail on|off: whether what the account missed while
    # away is mailed to it.
    "MAIL": ("state",),
    # IRC_NOTES answers /set irc-notes on|off: whether the account's IRC
    # sessions without message-tags are told reactions, edits and deletions
    # in words (docs/irc.md).
    "IRC_NOTES": ("state",),
    # App passwords (docs/protocol.md, "App passwords"): password is shown
    # once, when it is made; made is when, as every time is written.
    "APP_PASSWORD": ("label", "password"),
    "APP_PASSWORD_MADE": ("label", "made"),
    "APP_PASSWORDS_END": ("count",),
    "APP_PASSWORD_REMOVED": ("label",),
    # Bots (docs/protocol.md, "Bots"): token is shown once, when the bot is
    # made; made is when, as every time is written.
    "BOT": ("name", "token"),
    "BOT_MADE": ("name", "made"),
    "BOTS_END": ("count",),
    "BOT_REMOVED": ("name",),
    # Invitations (docs/protocol.md, "Invitations"): id is the start of the
    # code's hash that listings name it by; url absent without an HTTP door.
    "INVITE_LINK": ("code", "url"),
    "INVITATION": ("id", "uses", "until", "by", "room"),  # room: absent for none
    "INVITATIONS_END": ("count",),
    "INVITE_REVOKED": ("id",),
    "REDEEMED": ("code",),
    # Search (docs/protocol.md, "Search"): message is the found one's id.
    "FOUND": ("room", "message", "user", "time"),  # | text
    "FOUND_END": ("count",),
    # Saying it once (docs/protocol.md, "Saying it once"): a /txn done, to
    # its sender's connection; target a room or @USER, id "-" if nothing
    # was stored. Later versions may add fields after these.
    "ACK": ("key", "target", "id"),
}

#: Events whose last field is free text (may contain spaces, may be empty).
FREE_TEXT_EVENTS = frozenset(
    {
        "HELLO",
        "RENAMED",
        "MOTD",
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
        "REHASHED",
        "EDIT",
        "REDACT",
        "MODLOG",
        "PINNED",
        "FOUND",
        "REPORT",
        "REPORT_TEXT",
        "REPORT_CLOSED",
        "PROFILE",
    }
)


#: Events whose named fields are followed by a list of words, any number
#: of them (:attr:`ParsedLine.listed`).
LIST_EVENTS = frozenset({"MEMBERS", "BANS", "GBANS", "CAPS", "IGNORES"})

#: Each event's field names with their positions, for :meth:`ParsedLine.field`.
_POSITIONS = {
    event: {name: index for index, name in enumerate(names)}
    for event, names in EVENT_FIELDS.items()
}


class ParsedLine(NamedTuple):
    """One parsed server line: its event word, its fields and its free text
    (what a client reads; the server's own events are
    :class:`chatroom.core.model.events.Event`). A client reads the fields by
    their names (:meth:`field`), never by position.

    A NamedTuple rather than a slotted dataclass: as light and immutable,
    and it also runs on Debian's PyPy (Python 3.9), which the benchmarks use.
    """

    name: str
    fields: tuple[str, ...]
    text: str = ""
    #: The stored event's id, from its ``@ID`` prefix (``/caps ids``); "" if none.
    id: str = ""
    #: The stored event's tags, from its ``@ID;key=value`` prefix (``/caps rich``).
    tags: Tags = ()

    def field(self, name: str) -> str:
        """The field called ``name`` in :data:`EVENT_FIELDS` ("" when the
        line stops short of it).

        Raises:
            KeyError: this event has no field called so (the caller's mistake).
        """
        try:
            index = _POSITIONS[self.name][name]
        except KeyError:
            raise KeyError(f"{self.name} has no field {name!r}") from None
        fields = self.fields
        return fields[index] if index < len(fields) else ""

    def named_fields(self) -> dict[str, str]:
        """Every named field of the event by name ("" for those missing)."""
        return {name: self.field(name) for name in EVENT_FIELDS.get(self.name, ())}

    @property
    def listed(self) -> tuple[str, ...]:
        """A list event's words after its named fields (``MEMBERS``' users,
        ``BANS``' masks); for any other event, its fields beyond the named."""
        return self.fields[len(EVENT_FIELDS.get(self.name, ())) :]

    def tag(self, key: str) -> str | None:
        """The value of tag ``key`` (the last, if given twice); None if absent."""
        found = None
        for each, value in self.tags:
            if each == key:
                found = value
        return found


def parse_event(line: str) -> ParsedLine:
    """Split one server line (without its line end) by the documented grammar.

    Unknown events are split on every space, so a newer server's extra
    events still parse; missing trailing fields are simply absent. A line
    preceded by ``@ID `` (``/caps ids``) gives the event that id, and
    ``@ID;key=value `` (``/caps rich``) those tags too.
    """
    if line.startswith("@"):
        prefix, _, line = line.partition(" ")
        event_id, _, tags = prefix[1:].partition(";")
        return parse_event(line)._replace(id=event_id, tags=parse_pairs(tags))
    name, _, rest = line.partition(" ")
    names = EVENT_FIELDS.get(name)
    if names is None:
        return ParsedLine(name, tuple(rest.split()) if rest else ())
    if name in FREE_TEXT_EVENTS:
        count = len(names)
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
#: The last millisecond formatted and its whole stamp: a busy server stamps
#: several messages in one millisecond (seven at 7,000 messages/s), and a
#: stamp made again cost 0.7 µs where this costs 0.2.
_last_stamp: list[tuple[int, str]] = [(-1, "")]


def format_time(seconds: float) -> str:
    """UTC ISO-8601 with milliseconds, e.g. ``2026-11-21T18:04:05.123Z``."""
    # Round to whole milliseconds first: float subtraction would turn .123
    # into .12299999... and print .122.
    stamp = round(seconds * 1000)
    cached_stamp, text = _last_stamp[0]
    if stamp == cached_stamp:
        return text
    whole, millis = divmod(stamp, 1000)
    cached_second, prefix = _last_second[0]
    if whole != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _last_second[0] = (whole, prefix)
    text = f"{prefix}.{millis:03d}Z"
    _last_stamp[0] = (stamp, text)
    return text


def parse_time(stamp: str) -> float:
    """Inverse of :func:`format_time`: seconds since the epoch (UTC)."""
    import calendar

    head, _, millis = stamp.rstrip("Z").partition(".")
    whole = calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S"))
    return whole + (int(millis) / 1000 if millis else 0.0)
