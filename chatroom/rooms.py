"""A chat room: its members, owner, topic, history and fan-out.

A room knows nothing about sockets or commands. Its members are anything
with a ``name`` and a ``send(bytes)`` method (the server's protocol objects
in practice), and :meth:`Room.broadcast` is the one place where a room's
traffic reaches them: the seam where a multi-process deployment would
publish to other nodes before delivering to its own members.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple, Protocol

from chatroom.text import name_key
from chatroom.wire import format_line


class Member(Protocol):
    """What a room needs of a member: a display name and a way to send."""

    name: str

    def send(self, data: bytes) -> None: ...


class HistoryEntry(NamedTuple):
    """One remembered message or action, replayed to joiners."""

    event: str  # "HISTORY" or "HISTORY_ACTION"
    user: str
    stamp: str
    text: str


class Room:
    """A room owns its members (in order of arrival) and does its own fan-out.

    Members live in a dict used as an ordered set: insertion order is arrival
    order, which decides who inherits ownership and the order of ``MEMBERS``.
    """

    def __init__(
        self,
        name: str,
        capacity: int,
        history_size: int,
        permanent: bool = False,
        owner: Member | None = None,
    ) -> None:
        self.name = name
        self.key = name_key(name)
        self.capacity = capacity
        self.permanent = permanent
        self.owner: Member | None = None if permanent else owner
        self.topic = ""
        self.topic_by = ""
        self.members: dict[Member, None] = {}
        self.history: deque[HistoryEntry] = deque(maxlen=history_size)
        self._listing_state: tuple[int, str] | None = None
        self._listing = b""

    def __repr__(self) -> str:
        return f"<Room {self.name!r} members={len(self.members)}>"

    @property
    def is_full(self) -> bool:
        return len(self.members) >= self.capacity

    def broadcast(self, data: bytes) -> None:
        """Write one already-encoded line to every member.

        The caller encodes once; every member gets the same bytes. A member
        whose send queue overflows aborts its own connection inside ``send``
        and leaves the room later (from ``connectionLost``), so the member
        set never changes while this loop runs and one stalled reader cannot
        hold up the others.
        """
        for member in self.members:
            member.send(data)

    def add(self, member: Member) -> None:
        """Add a member and tell the others (the joiner gets its own replies)."""
        self.broadcast(format_line("JOIN", self.name, member.name))
        self.members[member] = None

    def remove(self, member: Member, reason: str, announce: bool = True) -> None:
        """Remove a member, tell the rest why, and pass ownership on if needed."""
        del self.members[member]
        if announce:
            self.broadcast(format_line("PART", self.name, member.name, text=reason))
        if self.owner is member:
            self.owner = next(iter(self.members), None)
            if self.owner is not None and announce:
                self.broadcast(format_line("OWNER", self.name, self.owner.name))

    def remember(self, event: str, user: str, stamp: str, text: str) -> None:
        """Keep a message for future joiners (bounded by the history size)."""
        self.history.append(HistoryEntry(event, user, stamp, text))

    def welcome_lines(self) -> bytes:
        """What a joiner receives: JOINED, MEMBERS, history, then the topic."""
        lines = [
            format_line(
                "JOINED", self.name, str(len(self.members)), str(self.capacity)
            ),
            format_line("MEMBERS", self.name, *(m.name for m in self.members)),
        ]
        lines.extend(
            format_line(
                entry.event, self.name, entry.user, entry.stamp, text=entry.text
            )
            for entry in self.history
        )
        if self.topic:
            lines.append(
                format_line("TOPIC", self.name, self.topic_by, text=self.topic)
            )
        return b"".join(lines)

    def listing_line(self) -> bytes:
        """This room's ``ROOM`` line for the lobby list.

        Every newcomer is sent the whole list, so the line is kept and only
        rebuilt when what it shows (member count, topic) has changed.
        """
        state = (len(self.members), self.topic)
        if state != self._listing_state:
            self._listing = format_line(
                "ROOM",
                self.name,
                str(state[0]),
                str(self.capacity),
                text=self.topic,
            )
            self._listing_state = state
        return self._listing
