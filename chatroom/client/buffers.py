"""Buffers: a log of its own for every room the user is in and every
private conversation (and the search results, a thread, the reports),
with unread counts and read markers.

The client turns on the server's ``multi`` capability (protocol.md, *Many
rooms*), so joining a room adds it and leaves no other. :class:`Buffers`,
a part of :class:`chatroom.client.model.SessionModel`, keeps one
:class:`Buffer` per room (in the order joined) and per conversation (in
the order started), which of them is on screen (the *focused* one), and
how many lines of each the user has not seen yet.

A room's unread count follows the server's read marker (``READ ROOM ID``,
``UNREAD``): the messages and actions in its log after the marker, or
after the newest line the user has had in view, whichever is later; a
kept conversation's likewise (``READ @USER ID``). A line counts as seen
when its buffer is focused and the log is scrolled to the bottom (the
view says so through the model's ``set_following``); the controller then
sends ``/read ROOM ID`` (``/read @USER ID``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatroom.client.entries import EntryKind, LogEntry, Page, log_key
from chatroom.wire.names import name_key

#: The lines an unread count counts.
COUNTED = frozenset(
    {
        EntryKind.MESSAGE,
        EntryKind.ACTION,
        EntryKind.PRIVATE,
        EntryKind.TO_OPERATORS,
        EntryKind.REPORT,
    }
)


def private_key(user: str) -> str:
    """The log key of the private conversation with ``user``."""
    return f"private:{name_key(user)}"


@dataclass(slots=True)
class Buffer:
    """One room the user is in, or one private conversation."""

    key: str
    #: The room's name, or the other user's in a conversation.
    name: str
    private: bool = False
    #: The results of ``/search`` (see :mod:`.findings`), not a room.
    search: bool = False
    #: The reports of messages (see :mod:`.reports`), not a room.
    reports: bool = False
    #: A thread of the room ``name`` (see :mod:`.threads`): its root's id.
    thread: str = ""
    #: The account's notification level here (``NOTIFY``; "" unknown).
    level: str = ""
    capacity: int = 0
    members: list[str] = field(default_factory=list)
    owner: str | None = None
    topic: str = ""
    #: The ids of the room's pinned messages, as far as this session heard
    #: (``PIN``, ``UNPIN``, ``/pins``): what ``p`` on a selected one does.
    pinned: set[int] = field(default_factory=set)
    #: Whether the room is kept when empty (``INFO``, ``SET``); None:
    #: not heard yet. Leaving a room as its last member asks first when not.
    keep: bool | None = None
    #: The server's read marker here (None: none yet).
    marker: int | None = None
    #: The newest stored id the user has had in view here.
    seen: int = 0
    unread: int = 0
    mentions: int = 0
    #: After a rejoin: members who were here before (not announced as
    #: joining again until ``returning_until``), and the topic seen before.
    returning: set[str] = field(default_factory=set)
    returning_until: float = 0.0
    topic_before: str | None = None
    #: A big room (docs/protocol.md, Big rooms): its size when the join's
    #: MEMBERS listed only the announced members (None: it listed
    #: everyone); then ``members`` stays that list, kept by JOIN and PART,
    #: and a /who's everyone is ``everyone``, for the log.
    total: int | None = None
    joined_count: int = 0
    join_listed: bool = True
    everyone: list[str] | None = None

    @property
    def label(self) -> str:
        """How the buffer list names it: ``#tea``, ``carol``, ``search`` or
        ``reports``."""
        if self.thread:
            return f"#{self.name}›{self.thread}"
        listing = self.private or self.search or self.reports
        return self.name if listing else f"#{self.name}"

    @property
    def marked_as(self) -> str:
        """How ``/read`` names it: the room, or ``@USER`` for a conversation."""
        return f"@{self.name}" if self.private else self.name

    @property
    def is_room(self) -> bool:
        """Whether it is a room's (not a conversation, a thread, search
        results or reports)."""
        return not (self.private or self.search or self.thread or self.reports)

    @property
    def muted(self) -> bool:
        """A room whose level is ``none``: it counts and highlights nothing."""
        return self.level == "none"

    def count(self, entry: LogEntry, own_name: str | None) -> bool:
        """A line came in out of view: counted if it is news (someone
        else's message, not from history); True if it was."""
        if entry.kind not in COUNTED or entry.earlier or entry.user == own_name:
            return False
        if self.muted:
            return False
        self.unread += 1
        self.mentions += entry.mentions_me
        return True

    def recount(self, log: list[LogEntry], own_name: str | None) -> None:
        """Count again from the log: what came after the marker and the
        newest line seen (a catch-up's history, another device's READ)."""
        after = max(self.marker or 0, self.seen)
        counted = [
            entry
            for entry in log
            if entry.kind in COUNTED
            and entry.id is not None
            and entry.id > after
            and entry.user != own_name
        ]
        self.unread = 0 if self.muted else len(counted)
        self.mentions = 0 if self.muted else sum(entry.mentions_me for entry in counted)


class Buffers:
    """The rooms and conversations open, which is on screen, and their news.

    Plain data and the operations on it; the session model decides when
    they happen (focusing needs its page) and tells the screen.
    """

    def __init__(self) -> None:
        #: By log key, in the order joined (rooms) or started (conversations).
        self.by_key: dict[str, Buffer] = {}
        #: The key of the buffer on screen (None: the lobby or the name page).
        self.focused: str | None = None
        #: Whether the log on screen shows its newest line (the view says).
        self.following = True

    @property
    def shown(self) -> Buffer | None:
        """The buffer on screen, if any."""
        return self.by_key.get(self.focused) if self.focused else None

    def room_buffer(self, room: str) -> Buffer | None:
        """The buffer of ``room``, if the user is in it."""
        return self.by_key.get(log_key(Page.ROOM, room))

    def rooms_in(self) -> list[str]:
        """Every room the user is in, in the order joined."""
        return [b.name for b in self.by_key.values() if b.is_room]

    def room_keys(self) -> list[str]:
        """The keys of the rooms' buffers, in the order joined."""
        return [b.key for b in self.by_key.values() if b.is_room]

    def open_room(self, room: str) -> Buffer:
        """The buffer of a room just joined (kept across a rejoin)."""
        key = log_key(Page.ROOM, room)
        buffer = self.by_key.get(key)
        if buffer is None:
            buffer = self.by_key[key] = Buffer(key, room)
        buffer.name = room
        return buffer

    def conversation(self, user: str) -> tuple[Buffer, bool]:
        """The buffer of the private conversation with ``user``, and
        whether it was opened just now."""
        key = private_key(user)
        buffer = self.by_key.get(key)
        if buffer is not None:
            return buffer, False
        buffer = self.by_key[key] = Buffer(key, user, private=True)
        return buffer, True

    def renamed(self, room: str, name: str) -> Buffer | None:
        """Room ``room`` is called ``name``: its buffer (if the user is in
        it) under its new key, in its place, on screen if it was."""
        key, new_key = log_key(Page.ROOM, room), log_key(Page.ROOM, name)
        buffer = self.by_key.get(key)
        if buffer is None:
            return None
        self.by_key = {new_key if k == key else k: b for k, b in self.by_key.items()}
        buffer.key, buffer.name = new_key, name
        if self.focused == key:
            self.focused = new_key
        return buffer

    def close(self, key: str) -> bool:
        """Forget buffer ``key``; False if there was none."""
        return self.by_key.pop(key, None) is not None

    def to_mark_read(self) -> list[tuple[str, int]]:
        """``(target, id)`` for each room (its name) and conversation
        (``@USER``) seen further than its read marker."""
        return [
            (buffer.marked_as, buffer.seen)
            for buffer in self.by_key.values()
            if (buffer.is_room or buffer.private)
            and buffer.seen
            and buffer.seen > (-1 if buffer.marker is None else buffer.marker)
        ]

    def mark_read(self, target: str, number: int) -> None:
        """``/read TARGET ID`` is on its way: the marker is there already."""
        if target.startswith("@"):
            buffer = self.by_key.get(private_key(target[1:]))
        else:
            buffer = self.room_buffer(target)
        if buffer is not None:
            buffer.marker = max(buffer.marker or 0, number)
