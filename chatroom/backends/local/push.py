"""Web Push's key and subscriptions in one process: the local :class:`PushStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``server_keys`` and ``push_subscriptions`` tables with ``--db``), as
uploaded files' metadata is. An endpoint belongs to one account: a browser
subscribed again under another account moves to it, as the core decides
(:class:`~chatroom.core.model.changes.push.MoveEndpoint`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from chatroom.backends.local.records import Store
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    DecidedChange,
    Premise,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.push import (
    AccountPush,
    AddSubscription,
    DropSubscriptions,
    EndpointOwner,
    FewerSubscriptionsThan,
    MoveEndpoint,
    RemoveSubscription,
    Subscribed,
)
from chatroom.core.model.subscription import Subscription


class StoredPush:
    """account key → endpoint → :class:`Subscription`; the VAPID key."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.key, kept = store.load_push()
        self.by_account: dict[str, dict[str, Subscription]] = {}
        self.owners: dict[str, str] = {}
        for account, subscription in kept:
            self._added(account, subscription)

    def _added(self, account: str, subscription: Subscription) -> None:
        self.by_account.setdefault(account, {})[subscription.endpoint] = subscription
        self.owners[subscription.endpoint] = account

    def _dropped(self, account: str, endpoint: str) -> bool:
        subscriptions = self.by_account.get(account, {})
        if subscriptions.pop(endpoint, None) is None:
            return False
        if not subscriptions:
            del self.by_account[account]
        del self.owners[endpoint]
        return True

    async def server_key(self, made: str) -> str:
        if self.key is None:
            self.key = made
            self.store.save_server_key(made)
        return self.key

    @applies(AccountPush)
    async def apply(self, change: DecidedChange) -> None:
        """Check ``change``'s premises on the account's subscriptions as
        kept, then perform its operations, written through."""
        account = account_of(change, AccountPush)
        kept = self.by_account.get(account, {})
        for premise in change.premises:
            if isinstance(premise, Registered):
                continue  # the back-end's (the accounts are not kept here)
            if not _holds(kept, premise, self.owner_of):
                raise PremiseFailedError(list(kept.values()), premise)
        for op in change.ops:
            if isinstance(op, MoveEndpoint):
                self._dropped(op.from_account, op.endpoint)
            elif isinstance(op, AddSubscription):
                self._added(account, op.subscription)
                self.store.save_push(account, op.subscription)
            elif isinstance(op, RemoveSubscription):
                if self._dropped(account, op.endpoint):
                    self.store.drop_push(op.endpoint)
            elif isinstance(op, DropSubscriptions):
                for endpoint in list(self.by_account.get(account, {})):
                    self._dropped(account, endpoint)
                    self.store.drop_push(endpoint)
            else:
                raise TypeError(f"no operation {op!r} of an account's subscriptions")

    async def of(self, accounts: Sequence[str]) -> dict[str, list[Subscription]]:
        return {
            account: list(self.by_account[account].values())
            for account in accounts
            if account in self.by_account
        }

    async def owner(self, endpoint: str) -> str:
        return self.owner_of(endpoint)

    def owner_of(self, endpoint: str) -> str:
        """The account keeping a subscription at ``endpoint`` ("": none)."""
        return self.owners.get(endpoint, "")

    def subscribers(self) -> Collection[str]:
        return self.by_account.keys()


def _holds(
    kept: dict[str, Subscription], premise: Premise, owner: Callable[[str], str]
) -> bool:
    """Whether ``premise`` holds of an account's subscriptions, ``kept``
    (``owner``: who keeps an endpoint)."""
    if isinstance(premise, EndpointOwner):
        return owner(premise.endpoint) == premise.account
    if isinstance(premise, FewerSubscriptionsThan):
        return len(kept) < premise.count or premise.endpoint in kept
    if isinstance(premise, Subscribed):
        return premise.endpoint in kept
    raise TypeError(f"no premise {premise!r} of an account's subscriptions")
