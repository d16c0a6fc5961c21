"""Buffers: a log of its own for every room the user is in and every
private conversation, with unread counts and read markers.

The client turns on the server's ``multi`` capability (protocol.md, *Many
rooms*), so joining a room adds it and leaves no other. :class:`Buffers`
is the part of :class:`chatroom.client.model.SessionModel` that keeps one
:class:`Buffer` per room (in the order joined) and per conversation (in
the order started), which of them is on screen (the *focused* one), and
how many lines of each the user has not seen yet.

A room's unread count follows the server's read marker (``READ ROOM ID``,
``UNREAD``): the messages and actions in its log after the marker, or
after the newest line the user has had in view, whichever is later. A
line counts as seen when its buffer is focused and the log is scrolled
to the bottom (the view says so with :meth:`Buffers.set_following`); the
controller then sends ``/read ROOM ID`` (see :mod:`.switching`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chatroom.client.entries import Change, EntryKind, LogEntry, Page, log_key
from chatroom.client.history import RoomHistory
from chatroom.core.text import name_key
from chatroom.wire.lines import ParsedLine

#: The lines an unread count counts.
COUNTED = frozenset(
    {EntryKind.MESSAGE, EntryKind.ACTION, EntryKind.PRIVATE, EntryKind.TO_OPERATORS}
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
    capacity: int = 0
    members: list[str] = field(default_factory=list)
    owner: str | None = None
    topic: str = ""
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
        """How the buffer list names it: ``#tea``, ``carol``, or ``search``."""
        return self.name if self.private or self.search else f"#{self.name}"

    @property
    def is_room(self) -> bool:
        """Whether it is a room's (not a conversation, not search results)."""
        return not (self.private or self.search)


