"""What the shared side tells members, before any door has turned it into bytes.

Registries (in-process or Redis) describe what happened as the objects
below; each door renders them in its own format. Rendering is cached on the
object per format (:meth:`Encodable.encoded`), so a message to a room of a
thousand members is rendered once per door, not once per member: the room
hands every member the same object, and the first member of each door pays
for the rendering.

An :class:`Event`'s fields are those of the line protocol's event of the
same name (``docs/protocol.md``); :func:`to_line` and :func:`from_line` are
that line form, which is also how cluster nodes pass events to each other
through Redis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatroom.wire.lines import format_line, parse_event
from chatroom.wire.tags import Tags, format_tags, parse_pairs

#: A door's renderer: turns any :class:`Encodable` into that door's bytes.
Encoder = Callable[[Any], bytes]


class Encodable:
    """Something a door renders; each rendering is kept, per door."""

    __slots__ = ("_encoded",)

    def __init__(self) -> None:
        self._encoded: dict[Encoder, bytes] = {}

    def encoded(self, encoder: Encoder) -> bytes:
        """``encoder(self)``, computed once per encoder."""
        try:
            return self._encoded[encoder]
        except KeyError:
            data = self._encoded[encoder] = encoder(self)
            return data


class Event(Encodable):
    """One thing that happened: ``JOIN``, ``MSG``, ``PRIVMSG``, ``ROOM``...

    ``name`` is the line protocol's event word, ``fields`` its fields (for
    room events the first is the room's name) and ``text`` its free text.
    ``id`` is a stored event's position in its room (``MSG``, ``ACTION`` and
    their ``HISTORY`` forms), increasing within the room; "" for events that
    are not stored. It is not part of the line: a door shows it only to
    connections that asked (``/caps ids``), with a second rendering
    (:func:`to_id_line`), so nobody else pays for it. ``tags`` (``reply``...)
    are shown only to ``/caps rich`` connections, after the id
    (:func:`to_rich_line`).
    """

    __slots__ = ("fields", "id", "name", "tags", "text")

    def __init__(
        self,
        name: str,
        fields: Sequence[str],
        text: str = "",
        id: str = "",
        tags: Tags = (),
    ) -> None:
        super().__init__()
        self.name = name
        self.fields = tuple(fields)
        self.text = text
        self.id = id
        self.tags = tags

    def __repr__(self) -> str:
        return f"<Event {self.name} {' '.join(self.fields)} {self.text!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and (self.name, self.fields, self.text) == (
            other.name,
            other.fields,
            other.text,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.fields, self.text))


def to_line(event: Event) -> bytes:
    """The event as one protocol line (CRLF-terminated UTF-8)."""
    return format_line(event.name, *event.fields, text=event.text or None)


def to_id_line(event: Event) -> bytes:
    """The line preceded by ``@ID `` for a stored event (``/caps ids``).

    Built from the event's cached plain line, so a room's message costs one
    more concatenation per door, not a second encoding, and only if some
    member asked for ids.
    """
    line = event.encoded(to_line)
    if not event.id:
        return line
    return b"@" + event.id.encode("ascii") + b" " + line


def to_rich_line(event: Event) -> bytes:
    """``@ID;key=value... `` and the line (``/caps rich``): the id with the
    event's tags, escaped as IRCv3 message tags are."""
    if not event.tags:
        return event.encoded(to_id_line)
    head = "@" + event.id + ";" + format_tags(event.tags) + " "
    return head.encode("utf-8") + event.encoded(to_line)


#: Events only ``/caps rich`` connections see (``EDIT`` as itself: others
#: get a ``MSG`` saying ``* `` and the new text when it happens, nothing in
#: a replay, where the message already shows its new text; reactions and
#: typing notices not at all).
RICH_ONLY = frozenset({"EDIT", "REDACT", "REACT", "UNREACT", "TYPING"})


