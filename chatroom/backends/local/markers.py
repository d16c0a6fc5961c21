"""Accounts' read markers in one process: the local :class:`MarkerStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``read_markers`` table with ``--db``), like accounts. Nothing here
waits, so moving a marker is atomic as every local step is: its premise
(:class:`~chatroom.core.model.changes.settings.MarkerAtMost`) is checked here, on the
markers in memory, and the file stores what it is given.
"""

from __future__ import annotations

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.records import Store
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.settings import (
    AccountMarkers,
    MarkerAtMost,
    SetMarker,
)


class StoredMarkers:
    """account key → {room key → id of the newest event read}; an
    account's markers go with it (the store drops their rows)."""

    def __init__(self, store: Store, accounts: StoredAccounts) -> None:
        self.store = store
        self.by_account: dict[str, dict[str, int]] = {}
        for account, room, event_id in store.load_markers():
            self.by_account.setdefault(account, {})[room] = event_id
        forget_before = accounts.on_delete

        def forget(account: str) -> None:
            forget_before(account)
            self._forget(account)

        accounts.on_delete = forget

    async def markers(self, account: str) -> dict[str, int]:
        return dict(self.by_account.get(account, {}))

    @applies(AccountMarkers)
    async def apply(self, change: DecidedChange) -> None:
        """The premise checked on the markers in memory (the one writer),
        then the marker stored; one process has no other nodes to tell
        (the core told the seat's devices)."""
        assert isinstance(change.subject, AccountMarkers)
        markers = self.by_account.setdefault(change.subject.account, {})
        for premise in change.premises:
            assert isinstance(premise, MarkerAtMost)
            if markers.get(premise.room, -1) > premise.event_id:
                raise PremiseFailedError(markers[premise.room], premise)
        for op in change.of(SetMarker):
            markers[op.room] = op.event_id
            self.store.save_marker(change.subject.account, op.room, op.event_id)

    def moved(self, key: str, new_key: str) -> None:
        """Room ``key`` is called ``new_key``: every account's marker there
        with it (the store moves the rows)."""
        for markers in self.by_account.values():
            markers.pop(new_key, None)
            if key in markers:
                markers[new_key] = markers.pop(key)

    def _forget(self, account: str) -> None:
        self.by_account.pop(account, None)
