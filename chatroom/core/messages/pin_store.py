"""A room's pinned messages as a back-end keeps them (the rules that pin
and unpin are :mod:`chatroom.core.messages.pins`')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Pin:
    """Message ``event_id``, pinned by ``by``."""

    event_id: int
    by: str


class PinStore(Protocol):
    """Where a back-end keeps rooms' pins (by room key), read: a pin's
    change of a room's :class:`~chatroom.core.model.changes.messages.RoomPins` (its
    :class:`~chatroom.core.model.changes.messages.SetPin`, then
    :class:`~chatroom.core.model.changes.rooms.Emit` to the members, resting on the
    room's incarnation and version as read) goes through the back-end's
    :meth:`~chatroom.core.backend.Backend.apply`."""

    async def pins(self, room: str) -> list[Pin]:
        """The pins of the room whose key is ``room`` (its name's
        :func:`~chatroom.core.model.text.name_key`), oldest message first."""
        ...
