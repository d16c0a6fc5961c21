"""Web Push's key and subscriptions in Redis: the cluster's :class:`PushStore`.

The VAPID key is the string ``P vapid-key`` (set once, by the first node
to start: ``SET NX``), so every node signs with the same key and a
subscription made through one node is pushed to by any. An account's
subscriptions are the hash ``P push:<account>`` (endpoint → JSON of the
keys and format); ``P push-owner`` maps each endpoint to its account, so
a browser subscribed again under another account moves to it, in the
same script.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.push import Subscription

#: ARGV: P, a new key. The kept key (the new one if there was none).
SERVER_KEY = Script(
    "push-server-key",
    r"""
redis.call('SET', P .. 'vapid-key', ARGV[2], 'NX')
return redis.call('GET', P .. 'vapid-key')
""",
)

#: ARGV: P, account, endpoint, keys (JSON). How many the account keeps.
ADD = Script(
    "push-add",
    r"""
local owners = P .. 'push-owner'
local before = redis.call('HGET', owners, ARGV[3])
if before and before ~= ARGV[2] then
  redis.call('HDEL', P .. 'push:' .. before, ARGV[3])
end
redis.call('HSET', owners, ARGV[3], ARGV[2])
redis.call('HSET', P .. 'push:' .. ARGV[2], ARGV[3], ARGV[4])
return redis.call('HLEN', P .. 'push:' .. ARGV[2])
""",
)

#: ARGV: P, account, endpoint. 1 if the account had it.
REMOVE = Script(
    "push-remove",
    r"""
if redis.call('HDEL', P .. 'push:' .. ARGV[2], ARGV[3]) == 0 then return 0 end
if redis.call('HGET', P .. 'push-owner', ARGV[3]) == ARGV[2] then
  redis.call('HDEL', P .. 'push-owner', ARGV[3])
end
return 1
""",
)

#: ARGV: P, accounts... For each account keeping any: account, then its
#: hash's fields and values flattened (as HGETALL), as one entry each.
OF = Script(
    "push-of",
    r"""
local found = {}
for i = 2, #ARGV do
  local kept = redis.call('HGETALL', P .. 'push:' .. ARGV[i])
  if #kept > 0 then
    table.insert(found, ARGV[i])
    table.insert(found, kept)
  end
end
return found
""",
)

#: ARGV: P, account. Every subscription of the account forgotten.
DROP = Script(
    "push-drop",
    r"""
local key = P .. 'push:' .. ARGV[2]
local endpoints = redis.call('HKEYS', key)
for _, endpoint in ipairs(endpoints) do
  if redis.call('HGET', P .. 'push-owner', endpoint) == ARGV[2] then
    redis.call('HDEL', P .. 'push-owner', endpoint)
  end
end
redis.call('DEL', key)
return #endpoints
""",
)


def _subscription(endpoint: bytes, keys: bytes) -> Subscription:
    p256dh, auth, kind = json.loads(keys)
    return Subscription(endpoint.decode(), p256dh, auth, kind)


class RedisPush:
    """Subscriptions and the VAPID key kept in Redis, one round trip a step."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def server_key(self, made: str) -> str:
        kept: bytes = await self.calls.eval(SERVER_KEY, made)
        return kept.decode()

    async def add(self, account: str, subscription: Subscription) -> int:
        keys = json.dumps([subscription.p256dh, subscription.auth, subscription.format])
        return int(await self.calls.eval(ADD, account, subscription.endpoint, keys))

    async def remove(self, account: str, endpoint: str) -> bool:
        return bool(await self.calls.eval(REMOVE, account, endpoint))

    async def of(self, accounts: Sequence[str]) -> dict[str, list[Subscription]]:
        if not accounts:
            return {}
        found = await self.calls.eval(OF, *accounts)
        kept: dict[str, list[Subscription]] = {}
        for account, flat in zip(found[::2], found[1::2], strict=True):
            kept[account.decode()] = [
                _subscription(endpoint, keys)
                for endpoint, keys in zip(flat[::2], flat[1::2], strict=True)
            ]
        return kept

    def subscribers(self) -> None:
        """Not known here: subscriptions made through other nodes are in
        Redis alone, so :meth:`of` is asked for the words of a message."""
        return None

    async def drop_account(self, account: str) -> None:
        await self.calls.eval(DROP, account)
