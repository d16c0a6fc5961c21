"""What a back-end keeps of calls: the :class:`CallStore` protocol.

A room's call lives as long as it has participants and no longer: the
local back-end keeps it in memory, a cluster in Redis under the room's
call key, so that every node reads and changes the same call. Nothing of
it is ever stored in a room's history. Its one write is :meth:`apply`, a
:class:`~chatroom.core.model.changes.calls.RoomCall` change the core
decided (:mod:`chatroom.core.calls.service`).
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.calls import CallFacts


class CallStore(Protocol):
    """The rooms' calls, read and changed by the core's decisions."""

    async def call_of(self, room: str) -> CallFacts | None:
        """Room ``room``'s call (its name key), or None if none is on."""
        ...

    async def apply(self, change: DecidedChange) -> None:
        """A change of a room's call, applied if its premises
        (:class:`~chatroom.core.model.changes.calls.CallIs`,
        :class:`~chatroom.core.model.changes.calls.Participants`) hold on
        the call as it is, else
        :class:`~chatroom.core.model.changes.base.PremiseFailedError`."""
        ...
