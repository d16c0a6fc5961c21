"""Accounts' settings in Redis: the cluster's :class:`SettingStore`.

One hash per account, ``P settings:<account key>``: setting key → value
(:func:`~chatroom.core.accounts.account_settings.entry_of`: threads followed,
notification levels). Every node reads and writes the same hash, so each
of an account's devices sees the same settings.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.accounts.account_settings import entry_of
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.settings import AccountSettings, TellOtherNodes

#: Operands: ``change`` (an account's settings': each setting stored, in
#: order, then the account's sessions on other nodes told what
#: ``TellOtherNodes`` names), ``entries`` (each setting's key and value,
#: as the core keeps it: :func:`chatroom.core.accounts.account_settings.entry_of`).
#: Answers ``OK``; nothing is kept for an account no longer registered
#: (see :mod:`chatroom.core.policy.userdata`, *What a deletion takes*).
APPLY = Script("settings-apply")

#: Operands: account. Every setting of the account: key, value, ...
SETTINGS = Script("settings")


class RedisSettings:
    """Accounts' settings, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def settings(self, account: str) -> dict[str, str]:
        flat = await self.calls.eval(SETTINGS, {"account": account})
        return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}

    @applies(AccountSettings)
    async def apply(self, change: DecidedChange) -> None:
        """One ``APPLY``: the change's settings stored, in order, and the
        account's sessions on the other nodes told, in one script."""
        assert isinstance(change.subject, AccountSettings)
        stored = [op for op in change.ops if not isinstance(op, TellOtherNodes)]
        entries = [list(entry_of(op)) for op in stored]
        await self.calls.eval(APPLY, {"change": change, "entries": entries})
