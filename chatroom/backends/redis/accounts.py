"""Accounts and server bans in Redis: the cluster's :class:`AccountStore`.

Every node signs users in against the same accounts and bans, so they live
in Redis beside names and rooms (``P accounts``: name key → ``"name
hash"``, or ``"name hash scram"`` once the account has SCRAM keys, in
RFC 5803's form, which has no spaces; ``P gbans``: ban masks by age).
The password rules, the hashing and the sign-in throttles stay in
:class:`chatroom.core.accounts.AccountService`, the same code as in one
process; only where the records are kept differs.
A password hash and SCRAM keys are written and read here, never logged.

Name keys gained the UTS #39 skeleton (:func:`chatroom.core.text.name_key`):
:meth:`RedisAccounts.rekey`, run by each node as it starts, moves accounts
and server bans stored under an older key to today's (``name_key`` of the
old key), keeping the first one when two look-alikes now share a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.windows import RedisWindows
from chatroom.core.accounts import Account
from chatroom.core.text import current_mask, name_key

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

#: ARGV: P, u, ``"name hash"`` as read, the record with SCRAM keys. Adds
#: the keys only if the record is still the one read (no new password
#: meanwhile): 1 if written.
ADD_SCRAM = Script(
    "account-add-scram",
    r"""
if redis.call('HGET', ACCOUNTS, ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HSET', ACCOUNTS, ARGV[2], ARGV[4])
return 1
""",
)

#: ARGV: P, u. The account, its read markers, the private messages kept
#: for it and its remembered rooms.
DELETE = Script(
    "account-delete",
    r"""
redis.call('DEL', P .. 'markers:' .. ARGV[2], P .. 'waiting:' .. ARGV[2],
  P .. 'account-rooms:' .. ARGV[2], P .. 'account-rooms-order:' .. ARGV[2])
return redis.call('HDEL', ACCOUNTS, ARGV[2])
""",
)

#: ARGV: P. Every account's record (``"name hash [scram]"``).
RECORDS = Script("account-records", "return redis.call('HVALS', ACCOUNTS)")

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

#: ARGV: P, mask, reason ('' to end nobody). Bans the mask from the
#: server, then starts the end of every session it matches, wherever it
#: is: ``name:u`` the session holding u, ``account:a`` every session signed
#: in to a (see :func:`chatroom.core.moderation.claim_masks`). The server's
#: step of their ends (:mod:`.endings`): ``OK``, the leavers, the copies to
#: refresh, then 1, or 0 (and nobody's end) if the mask was banned already.
#: The ban comes first, so that none of them signs in again meanwhile.
BAN = Script(
    "gban",
    r"""
local mask, reason = ARGV[2], ARGV[3]
if redis.call('ZSCORE', GBANS, mask) then return {'OK', {}, {}, 0} end
redis.call('ZADD', GBANS, 'NX', redis.call('INCR', P .. 'counter'), mask)
local users = {}
if reason == '' then
  users = {}
elseif string.sub(mask, 1, 5) == 'name:' then
  local u = string.sub(mask, 6)
  if redis.call('HEXISTS', USERS, u) == 1 then users = {u} end
elseif string.sub(mask, 1, 8) == 'account:' then
  local account = string.sub(mask, 9)
  local signed = redis.call('HGETALL', SIGNED)
  for i = 1, #signed, 2 do
    if signed[i + 1] == account then users[#users + 1] = signed[i] end
  end
end
local reply = ending_all(users, reason, {})
reply[4] = 1
return reply
""",
)

#: ARGV: P. Every account's key (to bring keys up to date).
KEYS = Script("account-keys", "return redis.call('HKEYS', ACCOUNTS)")

#: ARGV: P, old, new. Moves an account to key new, unless one is there.
MOVE = Script(
    "account-move",
    r"""
local record = redis.call('HGET', ACCOUNTS, ARGV[2])
if not record or redis.call('HSETNX', ACCOUNTS, ARGV[3], record) == 0 then
  return 0
end
redis.call('HDEL', ACCOUNTS, ARGV[2])
return 1
""",
)

#: ARGV: P, old, new. Moves a server ban to mask new, keeping its age.
MOVE_BAN = Script(
    "gban-move",
    r"""
local age = redis.call('ZSCORE', GBANS, ARGV[2])
if not age then return 0 end
redis.call('ZADD', GBANS, 'NX', age, ARGV[3])
redis.call('ZREM', GBANS, ARGV[2])
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
        #: Registrations are counted for the whole cluster.
        self.windows = RedisWindows(calls)

    async def get(self, key: str) -> Account | None:
        record = await self.calls.eval(GET, key)
        if not record:
            return None
        name, hashed, *scram = record.decode().split(" ")
        return Account(key, name, hashed, "".join(scram))

    async def create(self, account: Account) -> bool:
        return bool(await self._put(account, "1"))

    async def update(self, account: Account) -> None:
        await self._put(account, "0")

    async def add_scram(self, account: Account, scram: str) -> bool:
        record, added = _record(account), _record(replace(account, scram=scram))
        return bool(int(await self.calls.eval(ADD_SCRAM, account.key, record, added)))

    async def _put(self, account: Account, new: str) -> int:
        return int(await self.calls.eval(PUT, account.key, _record(account), new))

    async def delete(self, key: str) -> None:
        await self.calls.eval(DELETE, key)

    async def names(self) -> list[str]:
        records = await self.calls.eval(RECORDS)
        return [record.decode().split(" ", 1)[0] for record in records]

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
        """Ban ``mask`` (ending nobody: the back-end's ``ban_from_server``
        ends the sessions it matches, with their departures)."""
        return bool(int((await self.calls.eval(BAN, mask, ""))[3]))

    async def remove_server_ban(self, mask: str) -> bool:
        return bool(int(await self.calls.eval(UNBAN, mask)))

    async def rekey(self) -> int:
        """Move accounts and server bans stored under older keys to
        today's; how many moved. Safe to run on many nodes at once."""
        moved = 0
        for raw in await self.calls.eval(KEYS):
            old = raw.decode()
            if name_key(old) != old:
                moved += int(await self.calls.eval(MOVE, old, name_key(old)))
        for mask in await self.server_bans():
            if current_mask(mask) != mask:
                moved += int(await self.calls.eval(MOVE_BAN, mask, current_mask(mask)))
        return moved


def _record(account: Account) -> str:
    """How an account is stored: ``"name hash"``, then `` scram`` if any."""
    record = f"{account.name} {account.hash}"
    return f"{record} {account.scram}" if account.scram else record
