"""Accounts' settings in Redis: the cluster's :class:`SettingStore`.

One hash per account, ``P settings:<account key>``: setting key → value
(:func:`~chatroom.core.account_settings.entry_of`: threads followed,
notification levels). Every node reads and writes the same hash, so each
of an account's devices sees the same settings.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core import codec
from chatroom.core.account_settings import entry_of
from chatroom.core.model.changes.base import DecidedChange, account_of
from chatroom.core.model.changes.settings import AccountSettings, TellOtherNodes

#: ARGV: P, account, token, event, key, value, key, value...: each setting
#: stored, in order, then ``event`` (encoded; "" for none) told to the
#: account's sessions but seat ``token``'s. Answers ``OK``; nothing is
#: kept for an account no longer registered (see
#: :mod:`chatroom.core.userdata`, *What a deletion takes*).
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

    async def apply(self, change: DecidedChange) -> None:
        """One ``APPLY``: the change's settings stored, in order, and the
        account's sessions on the other nodes told what it names
        (:class:`~chatroom.core.model.changes.settings.TellOtherNodes`), in one
        script."""
        account = account_of(change, AccountSettings)
        told = change.of(TellOtherNodes)
        event, token = (
            (codec.encode(told[0].event), told[0].token) if told else ("", "")
        )
        stored = [op for op in change.ops if not isinstance(op, TellOtherNodes)]
        pairs = [item for op in stored for item in entry_of(op)]
        await self.calls.eval(APPLY, account, token, event, *pairs)
