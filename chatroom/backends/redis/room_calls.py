"""Rooms' calls in a cluster: the ``CallStore`` on Redis.

A room's call is one key on the room's slot (``P call:<room>``, or
``{chatroom/<room>}:call`` with rooms apart), a JSON object: the room's
name, the call's id, when it started and its participants in the order
they joined, each with its name, name key, session token and connection.
Every node reads it (``/call``, a signal's check) and changes it only by
``call-apply``, which checks the change's premises with the prelude's
interpreter and applies its operations, dropping the key when the call
ends. Nothing of a call is in the room's history or log.
"""

from __future__ import annotations

import json
from typing import Any

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.calls import CallFacts, Participant, RoomCall

#: Operands: ``change`` (a room's call's change). ``CHANGED`` and the failed
#: premise's place, else ``OK``.
CALL_APPLY = Script("call-apply", room_at="change", subjects=(RoomCall,))

#: Operands: room (its name key). The call kept, or false (nil).
CALL_READ = Script("call-read", room_at="room")


def _participant(kept: dict[str, Any]) -> Participant:
    return Participant(
        str(kept["name"]),
        str(kept["user"]),
        str(kept["token"]),
        str(kept["connection"]),
        int(kept.get("device") or 0),
    )


def read_call(data: Any) -> CallFacts | None:
    """The call a ``call-read`` answered, or None."""
    if not data:
        return None
    kept = json.loads(data)
    participants = kept.get("participants") or []
    return CallFacts(
        str(kept["room"]),
        str(kept["call"]),
        int(kept["since"]),
        tuple(_participant(p) for p in participants if isinstance(p, dict)),
    )


class RedisRoomCalls:
    """Each step one script on the room's slot."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def call_of(self, room: str) -> CallFacts | None:
        return read_call(await self.calls.eval(CALL_READ, {"room": room}))

    @applies(RoomCall)
    async def apply(self, change: DecidedChange) -> None:
        await self.calls.call(CALL_APPLY, {"change": change}, refusals={})
