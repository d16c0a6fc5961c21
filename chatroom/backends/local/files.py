"""Uploaded files' metadata and upload tokens in one process: the local
:class:`FileStore` and :class:`UploadTokenStore`.

Files' metadata is kept in memory (loaded once at start-up) and written
through the back-end's :class:`~chatroom.backends.local.records.Store`
(the SQLite file's ``files`` table with ``--db``), as read markers are.
Each account's usage is kept beside, so a quota check costs a lookup.
``/token``'s tokens live in memory only, as long as their deadline, on
the injected clock: a restart ends them.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local.records import Store
from chatroom.core.accounts.files import FileRecord
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.files import (
    AccountFiles,
    AccountUploadTokens,
    AddFile,
    FileKept,
    IssueToken,
    RemoveFile,
    RevokeTokens,
    UsageAtMost,
)


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

    @applies(AccountFiles)
    async def apply(self, change: DecidedChange) -> None:
        """The account's usage checked against the change's
        :class:`~chatroom.core.model.changes.files.UsageAtMost`, a removed file's
        record against its :class:`~chatroom.core.model.changes.files.FileKept`, then
        each record kept or removed."""
        account = account_of(change, AccountFiles)
        within = change.premise(UsageAtMost)
        used = self.used.get(account, 0)
        if within is not None and used > within.size:
            raise PremiseFailedError(used, within)
        kept = change.premise(FileKept)
        if kept is not None and kept.file_id not in self.by_id:
            raise PremiseFailedError(None, kept)
        for op in change.ops:
            if isinstance(op, AddFile):
                self._added(op.record)
                self.store.save_file(op.record)
            elif isinstance(op, RemoveFile):
                self._removed(op.file_id)
            else:
                raise TypeError(f"not an operation on an account's files: {op!r}")

    async def get(self, file_id: str) -> FileRecord | None:
        return self.by_id.get(file_id)

    def _removed(self, file_id: str) -> None:
        record = self.by_id.pop(file_id, None)
        if record is None:
            return
        left = self.used.get(record.account, 0) - record.size
        if left > 0:
            self.used[record.account] = left
        else:
            self.used.pop(record.account, None)
        self.store.drop_file(file_id)

    async def usage(self, account: str) -> int:
        return self.used.get(account, 0)


class MemoryUploadTokens:
    """``/token``'s bearer tokens: token → (account key, deadline), in this
    process's memory."""

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self.tokens: dict[str, tuple[str, float]] = {}

    @applies(AccountUploadTokens)
    async def apply(self, change: DecidedChange) -> None:
        """A change of an account's upload tokens
        (:class:`~chatroom.core.model.changes.files.AccountUploadTokens`):
        a token given (those past their deadline forgotten then), or every
        token of the account revoked."""
        account = account_of(change, AccountUploadTokens)
        for op in change.ops:
            if isinstance(op, IssueToken):
                now = self.clock.seconds()
                self.tokens = {t: h for t, h in self.tokens.items() if h[1] > now}
                self.tokens[op.token] = (account, op.until)
            elif isinstance(op, RevokeTokens):
                self.tokens = {
                    t: held for t, held in self.tokens.items() if held[0] != account
                }
            else:
                raise TypeError(f"not an operation on upload tokens: {op!r}")

    async def account(self, token: str) -> str | None:
        return self.holder(token)

    def refused_early(self, token: str) -> bool:
        return self.holder(token) is None

    def holder(self, token: str) -> str | None:
        held = self.tokens.get(token)
        if held is None or held[1] <= self.clock.seconds():
            return None
        return held[0]