#: Events only the IRC door shows (``ACCOUNT room user name``, for
#: ``account-notify``; ``HISTORY_TOPIC room user time``, a topic change
#: kept in the room's history for ``draft/event-playback``): the line door
#: and the web client drop them, live and in replays.
IRC_ONLY = frozenset({"ACCOUNT", "HISTORY_TOPIC"})


def edit_fallback(event: Event) -> bytes:
    """``EDIT room id user time text`` as clients without ``rich`` get it:
    ``MSG room user time * text``."""
    room, _target, user, stamp = event.fields
    return format_line("MSG", room, user, stamp, text="* " + event.text)


def live_line(event: Event) -> bytes:
    """An event as it happens, for a connection without ``rich``."""
    if event.name in IRC_ONLY:
        return b""
    if event.name in RICH_ONLY:
        return event.encoded(edit_fallback) if event.name == "EDIT" else b""
    return event.encoded(to_line)


def live_id_line(event: Event) -> bytes:
    """The same with ``@ID `` (``/caps ids``)."""
    if event.name in IRC_ONLY:
        return b""
    if event.name in RICH_ONLY:
        if event.name != "EDIT":
            return b""
        return b"@" + event.id.encode("ascii") + b" " + event.encoded(edit_fallback)
    return event.encoded(to_id_line)


def live_rich_line(event: Event) -> bytes:
    """An event as it happens, for a ``rich`` connection."""
    return b"" if event.name in IRC_ONLY else event.encoded(to_rich_line)


def replay_line(event: Event) -> bytes:
    """A stored event in a replay (welcome, ``/history``) without ``rich``:
    the messages as they now stand, nothing else."""
    hidden = event.name in RICH_ONLY or event.name in IRC_ONLY
    return b"" if hidden else event.encoded(to_line)


def replay_rich_line(event: Event) -> bytes:
    """A stored event in a replay for a ``rich`` connection: all but the
    IRC door's own."""
    return b"" if event.name in IRC_ONLY else event.encoded(to_rich_line)


def replay_id_line(event: Event) -> bytes:
    """The same with ``@ID ``."""
    hidden = event.name in RICH_ONLY or event.name in IRC_ONLY
    return b"" if hidden else event.encoded(to_id_line)


def id_prefix(head: bytes) -> tuple[str, Tags]:
    """The id and tags of an ``@ID;tags`` prefix (without the space)."""
    event_id, _, tags = head[1:].decode("utf-8").partition(";")
    return event_id, parse_pairs(tags)


def from_line(data: bytes) -> Event:
    """Parse one protocol line (with its CRLF) back into an :class:`Event`.

    The line itself is kept as the event's line rendering, so a node
    relaying an event from Redis to its line clients never re-encodes it.
    A line that starts with ``@ID `` (a stored event, as the cluster
    publishes it) keeps that whole line as its :func:`to_id_line` rendering
    (or, with tags, ``@ID;tags ``, its :func:`to_rich_line` one) and the
    rest as its plain one.
    """
    event_id, tags = "", Tags()
    if data.startswith(b"@"):
        head, _, plain = data.partition(b" ")
        event_id, tags = id_prefix(head)
    else:
        plain = data
    parsed = parse_event(plain.rstrip(b"\r\n").decode("utf-8"))
    event = Event(parsed.name, parsed.fields, parsed.text, event_id, tags)
    event._encoded[to_line] = plain
    if event_id:
        event._encoded[to_rich_line if tags else to_id_line] = data
    return event


def history_event(
    kind: str,
    room: str,
    user: str,
    stamp: str,
    text: str,
    id: str = "",
    tags: Tags = (),
) -> Event:
    """The ``HISTORY`` (or ``HISTORY_ACTION``) form of a ``MSG`` (``ACTION``)."""
    name = "HISTORY" if kind == "MSG" else "HISTORY_ACTION"
    return Event(name, (room, user, stamp), text, id, tags)


#: The stored forms of messages, the events that carry the time they were
#: said (``HISTORY room user time``); reactions, edits and deletions
#: stored beside them carry none of their own.
SAID = frozenset({"HISTORY", "HISTORY_ACTION"})


