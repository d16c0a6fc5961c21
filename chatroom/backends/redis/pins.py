"""Rooms' pinned messages in Redis: the cluster's :class:`PinStore`.

One hash per room, in the room's slot (``pins``, beside its other keys):
message id → the name that pinned it. ``PINS_APPLY`` checks the change's
premises (the room's incarnation and version as read), sets the pin,
shows the members the event and records it in the room's moderation log
in one script; the hash goes with the room's keys.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.messages.pin_store import Pin
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.messages import RoomPins
from chatroom.core.moderation.modlog import MODLOG_KEEP

#: Operands: ``change`` (a room's pins' change: a pin set or taken off,
#: the event shown, the entries recorded; resting on the room as read),
#: ``keep`` (the most entries a moderation log keeps). ``NO_SUCH_ROOM``,
#: ``CHANGED`` (and the failed premise's place), or ``OK`` once applied.
PINS_APPLY = Script("pins-apply", room_at="change", subjects=(RoomPins,))

#: Operands: room. The room's pins: id, by, id, by...
PINS = Script("pins", room_at="room")


class RedisPins:
    """Rooms' pins, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def pins(self, room: str) -> list[Pin]:
        flat = await self.calls.eval(PINS, {"room": room})
        pinned = {int(flat[i]): flat[i + 1].decode() for i in range(0, len(flat), 2)}
        return [Pin(event_id, pinned[event_id]) for event_id in sorted(pinned)]

    @applies(RoomPins)
    async def apply(self, change: DecidedChange) -> None:
        assert isinstance(change.subject, RoomPins)
        room = change.subject.room
        await self.calls.call(
            PINS_APPLY,
            {"change": change, "keep": MODLOG_KEEP},
            refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(room)},
        )
