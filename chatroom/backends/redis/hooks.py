"""Rooms' webhooks in a cluster: the Redis :class:`HookStore`.

A room keeps its hooks (``P hooks:<room>``, the room's slot when rooms are
apart): its hook names (name keys) → the hooks, in the cluster's encoding
(:mod:`chatroom.core.codec`). The server keeps an index, ``P hooks``
(its own slot): every hook's secret → the hook, so that a post reaches its
room from any node. Each script touches one of the two alone, so adding or
removing a hook is two steps, in the order of docs/scaling.md's rule (the
index first, the room second; out in the other order): a node that dies
between them leaves at worst an index entry whose room has no such hook,
and :meth:`RedisHooks.find` takes a hook from the index only once its room
says it has it (by name and secret), removing an entry it does not. A
room's hooks go with the room's keys (``drop_room_keys`` in
:mod:`chatroom.backends.redis.prelude`), which leaves their index entries
to that rule too, so a room made later under the same name has none. A
hook read back that is not one is skipped and logged without its bytes
(they hold a secret).
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

#: ARGV: P, secret, the hook. The server's step: the index knows the hook.
HOOK_INDEX = Script("hook-index")

#: ARGV: P, secret. The server's step: the index forgets that secret.
HOOK_UNINDEX = Script("hook-unindex")

#: ARGV: P, r, hook name key, the hook. The room's step: ``NO_SUCH_ROOM``
#: if room r is gone; 0 if it has a hook of that name, else 1 once kept.
HOOK_ADD = Script("hook-add", room_at=2)

#: ARGV: P, r, hook name key. The room's step: the secret of room r's hook
#: of that name, now gone; false (nil) if it had none.
HOOK_REMOVE = Script("hook-remove", room_at=2)

#: ARGV: P, r, hook name key, secret. 1 if room r has a hook of that name
#: with that secret, else 0 (its index entry is stale).
HOOK_HELD = Script("hook-held", room_at=2)

#: ARGV: P, r. Room r's hooks, in the order of their name keys (one kept by
#: an older version is read from the index, where only its layout has it).
HOOK_LIST = Script("hook-list", room_at=2)

#: ARGV: P, secret. The hook the index has for it, or false (nil).
HOOK_FIND = Script("hook-find")


def _hook(data: Any) -> Hook | None:
    """The hook ``data`` holds, or None (logged, without the bytes)."""
    try:
        hook = codec.decode(data)
    except Exception as problem:  # whatever a stranger's bytes make of it
        log.warn("skipped a webhook that is not one ({problem})", problem=problem)
        return None
    return hook if isinstance(hook, Hook) else None


class RedisHooks:
    """:class:`chatroom.core.hooks.HookStore` on Redis: each step one
    script on one slot (the server's index, or the room's keys)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def add(self, hook: Hook) -> bool:
        # The index first: until the room's step keeps the hook, its entry
        # admits no post (find asks the room), and nobody knows the secret
        # yet to post with. A crash before the room's step leaves that
        # entry alone, stale; so does a room's step whose outcome is
        # unknown (UNAVAILABLE), as the room may have kept the hook.
        data = codec.encode(hook)
        await self.calls.eval(HOOK_INDEX, hook.secret, data)
        try:
            reply = await self.calls.call(
                HOOK_ADD,
                hook.key,
                name_key(hook.name),
                data,
                refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(hook.room)},
            )
        except errors.ChatError as refusal:
            if refusal.code == "NO_SUCH_ROOM":
                await self.calls.eval(HOOK_UNINDEX, hook.secret)
            raise
        if not reply[1]:  # the name is taken: this secret is no hook's
            await self.calls.eval(HOOK_UNINDEX, hook.secret)
        return bool(reply[1])

    async def remove(self, room: str, name: str) -> bool:
        # The room first: once its hook is gone, the index entry admits no
        # post (find asks the room), so a crash before the index's step
        # leaves a stale entry, which the next post with it removes.
        secret = await self.calls.eval(HOOK_REMOVE, name_key(room), name_key(name))
        if secret is None:
            return False
        await self.calls.eval(HOOK_UNINDEX, secret)
        return True

    async def of_room(self, room: str) -> list[Hook]:
        listed = await self.calls.eval(HOOK_LIST, name_key(room))
        return [hook for hook in map(_hook, listed) if hook is not None]

    async def find(self, secret: str) -> Hook | None:
        """The index's hook for ``secret`` if its room has it (by name and
        secret); an entry whose room has no such hook (a step of an add or
        a remove that never ran, its room dropped) is no hook, and goes."""
        data = await self.calls.eval(HOOK_FIND, secret)
        hook = None if data is None else _hook(data)
        if hook is None:
            return None
        held = HOOK_HELD, hook.key, name_key(hook.name), secret
        if await self.calls.eval(*held):
            return hook
        await self.calls.eval(HOOK_UNINDEX, secret)
        return None
