"""Accounts' read markers in one process: the local :class:`MarkerStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``read_markers`` table with ``--db``), like accounts. Nothing here
waits, so moving a marker is atomic as every local step is.
"""

from __future__ import annotations

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.records import Store
from chatroom.core.events import MarkerMoved


class StoredMarkers:
    """account key → {room key → id of the newest event read}; an
    account's markers go with it (the store drops their rows)."""

    def __init__(self, store: Store, accounts: StoredAccounts) -> None:
        self.store = store
        self.by_account: dict[str, dict[str, int]] = {}
        for account, room, event_id in store.load_markers():
            self.by_account.setdefault(account, {})[room] = event_id
        accounts.on_delete = self._forget

    async def markers(self, account: str) -> dict[str, int]:
        return dict(self.by_account.get(account, {}))

    async def advance(
        self,
        account: str,
        room: str,
        event_id: int,
        moved: MarkerMoved | None = None,
        token: str = "",
    ) -> int:
        """One process: the core told the seat's devices (``moved`` unused)."""
        markers = self.by_account.setdefault(account, {})
        if event_id > markers.get(room, -1):
            markers[room] = event_id
            self.store.save_marker(account, room, event_id)
        return markers[room]

    def _forget(self, account: str) -> None:
        self.by_account.pop(account, None)
