"""Accounts and server bans in Redis: the cluster's :class:`AccountStore`.

Every node signs users in against the same accounts and bans, so they live
in Redis beside names and rooms (``P accounts``: name key → ``"name
hash"``; ``P gbans``: ban masks by age). The password rules, the hashing
and the sign-in throttles stay in :class:`chatroom.core.accounts.Accounts`,
the same code as in one process; only where the records are kept differs.
A password hash is written and read here, never logged.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.accounts import Account

#: ARGV: P, u. The account registered under u: ``"name hash"``, or nil.
GET = Script("account-get", "return redis.call('HGET', ACCOUNTS, ARGV[2])")

#: ARGV: P, u, ``"name hash"``, new ('1': only if u is not registered yet).
PUT = Script(
    "account-put",
    r"""
if ARGV[4] == '1' then return redis.call('HSETNX', ACCOUNTS, ARGV[2], ARGV[3]) end
redis.call('HSET', ACCOUNTS, ARGV[2], ARGV[3])
return 1
""",
)

#: ARGV: P, u.
DELETE = Script("account-delete", "return redis.call('HDEL', ACCOUNTS, ARGV[2])")

#: ARGV: P. Every server ban mask, oldest first.
BANS = Script("gbans", "return redis.call('ZRANGE', GBANS, 0, -1)")

#: ARGV: P, u ('' for none), masks... Whether u is registered, and whether
#: any of the masks is banned from the server: what
#: :func:`chatroom.core.rules.check_claim` decides a name on.
CLAIM_FACTS = Script(
    "claim-facts",
    r"""
local registered = 0
if ARGV[2] ~= '' then registered = redis.call('HEXISTS', ACCOUNTS, ARGV[2]) end
local banned = 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', GBANS, ARGV[i]) then banned = 1 end
end
return {registered, banned}
""",
)

#: ARGV: P, mask, reason ('' to end nobody). Bans the mask from the server
#: (0 if it was already) and ends every session it matches, wherever it
#: is: ``name:u`` the session holding u, ``account:a`` every session
#: signed in to a (see :func:`chatroom.core.moderation.claim_masks`).
BAN = Script(
    "gban",
    r"""
local mask, reason = ARGV[2], ARGV[3]
if redis.call('ZADD', GBANS, 'NX', redis.call('INCR', P .. 'counter'), mask) == 0 then
  return 0
end
if reason == '' then return 1 end
if string.sub(mask, 1, 5) == 'name:' then
  end_session(string.sub(mask, 6), reason)
elseif string.sub(mask, 1, 8) == 'account:' then
  local account = string.sub(mask, 9)
  local signed = redis.call('HGETALL', SIGNED)
  for i = 1, #signed, 2 do
    if signed[i + 1] == account then end_session(signed[i], reason) end
  end
end
return 1
""",
)

#: ARGV: P, mask. 0 if it was not banned.
UNBAN = Script("gunban", "return redis.call('ZREM', GBANS, ARGV[2])")


class RedisAccounts:
    """The :class:`~chatroom.core.accounts.AccountStore` of a cluster node.

    Each call is one script, so it is bounded by ``--redis-timeout`` and
    answered ``UNAVAILABLE`` while Redis is out of reach, like every other
    command of a node.
    """

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def get(self, key: str) -> Account | None:
        record = await self.calls.eval(GET, key)
        if not record:
            return None
        name, _, hashed = record.decode().partition(" ")
        return Account(key, name, hashed)

    async def create(self, account: Account) -> bool:
        return bool(await self._put(account, "1"))

    async def update(self, account: Account) -> None:
        await self._put(account, "0")

    async def _put(self, account: Account, new: str) -> int:
        record = f"{account.name} {account.hash}"
        return int(await self.calls.eval(PUT, account.key, record, new))

    async def delete(self, key: str) -> None:
        await self.calls.eval(DELETE, key)

    async def server_bans(self) -> list[str]:
        return [mask.decode() for mask in await self.calls.eval(BANS)]

    async def is_server_banned(self, masks: Iterable[str]) -> bool:
        _registered, banned = await self.claim_facts("", masks)
        return banned

    async def claim_facts(self, key: str, masks: Iterable[str]) -> tuple[bool, bool]:
        """Whether name ``key`` is registered, and whether any of ``masks``
        is banned from the server: one round trip for a name's claim."""
        registered, banned = await self.calls.eval(CLAIM_FACTS, key, *masks)
        return bool(int(registered)), bool(int(banned))

    async def add_server_ban(self, mask: str, reason: str = "") -> bool:
        """Ban ``mask``; with ``reason``, also end the sessions it matches."""
        return bool(int(await self.calls.eval(BAN, mask, reason)))

    async def remove_server_ban(self, mask: str) -> bool:
        return bool(int(await self.calls.eval(UNBAN, mask)))
