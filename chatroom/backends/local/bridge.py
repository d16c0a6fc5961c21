"""The Matrix bridge's ledger in one process: the local :class:`BridgeStore`.

Notes are kept in memory (loaded once at start-up, those past their time
left out) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the ``--db`` file's
``bridge_notes`` table), in its next flush. Nothing here waits: a change's
premises are checked and its notes written in one call, so two deliveries
of one transaction meet here and one of them is noted.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local.records import Store
from chatroom.backends.local.room_store import LocalRooms
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.core.model.events import StoredEvent


class StoredBridge:
    """(book, key) → (value, until: Unix seconds, 0 for ever)."""

    def __init__(self, store: Store, clock: IReactorTime, rooms: LocalRooms) -> None:
        self.store = store
        self.clock = clock
        self.rooms = rooms
        now = clock.seconds()
        self.notes: dict[tuple[str, str], tuple[str, float]] = {
            (book, key): (value, until)
            for book, key, value, until in store.load_bridge_notes(now)
            if not until or until > now
        }

    def _held(self, book: str, key: str) -> str | None:
        kept = self.notes.get((book, key))
        if kept is None:
            return None
        value, until = kept
        if until and until <= self.clock.seconds():
            del self.notes[(book, key)]
            return None
        return value

    @applies(BridgeLedger)
    async def apply(self, change: DecidedChange) -> None:
        for premise in change.premises:
            if not isinstance(premise, Unnoted):
                raise TypeError(f"not a premise of the bridge's ledger: {premise!r}")
            held = self._held(premise.book, premise.key)
            if held is not None and (not premise.but or held != premise.but):
                raise PremiseFailedError(None, premise)
        now = self.clock.seconds()
        for op in change.ops:
            if not isinstance(op, Note):
                raise TypeError(f"not an operation on the bridge's ledger: {op!r}")
            until = now + op.seconds if op.seconds else 0.0
            self.notes[(op.book, op.key)] = (op.value, until)
            self.store.save_bridge_note(op.book, op.key, op.value, until)

    async def noted(self, book: str, key: str) -> str | None:
        return self._held(book, key)

    async def kept_notes(self, book: str) -> dict[str, str]:
        return {
            key: value
            for (of, key), (value, until) in self.notes.items()
            if of == book and not until
        }

    async def events_after(
        self, room: str, after: int, count: int
    ) -> tuple[int, list[StoredEvent]]:
        where = self.rooms.by_key.get(room)
        if where is None:
            return 0, []
        first = max(where.first_id, after + 1)
        last = min(where.last_id, first + count - 1)
        if last < first:
            return where.last_id, []
        if where.holds_from(first):
            return where.last_id, where.held(first, last)
        rows = await self.store.read(where.key, first, last)
        return where.last_id, [where.stored(row) for row in rows]
