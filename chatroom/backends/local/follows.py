"""The threads accounts follow, in one process: the local :class:`FollowStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``thread_follows`` table with ``--db``), as read markers are; an
account's follows go with it.
"""

from __future__ import annotations

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.records import Store
from chatroom.core import changes


class StoredFollows:
    """account key → {thread → following}
    (:func:`~chatroom.core.thread_follows.follow_key`)."""

    def __init__(self, store: Store, accounts: StoredAccounts) -> None:
        self.store = store
        forget_before = accounts.on_delete

        def forget(account: str) -> None:
            forget_before(account)
            self.by_account.pop(account, None)

        accounts.on_delete = forget
        self.by_account: dict[str, dict[str, bool]] = {}
        for account, thread, following in store.load_follows():
            self.by_account.setdefault(account, {})[thread] = following

    async def follows(self, account: str) -> dict[str, bool]:
        return dict(self.by_account.get(account, {}))

    async def apply(self, change: changes.DecidedChange) -> None:
        """``change``'s follows, in order, written through."""
        account = changes.account_of(change, changes.AccountThreads)
        follows = self.by_account.setdefault(account, {})
        for op in change.of(changes.SetFollow):
            follows[op.thread] = op.following
            self.store.save_follow(account, op.thread, op.following)