class Buffers(RoomHistory):
    """The rooms and conversations, which one is shown, and their news."""

    page: Page

    def __init__(self, shown_log: str, now: Callable[[], float]) -> None:
        super().__init__(shown_log, now)
        #: By log key, in the order joined (rooms) or started (conversations).
        self.buffers: dict[str, Buffer] = {}
        #: The key of the buffer on screen (None: the lobby or the name page).
        self.focused: str | None = None
        #: The server's current room (where plain lines and /me go).
        self.server_room: str | None = None
        #: Whether the log on screen shows its newest line (the view says).
        self.following = True

    # -- the focused buffer, as the screen and the controller read it ----------

    @property
    def buffer(self) -> Buffer | None:
        """The buffer on screen, if any."""
        return self.buffers.get(self.focused) if self.focused else None

    @property
    def room(self) -> str | None:
        """The room on screen (None: the lobby, or a conversation)."""
        buffer = self.buffer
        return buffer.name if buffer is not None and buffer.is_room else None

    @property
    def members(self) -> list[str]:
        buffer = self.buffer
        if buffer is None or buffer.search:
            return []
        if buffer.private:
            return [name for name in (self.own_name, buffer.name) if name]
        return buffer.members

    @property
    def members_total(self) -> int | None:
        """The room's size when only some of its members are listed."""
        buffer = self.buffer
        return buffer.total if buffer is not None and not buffer.private else None

    @property
    def owner(self) -> str | None:
        return self.buffer.owner if self.buffer is not None else None

    @property
    def topic(self) -> str:
        buffer = self.buffer
        if buffer is not None and buffer.private:
            return "private conversation"
        if buffer is not None and buffer.search:
            return buffer.topic
        return buffer.topic if buffer is not None else ""

    @property
    def capacity(self) -> int:
        return self.buffer.capacity if self.buffer is not None else 0

    def room_buffer(self, room: str) -> Buffer | None:
        """The buffer of ``room``, if the user is in it."""
        return self.buffers.get(log_key(Page.ROOM, room))

    def rooms_in(self) -> list[str]:
        """Every room the user is in, in the order joined."""
        return [b.name for b in self.buffers.values() if b.is_room]

    # -- switching ---------------------------------------------------------------

    def _set_page(self, page: Page) -> None:
        raise NotImplementedError  # the session model's

    def _nothing_to_refocus(self) -> bool:
        """No buffer on screen, and none to come back after a rejoin."""
        raise NotImplementedError  # the session model's

    def focus(self, key: str) -> bool:
        """Show the buffer ``key``; False if there is no such buffer, or
        the user is not signed in (the username page stays)."""
        if key not in self.buffers or self.page not in (Page.LOBBY, Page.ROOM):
            return False
        self.focused = key
        self._set_page(Page.ROOM)
        self._caught_up()
        self._changed(Change.HEADER)
        self._changed(Change.MEMBERS)
        self._changed(Change.BUFFERS)
        return True

    def focus_number(self, number: int) -> bool:
        """Show the ``number``-th buffer (from 1), as Alt-1..9 do."""
        keys = list(self.buffers)
        return 0 < number <= len(keys) and self.focus(keys[number - 1])

    def focus_step(self, step: int) -> bool:
        """Show the next (1) or previous (-1) buffer, wrapping round."""
        keys = list(self.buffers)
        if not keys:
            return False
        at = keys.index(self.focused) if self.focused in keys else -1
        return self.focus(keys[(at + step) % len(keys)])

    def set_following(self, following: bool) -> None:
        """Whether the log on screen shows its newest line (the view's word)."""
        self.following = following
        self._caught_up()

    def in_view(self, key: str) -> bool:
        """Whether the newest line of ``key`` is in front of the user."""
        return self.page == Page.ROOM and self.focused == key and self.following

    def _caught_up(self) -> None:
        """The focused buffer is in view: its news is seen."""
        buffer = self.buffer
        if buffer is None or not self.in_view(buffer.key):
            return
        buffer.seen = max(buffer.seen, self.last_ids.get(buffer.key, 0))
        if buffer.unread or buffer.mentions:
            buffer.unread = buffer.mentions = 0
            self._changed(Change.BUFFERS)

    def to_mark_read(self) -> list[tuple[str, int]]:
        """``(room, id)`` for each room seen further than its read marker."""
        return [
            (buffer.name, buffer.seen)
            for buffer in self.buffers.values()
            if buffer.is_room
            and buffer.seen
            and buffer.seen > (-1 if buffer.marker is None else buffer.marker)
        ]

    def mark_read(self, room: str, number: int) -> None:
        """``/read ROOM ID`` is on its way: the marker is there already."""
        buffer = self.room_buffer(room)
        if buffer is not None:
            buffer.marker = max(buffer.marker or 0, number)

    # -- opening and closing -------------------------------------------------------

    def _open_room(self, room: str) -> Buffer:
        """The buffer of a room just joined (kept across a rejoin)."""
        key = log_key(Page.ROOM, room)
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = Buffer(key, room)
        buffer.name = room
        self._changed(Change.BUFFERS)
        return buffer

    def _conversation(self, user: str) -> Buffer:
        key = private_key(user)
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = Buffer(key, user, private=True)
            self._changed(Change.BUFFERS)
        return buffer

    def open_conversation(self, user: str) -> None:
        """A private conversation with ``user``, shown (``/query``)."""
        self.focus(self._conversation(user).key)

    def close(self, key: str) -> None:
        """Forget a buffer (a room left, a conversation closed); if it was
        on screen, show the room joined last, as the server's FOCUS will,
        or the lobby when no room is left."""
        if self.buffers.pop(key, None) is None:
            return
        self._changed(Change.BUFFERS)
        if self.focused != key:
            return
        rooms = [b.key for b in self.buffers.values() if b.is_room]
        if rooms:
            self.focus(rooms[-1])
        else:
            self.focused = None
            self._set_page(Page.LOBBY)
            self._changed(Change.HEADER)
            self._changed(Change.MEMBERS)

    # -- counting ------------------------------------------------------------------

    def _add(self, entry: LogEntry, where: str | None = None) -> None:
        super()._add(entry, where)
        key = where or self.shown_log
        buffer = self.buffers.get(key)
        if buffer is None:
            return
        if self.in_view(key):
            if entry.id is not None:
                buffer.seen = max(buffer.seen, entry.id)
        elif (
            entry.kind in COUNTED and not entry.earlier and entry.user != self.own_name
        ):
            buffer.unread += 1
            buffer.mentions += entry.mentions_me
            self._changed(Change.BUFFERS)

    def _recount(self, buffer: Buffer) -> None:
        """Count again from the log: what came after the marker and the
        newest line seen (a catch-up's history, another device's READ)."""
        if self.in_view(buffer.key):
            self._caught_up()
            return
        after = max(buffer.marker or 0, buffer.seen)
        counted = [
            entry
            for entry in self.logs.get(buffer.key, [])
            if entry.kind in COUNTED
            and entry.id is not None
            and entry.id > after
            and entry.user != self.own_name
        ]
        buffer.unread = len(counted)
        buffer.mentions = sum(entry.mentions_me for entry in counted)
        self._changed(Change.BUFFERS)

    # -- server events ---------------------------------------------------------------

    def _on_FOCUS(self, event: ParsedLine) -> None:
        self.server_room = self._field(event, 0)
        buffer = self.room_buffer(self.server_room)
        if buffer is not None and self._nothing_to_refocus():
            self.focus(buffer.key)

    def _on_READ(self, event: ParsedLine) -> None:
        buffer = self.room_buffer(self._field(event, 0))
        marker = self._field(event, 1)
        if buffer is None or not marker.isdigit():
            return
        buffer.marker = max(buffer.marker or 0, int(marker))
        self._recount(buffer)

    def _on_UNREAD(self, event: ParsedLine) -> None:
        buffer = self.room_buffer(self._field(event, 0))
        if buffer is None or self.in_view(buffer.key):
            return
        counts = [self._field(event, index) for index in (1, 2)]
        if all(count.isdigit() for count in counts):
            buffer.unread, buffer.mentions = (int(count) for count in counts)
            self._changed(Change.BUFFERS)
