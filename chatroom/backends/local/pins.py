"""Rooms' pinned messages in one process: the local :class:`PinStore`.

Kept in memory (loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the SQLite file's ``pins``
table with ``--db``), like webhooks; a room's pins go with the room
(:meth:`StoredPins.forget`, and the store's ``drop_room``). Nothing here
waits, so a change is atomic as every local step is: its premises are
checked on the room (the back-end's ``changed_room``), then it is applied.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.backends.local.records import Store
from chatroom.backends.local.rooms import Room
from chatroom.core.messages.pin_store import Pin
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.messages import RoomPins, SetPin
from chatroom.core.model.changes.rooms import Emit


class StoredPins:
    """room key → {message id → who pinned it}."""

    def __init__(
        self, store: Store, changed_room: Callable[[DecidedChange], Room]
    ) -> None:
        """Args:
        changed_room: the room a change is about, once its premises hold
            there (:class:`~chatroom.core.model.changes.base.PremiseFailedError` if not,
            ``NO_SUCH_ROOM``).
        """
        self.store = store
        self.changed_room = changed_room
        self.by_room: dict[str, dict[int, str]] = {}
        for room, event_id, by in store.load_pins():
            self.by_room.setdefault(room, {})[event_id] = by

    async def pins(self, room: str) -> list[Pin]:
        pinned = self.by_room.get(room, {})
        return [Pin(event_id, pinned[event_id]) for event_id in sorted(pinned)]

    def count(self, key: str) -> int:
        """How many messages room ``key`` has pinned (a join's facts)."""
        return len(self.by_room.get(key, ()))

    @applies(RoomPins)
    async def apply(self, change: DecidedChange) -> None:
        where = self.changed_room(change)
        for op in change.ops:
            if isinstance(op, SetPin):
                pinned = self.by_room.setdefault(where.key, {})
                if op.pinned:
                    pinned[op.event_id] = op.by
                else:
                    pinned.pop(op.event_id, None)
                self.store.save_pin(where.key, op.event_id, op.by, op.pinned)
            elif isinstance(op, Emit):
                where.broadcast(op.event)
            else:
                raise TypeError(f"no operation {op!r} of a room's pins")

    def moved(self, key: str, new_key: str) -> None:
        """Room ``key`` is called ``new_key`` (the store moves the rows)."""
        if key in self.by_room:
            self.by_room[new_key] = self.by_room.pop(key)

    def forget(self, key: str) -> None:
        """Room ``key`` is gone, and its pins with it (the store drops their
        rows with the room's)."""
        self.by_room.pop(key, None)
