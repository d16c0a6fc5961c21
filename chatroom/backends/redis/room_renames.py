"""A room's rename on Redis: one script, and a renamed room's former names.

The core decides a rename (:meth:`chatroom.core.services.rooms.RoomService.
rename_room`) and hands one :class:`~chatroom.core.changes.RenameRoom` with
its premises: the room as read (incarnation and version), its owner as
read, the new name free. ``RENAME_ROOM`` checks them, publishes the
rename on the room's channel and moves everything kept under the room's
key to the new one (docs/scaling.md, "Renaming a room"). Each node with
members in it follows on that event (:meth:`~.delivery.NodeRooms.renamed`).

That is one script only where every key is in one slot: one Redis,
Sentinel, or a Redis Cluster with the rooms with the rest. With each
room in a slot of its own the old keys and the new are in two slots, and
a rename is refused (``NOT_SUPPORTED``) rather than run half.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.delivery import NodeRoom, NodeRooms
from chatroom.backends.redis.entries import RedisEntries
from chatroom.core import codec, errors
from chatroom.core.changes import (
    DecidedChange,
    Emit,
    FactsChangedError,
    Incarnation,
    NameFree,
    OwnerIs,
    PremiseFailedError,
    RenameRoom,
    Version,
)
from chatroom.core.events import RoomRenamed
from chatroom.core.facts import CreationFacts
from chatroom.core.text import name_key


class RedisRenames:
    """Renames applied, former names read, a moved room's missed events."""

    def __init__(
        self,
        calls: RedisCalls,
        clock: IReactorTime,
        here: NodeRooms,
        entries: RedisEntries,
    ) -> None:
        self.calls = calls
        self.clock = clock
        self.here = here
        self.entries = entries

    async def apply(self, change: DecidedChange, secret: bool) -> None:
        """One ``RENAME_ROOM``; returns once this node has had the rename
        on the room's channel (its members here re-keyed). ``secret``: the
        room is secret, and the lobby's watchers are not told (they were
        never shown it). A name found taken is kept for the core's next
        read (the back-end's ``creation_facts``) and fails its premise
        (``CHANGED`` with what has the name); the room or its owner not as
        read is ``CHANGED`` alone."""
        (rename,) = change.of(RenameRoom)
        (shown,) = change.of(Emit)
        assert isinstance(shown.event, RoomRenamed)
        incarnation = version = owner = ""
        free: NameFree | None = None
        for premise in change.premises:
            if isinstance(premise, Incarnation):
                incarnation = premise.incarnation
            elif isinstance(premise, Version):
                version = premise.version
            elif isinstance(premise, OwnerIs):
                owner = premise.owner
            elif isinstance(premise, NameFree):
                free = premise
            else:
                raise TypeError(f"no premise {premise!r} of a rename")
        event = codec.encode(shown.event)
        room = self.here.get(change.room)
        try:
            await self.calls.call(
                scripts.RENAME_ROOM,
                change.room,
                name_key(rename.name),
                rename.name,
                incarnation,
                version,
                owner,
                rename.until,
                self.clock.seconds(),
                event,
                b"" if secret else event,
                refusals={
                    b"NO_SUCH_ROOM": lambda _: errors.no_such_room(shown.event.room),
                },
                arrived=lambda reply: _arrived(room, reply),
            )
        except FactsChangedError as changed:
            reply = changed.args[0]
            if len(reply) < 3:
                raise  # the room, or its owner, is not as read
            existing, leads_to = reply[1].decode(), reply[2].decode()
            facts = CreationFacts(existing, 0, leads_to)
            self.entries.counted[name_key(rename.name)] = facts
            raise PremiseFailedError(None, free) from None

    async def former_name(self, name: str) -> str:
        """The room former name ``name`` leads a join to ("" for none)."""
        led = await self.calls.eval(
            scripts.FORMER_NAME, name_key(name), self.clock.seconds()
        )
        return led.decode() if isinstance(led, bytes) else ""

    async def log_after(self, room: NodeRoom) -> list[bytes]:
        """``room``'s logged events after the newest one here."""
        return list(await self.calls.eval(scripts.LOG_AFTER, room.key, room.seq))


def _arrived(room: NodeRoom | None, reply: Any) -> Any:
    """When a rename answered ``{'OK', seq, members}`` has come here on the
    room's channel (None: not a member here, or refused)."""
    if room is not None and isinstance(reply, list) and reply[0] == b"OK":
        return room.reached(int(reply[1]))
    return None
