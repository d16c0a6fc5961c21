"""The Matrix bridge's ledger in a cluster: the Redis :class:`BridgeStore`.

Each note is a string of its own, ``P bridge:BOOK:KEY`` (the server's
slot), set with its time to live (``EX``) when it has one: a day for the
homeserver's transaction and event ids, for ever for a portal. A change
is one script (``bridge-apply``): its premises (no note under each key,
the prelude's interpreter) checked and its notes written together, so two
nodes pushed one transaction at once meet in Redis and one of them notes
and relays it.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.bridge import BridgeLedger

#: Operands: ``change`` (the ledger's). ``CHANGED`` and the failed
#: premise's place, or ``OK``.
BRIDGE_APPLY = Script("bridge-apply", subjects=(BridgeLedger,))

#: Operands: book, key. The note, or false (nil).
BRIDGE_NOTED = Script("bridge-noted")


class RedisBridge:
    """:class:`chatroom.core.bridging.store.BridgeStore` on Redis."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(BridgeLedger)
    async def apply(self, change: DecidedChange) -> None:
        """The change in one script (``CHANGED``: a note was there)."""
        await self.calls.call(BRIDGE_APPLY, {"change": change}, refusals={})

    async def noted(self, book: str, key: str) -> str | None:
        found = await self.calls.eval(BRIDGE_NOTED, {"book": book, "key": key})
        if found is None:
            return None
        return found.decode() if isinstance(found, bytes) else str(found)
