"""Where a line-protocol session is: its rooms and its current room.

Without the ``multi`` capability a session is in one room at most (a join
leaves it, as the line protocol always did); with it, in any number, in
the order it entered them, one of which is *current*: where plain lines,
``/me``, ``/topic``, ``/who`` and the moderation commands act. Kept apart
from :mod:`chatroom.doors.line.session` so the rule of which room becomes
current is written once, as plain functions of the state (no I/O): the
session applies what they return in its one ``_settle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chatroom.core.model.text import name_key

#: Rooms whose one-room ``Places`` are remembered (see :func:`alone_in`).
ALONE_CACHED = 1024


@dataclass(frozen=True, slots=True)
class Places:
    """The rooms a session is in (oldest first) and the current one."""

    rooms: tuple[str, ...] = ()
    current: str | None = None

    def find(self, room: str) -> str | None:
        """The name of ``room`` as the session entered it, if it is in it."""
        key = name_key(room)
        return next((name for name in self.rooms if name_key(name) == key), None)

    def entered(self, room: str, multi: bool) -> Places:
        """In ``room`` too (``multi``), or instead of the others; current."""
        kept = tuple(name for name in self.rooms if name_key(name) != name_key(room))
        return Places((*kept, room), room) if multi and kept else alone_in(room)

    def added(self, room: str) -> Places:
        """In ``room`` too (another device of the account entered it), the
        current room unchanged (``room`` if there was none)."""
        if self.find(room) is not None:
            return self
        return _placed((*self.rooms, room), self.current or room)

    def left(self, room: str) -> Places:
        """Out of ``room``; if it was current, the most recently entered
        remaining room is current (none: the lobby)."""
        key = name_key(room)
        rooms = tuple(name for name in self.rooms if name_key(name) != key)
        current = self.current
        if current is None or name_key(current) == key:
            current = rooms[-1] if rooms else None
        return _placed(rooms, current)

    def renamed(self, old: str, new: str) -> Places:
        """Room ``old`` is called ``new``: in the same order, current if it was."""
        key = name_key(old)
        rooms = tuple(new if name_key(name) == key else name for name in self.rooms)
        current = self.current
        if current is not None and name_key(current) == key:
            current = new
        return _placed(rooms, current)

    def focused(self, room: str) -> Places:
        """``room`` (one the session is in) is current."""
        return _placed(self.rooms, room)


#: Where a session is before it joins a room, or after it left the last.
NOWHERE = Places()


@lru_cache(maxsize=ALONE_CACHED)
def alone_in(room: str) -> Places:
    """In ``room`` only, and it is current: one shared object per room.

    A ``Places`` never changes, so sessions may share one, and most
    sessions are in one room: an idle client then holds no ``Places`` (a
    slotted object and its tuple, 96 bytes) of its own.
    """
    return Places((room,), room)


def _placed(rooms: tuple[str, ...], current: str | None) -> Places:
    """``Places(rooms, current)``, shared where it is one of the common ones."""
    if not rooms:
        return NOWHERE
    if len(rooms) == 1 and current == rooms[0]:
        return alone_in(current)
    return Places(rooms, current)
