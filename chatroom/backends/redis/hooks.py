"""Rooms' webhooks in a cluster: the Redis :class:`HookStore`.

``P hooks`` maps every hook's secret to the hook (in the cluster's
encoding, :mod:`chatroom.core.codec`), so a post reaches its room from any
node; ``P hooks:<room>`` maps a room's hook names (name keys) to their
secrets. Both change together in one script each, and a room's hooks go
with the room (``drop_room`` in :mod:`chatroom.backends.redis.prelude`), so
a room made later under the same name has none. A hook read back that is
not one is skipped and logged without its bytes (they hold a secret).
"""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core import codec, errors
from chatroom.core.hooks import Hook
from chatroom.core.text import name_key

log = Logger()

#: ARGV: P, r, hook name key, secret, the hook. ``NO_SUCH_ROOM`` if room r
#: is gone; 0 if it has a hook of that name, else 1 once kept.
HOOK_ADD = Script(
    "hook-add",
    r"""
local r = ARGV[2]
if redis.call('EXISTS', room_key(r)) == 0 then return 'NO_SUCH_ROOM' end
if redis.call('HSETNX', hooks_key(r), ARGV[3], ARGV[4]) == 0 then return {'OK', 0} end
redis.call('HSET', P .. 'hooks', ARGV[4], ARGV[5])
return {'OK', 1}
""",
    spans=True,
)

#: ARGV: P, r, hook name key. 1 if room r had it (now gone), else 0.
HOOK_REMOVE = Script(
    "hook-remove",
    r"""
local secret = redis.call('HGET', hooks_key(ARGV[2]), ARGV[3])
if not secret then return 0 end
redis.call('HDEL', hooks_key(ARGV[2]), ARGV[3])
redis.call('HDEL', P .. 'hooks', secret)
return 1
""",
    spans=True,
)

#: ARGV: P, r. Room r's hooks, in the order of their name keys.
HOOK_LIST = Script(
    "hook-list",
    r"""
local names = redis.call('HKEYS', hooks_key(ARGV[2]))
table.sort(names)
local hooks = {}
for _, name in ipairs(names) do
  local secret = redis.call('HGET', hooks_key(ARGV[2]), name)
  hooks[#hooks + 1] = redis.call('HGET', P .. 'hooks', secret) or ''
end
return hooks
""",
    spans=True,
)

#: ARGV: P, secret. The hook, or false (nil) if no hook has that secret.
HOOK_FIND = Script("hook-find", "return redis.call('HGET', P .. 'hooks', ARGV[2])")


def _hook(data: Any) -> Hook | None:
    """The hook ``data`` holds, or None (logged, without the bytes)."""
    try:
        hook = codec.decode(data)
    except Exception as problem:  # whatever a stranger's bytes make of it
        log.warn("skipped a webhook that is not one ({problem})", problem=problem)
        return None
    return hook if isinstance(hook, Hook) else None


class RedisHooks:
    """:class:`chatroom.core.hooks.HookStore` on Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def add(self, hook: Hook) -> bool:
        reply = await self.calls.call(
            HOOK_ADD,
            hook.key,
            name_key(hook.name),
            hook.secret,
            codec.encode(hook),
            refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(hook.room)},
        )
        return bool(reply[1])

    async def remove(self, room: str, name: str) -> bool:
        return bool(await self.calls.eval(HOOK_REMOVE, name_key(room), name_key(name)))

    async def of_room(self, room: str) -> list[Hook]:
        listed = await self.calls.eval(HOOK_LIST, name_key(room))
        return [hook for hook in map(_hook, listed) if hook is not None]

    async def find(self, secret: str) -> Hook | None:
        data = await self.calls.eval(HOOK_FIND, secret)
        return None if data is None else _hook(data)