def said_at(event: Event) -> str | None:
    """The time a stored message was said; None for any other event."""
    return event.fields[2] if event.name in SAID else None


def happened_at(event: Event) -> str | None:
    """The time of a stored event that keeps one: a message's, or a topic
    change's (``HISTORY_TOPIC``); None for the rest."""
    if event.name == "HISTORY_TOPIC":
        return event.fields[2]
    return said_at(event)


class RoomInfo(Encodable):
    """One room as the lobby shows it: name, member count, capacity, topic;
    and whether it is ``secret`` (listed to its members only)."""

    __slots__ = ("capacity", "members", "name", "secret", "topic")

    def __init__(
        self, name: str, members: int, capacity: int, topic: str, secret: bool = False
    ) -> None:
        super().__init__()
        self.name = name
        self.members = members
        self.capacity = capacity
        self.topic = topic
        self.secret = secret


class RoomGone(Encodable):
    """A room that has been removed, for lobby watchers."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Listing(Encodable):
    """The room list (``/list``, the lobby on arrival)."""

    __slots__ = ("rooms",)

    def __init__(self, rooms: Sequence[RoomInfo]) -> None:
        super().__init__()
        self.rooms = tuple(rooms)

    def public(self) -> Listing:
        """The list without its secret rooms (itself if it has none)."""
        if not any(info.secret for info in self.rooms):
            return self
        return Listing([info for info in self.rooms if not info.secret])


class LobbyChanges(Encodable):
    """Rooms whose listing changed since the last push, for ``/watch``."""

    __slots__ = ("changes",)

    def __init__(self, changes: Sequence[RoomInfo | RoomGone]) -> None:
        super().__init__()
        self.changes = tuple(changes)


@dataclass
class Welcome:
    """What a member is shown on entering a room, oldest history first."""

    room: str
    members: list[str]
    capacity: int
    history: list[Event] = field(default_factory=list)
    topic: str = ""
    topic_by: str = ""
    #: When the topic was set (Unix seconds; 0 for unknown), IRC's ``333``.
    topic_at: int = 0
    #: Set when the member asked to resume (``since``) and more was missed
    #: than is replayed: the number of events left out, or "?" if unknown.
    gap: str = ""
    #: How many members the room has, when ``members`` lists only some of
    #: them: a big room's announced members and the joiner (see
    #: :mod:`chatroom.core.presence`); None when it lists everyone.
    total: int | None = None
    #: The room's owner, if present ("": none), so that a door listing a
    #: big room's announced members need not ask for the whole room.
    owner: str = ""

    @property
    def count(self) -> int:
        """The room's true number of members."""
        return len(self.members) if self.total is None else self.total


@dataclass
class RoomDetails:
    """A room's members (arrival order), owner and topic, for ``/who``.

    ``operators``: the members who moderate the room besides its owner
    (``/op``), so a door can mark them as it marks the owner (IRC's ``@``).
    """

    room: str
    members: list[str]
    owner: str = ""
    topic: str = ""
    topic_by: str = ""
    operators: list[str] = field(default_factory=list)
    #: The members with a voice (``/voice``, IRC's ``+``).
    voiced: list[str] = field(default_factory=list)
    #: The owner gave up operator status (``/deop`` of themself).
    owner_unopped: bool = False
    #: The room is secret (``/set secret on``, IRC ``+s``).
    secret: bool = False
    #: Its members are shown to its members only: a secret, keyed or
    #: invite-only room (a key or an invitation keeps out who may not
    #: see who is inside, at every door).
    closed: bool = False
    #: When the topic was set and the room made (Unix seconds; 0 for
    #: unknown): IRC's ``333`` and ``329``.
    topic_at: int = 0
    created_at: int = 0

    def members_shown(self, to_a_member: bool) -> bool:
        """Whether one asking (a member of the room or not) sees its members."""
        return to_a_member or not self.closed


@dataclass
class DeviceList:
    """``/devices``: the asker's number and each device's number, door and
    sign-in time, oldest first."""

    asker: int
    devices: list[tuple[int, str, float]] = field(default_factory=list)
