"""The Matrix bridge's ledger in a cluster: the Redis :class:`BridgeStore`.

A note with a time is a string of its own, ``P bridge:BOOK:KEY`` (the
server's slot), set with its time to live (``EX``): a day for the
homeserver's transaction and event ids, a month for the id maps; one kept
for ever (a portal, how far its room was sent) is a field of the book's
hash, ``P bridge:BOOK``, so the book is read whole. A portal's events yet
to be sent are read from its room's history (``bridge-outbox``, the
room's slot), after the id the ledger says was sent last. A change
is one script (``bridge-apply``): its premises (no note under each key,
the prelude's interpreter) checked and its notes written together, so two
nodes pushed one transaction at once meet in Redis and one of them notes
and relays it.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls, published_nothing
from chatroom.backends.redis.encoded import stored_events
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.bridge import BridgeLedger
from chatroom.core.model.events import StoredEvent

#: Operands: ``change`` (the ledger's). ``CHANGED`` and the failed
#: premise's place, or ``OK``.
BRIDGE_APPLY = Script("bridge-apply", subjects=(BridgeLedger,))

#: Operands: book, key. The note, or false (nil).
BRIDGE_NOTED = Script("bridge-noted")

#: Operands: book. Its notes kept for ever, key, value, key, value...
BRIDGE_KEPT = Script("bridge-kept")

#: Operands: room, after, count. The room's newest id and its kept events
#: after ``after`` (at most ``count``).
BRIDGE_OUTBOX = Script("bridge-outbox", room_at="room")


class RedisBridge:
    """:class:`chatroom.core.bridging.store.BridgeStore` on Redis."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(BridgeLedger)
    async def apply(self, change: DecidedChange) -> None:
        """The change in one script (``CHANGED``: a note was there), which
        publishes nothing: no wait for the subscriber link."""
        await self.calls.call(
            BRIDGE_APPLY, {"change": change}, refusals={}, arrived=published_nothing
        )

    async def noted(self, book: str, key: str) -> str | None:
        found = await self.calls.eval(BRIDGE_NOTED, {"book": book, "key": key})
        if found is None:
            return None
        return found.decode() if isinstance(found, bytes) else str(found)

    async def kept_notes(self, book: str) -> dict[str, str]:
        flat = await self.calls.eval(BRIDGE_KEPT, {"book": book})
        texts = [x.decode() if isinstance(x, bytes) else str(x) for x in flat]
        return dict(zip(texts[::2], texts[1::2], strict=True))

    async def events_after(
        self, room: str, after: int, count: int
    ) -> tuple[int, list[StoredEvent]]:
        operands = {"room": room, "after": after, "count": count}
        newest, entries = await self.calls.eval(BRIDGE_OUTBOX, operands)
        return int(newest), stored_events(entries)
