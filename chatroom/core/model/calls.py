"""What a back-end keeps of calls: the :class:`CallStore` protocol.

A room's call lives as long as it has participants and no longer: the
local back-end keeps it in memory, a cluster in Redis under the room's
call key, so that every node reads and changes the same call. Nothing of
it is ever stored in a room's history. It changes only by the back-end's
one ``apply`` of a :class:`~chatroom.core.model.changes.calls.RoomCall`
change the core decided (:mod:`chatroom.core.calls.service`); this
protocol is what the core reads of it. The rooms' wing holds it
(:attr:`chatroom.core.rooms.store.RoomStore.room_calls`).
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.model.changes.calls import CallFacts


class CallStore(Protocol):
    """The rooms' calls, read and changed by the core's decisions."""

    async def call_of(self, room: str) -> CallFacts | None:
        """Room ``room``'s call (its name key), or None if none is on."""
        ...
