"""Accounts' settings in Redis: the cluster's :class:`SettingStore`.

One hash per account, ``P settings:<account key>``: setting key → value
(:func:`~chatroom.core.account_settings.entry_of`: threads followed,
notification levels). Every node reads and writes the same hash, so each
of an account's devices sees the same settings.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core import changes
from chatroom.core.account_settings import entry_of

#: ARGV: P, account, key, value, key, value...: each setting stored, in
#: order. Answers ``OK``.
APPLY = Script("settings-apply")

#: ARGV: P, account. Every setting of the account: key, value, ...
SETTINGS = Script("settings")


class RedisSettings:
    """Accounts' settings, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def settings(self, account: str) -> dict[str, str]:
        flat = await self.calls.eval(SETTINGS, account)
        return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}

    async def apply(self, change: changes.DecidedChange) -> None:
        """One ``APPLY``: the change's settings stored, in order."""
        account = changes.account_of(change, changes.AccountSettings)
        pairs = [item for op in change.ops for item in entry_of(op)]
        await self.calls.eval(APPLY, account, *pairs)
