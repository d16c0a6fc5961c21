"""A room's pinned messages as a back-end keeps them (the rules that pin
and unpin are :mod:`chatroom.core.pins`')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chatroom.core.changes import DecidedChange


@dataclass(frozen=True)
class Pin:
    """Message ``event_id``, pinned by ``by``."""

    event_id: int
    by: str


class PinStore(Protocol):
    """Where a back-end keeps rooms' pins (by room key)."""

    async def pins(self, room: str) -> list[Pin]:
        """Room ``room``'s pins, oldest message first."""
        ...

    async def apply(self, change: DecidedChange) -> None:
        """Apply a pin's change of a room's
        :class:`~chatroom.core.changes.RoomPins` (its
        :class:`~chatroom.core.changes.SetPin`, then
        :class:`~chatroom.core.changes.Emit` to the members) if its
        premises (the room's incarnation and version as read) hold; else
        :class:`~chatroom.core.changes.PremiseFailedError`
        (``NO_SUCH_ROOM`` if the room is gone)."""
        ...
