"""Uploaded files' metadata in one process: the local :class:`FileStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``files`` table with ``--db``), as read markers are. Each
account's usage is kept beside, so a quota check costs a lookup.
"""

from __future__ import annotations

from chatroom.backends.local.records import Store
from chatroom.core.files import FileRecord


class StoredFiles:
    """file id → :class:`FileRecord`; account key → bytes of its files."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.by_id: dict[str, FileRecord] = {}
        self.used: dict[str, int] = {}
        for record in store.load_files():
            self._added(record)

    def _added(self, record: FileRecord) -> None:
        self.by_id[record.id] = record
        self.used[record.account] = self.used.get(record.account, 0) + record.size

    async def add(self, record: FileRecord) -> None:
        self._added(record)
        self.store.save_file(record)

    async def get(self, file_id: str) -> FileRecord | None:
        return self.by_id.get(file_id)

    async def remove(self, file_id: str) -> FileRecord | None:
        record = self.by_id.pop(file_id, None)
        if record is None:
            return None
        left = self.used.get(record.account, 0) - record.size
        if left > 0:
            self.used[record.account] = left
        else:
            self.used.pop(record.account, None)
        self.store.drop_file(file_id)
        return record

    async def usage(self, account: str) -> int:
        return self.used.get(account, 0)
