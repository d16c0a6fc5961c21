"""Rooms' pinned messages in Redis: the cluster's :class:`PinStore`.

One hash per room, in the room's slot (``pins``, beside its other keys):
message id → the name that pinned it. ``PINS_APPLY`` checks the change's
premises (the room's incarnation and version as read), sets the pin,
shows the members the event and records it in the room's moderation log
in one script; the hash goes with the room's keys.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.modlog import carried
from chatroom.backends.redis.prelude import Script
from chatroom.core import codec, errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import RoomPins, SetPin
from chatroom.core.model.changes.rooms import Emit, Incarnation, Version
from chatroom.core.pin_store import Pin

#: ARGV: P, room, incarnation, version, id, by, 1|0 (pinned or not), event,
#: the most entries the room's moderation log keeps and the entries the
#: change records there (:func:`~.modlog.carried`). The room as read
#: (``CHANGED``; ``NO_SUCH_ROOM``), then the pin set or taken off, the
#: event shown to the members and the entries recorded. Answers ``OK``.
PINS_APPLY = Script("pins-apply", room_at=2)

#: ARGV: P, room. The room's pins: id, by, id, by...
PINS = Script("pins", room_at=2)


class RedisPins:
    """Rooms' pins, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def pins(self, room: str) -> list[Pin]:
        flat = await self.calls.eval(PINS, room)
        pinned = {int(flat[i]): flat[i + 1].decode() for i in range(0, len(flat), 2)}
        return [Pin(event_id, pinned[event_id]) for event_id in sorted(pinned)]

    async def apply(self, change: DecidedChange) -> None:
        (pin,), (shown,) = change.of(SetPin), change.of(Emit)
        (incarnation,) = [p for p in change.premises if isinstance(p, Incarnation)]
        (version,) = [p for p in change.premises if isinstance(p, Version)]
        assert isinstance(change.subject, RoomPins)
        room = change.subject.room
        await self.calls.call(
            PINS_APPLY,
            room,
            incarnation.incarnation,
            version.version,
            str(pin.event_id),
            pin.by,
            "1" if pin.pinned else "0",
            codec.encode(shown.event),
            *carried(change, room),
            refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(room)},
        )
