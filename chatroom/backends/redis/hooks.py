"""Rooms' webhooks in a cluster: the Redis :class:`HookStore`.

A room keeps its hooks (``P hooks:<room>``, the room's slot when rooms are
apart): its hook names (name keys) → the hooks, in the cluster's encoding
(:mod:`chatroom.core.codec`). The server keeps an index, ``P hooks``
(its own slot): every hook's secret → the hook, so that a post reaches its
room from any node. A change of a room's hooks is checked by the room's
step (its premises: no hook of that name, fewer than the most; a hook of
that name, to remove it). Each script touches one of the two alone, so adding or
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
from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.messages import (
    AddHook,
    FewerHooksThan,
    HookHeld,
    RemoveHook,
)
from chatroom.core.text import name_key

log = Logger()

#: ARGV: P, secret, the hook. The server's step: the index knows the hook.
HOOK_INDEX = Script("hook-index")

#: ARGV: P, secret. The server's step: the index forgets that secret.
HOOK_UNINDEX = Script("hook-unindex")

#: ARGV: P, r, hook name key, the hook, most hooks as read ('': not a
#: premise). The room's step: ``NO_SUCH_ROOM`` if room r is gone;
#: ``CHANGED`` if it has a hook of that name, or that many; else ``OK``
#: once kept.
HOOK_ADD = Script("hook-add", room_at=2)

#: ARGV: P, r, hook name key. The room's step: ``{'OK', secret}`` of room
#: r's hook of that name, now gone; ``CHANGED`` if it has none.
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

    async def apply(self, change: DecidedChange) -> None:
        """A change of a room's hooks: a hook added, or removed, each in
        two steps (the index's and the room's, in the rule's order); the
        room's step checks the premises, and refuses with ``CHANGED``."""
        for op in change.ops:
            if isinstance(op, AddHook):
                fewer = change.premise(FewerHooksThan)
                held = change.premise(HookHeld)
                assert held is not None and not held.held  # the name is free
                await self._add(op.hook, "" if fewer is None else str(fewer.count))
            elif isinstance(op, RemoveHook):
                assert change.premise(HookHeld) == HookHeld(op.name, True)
                await self._remove(change.room, op.name)
            else:
                raise TypeError(f"not an operation on a room's hooks: {op!r}")

    async def _add(self, hook: Hook, most: str) -> None:
        # The index first: until the room's step keeps the hook, its entry
        # admits no post (find asks the room), and nobody knows the secret
        # yet to post with. A crash before the room's step leaves that
        # entry alone, stale; so does a room's step whose outcome is
        # unknown (UNAVAILABLE), as the room may have kept the hook.
        data = codec.encode(hook)
        await self.calls.eval(HOOK_INDEX, hook.secret, data)
        try:
            await self.calls.call(
                HOOK_ADD,
                hook.key,
                name_key(hook.name),
                data,
                most,
                refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(hook.room)},
            )
        except (errors.ChatError, FactsChangedError) as refused:
            if (
                not isinstance(refused, errors.ChatError)
                or refused.code == "NO_SUCH_ROOM"
            ):
                await self.calls.eval(HOOK_UNINDEX, hook.secret)  # no hook's
            raise

    async def _remove(self, room: str, name: str) -> None:
        # The room first: once its hook is gone, the index entry admits no
        # post (find asks the room), so a crash before the index's step
        # leaves a stale entry, which the next post with it removes.
        reply = await self.calls.call(HOOK_REMOVE, room, name, refusals={})
        await self.calls.eval(HOOK_UNINDEX, reply[1])

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
