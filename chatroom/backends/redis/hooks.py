"""Rooms' webhooks in a cluster: the Redis :class:`HookStore`.

A room keeps its hooks (``P hooks:<room>``, the room's slot when rooms are
apart): its hook names (name keys) → the hooks, in the cluster's encoding
(:mod:`chatroom.core.model.codec`). The server keeps an index, ``P hooks``
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
from chatroom.core.model import codec, errors
from chatroom.core.model.changes.base import DecidedChange, FactsChangedError, applies
from chatroom.core.model.changes.messages import AddHook, RoomHooks
from chatroom.core.model.hooks import Hook
from chatroom.core.model.text import name_key

log = Logger()

#: Operands: secret, hook. The server's step: the index knows the hook.
HOOK_INDEX = Script("hook-index")

#: Operands: secret. The server's step: the index forgets that secret.
HOOK_UNINDEX = Script("hook-unindex")

#: Operands: ``change`` (a room's hooks' change: hooks added or removed,
#: resting on a hook of that name being kept or not, and fewer than the
#: most), ``names`` (the name key of each hook added, in order). The
#: room's step: ``NO_SUCH_ROOM`` if the room is gone; ``CHANGED`` and the
#: failed premise's place; else ``{'OK', secrets}``: those of the hooks
#: removed.
HOOKS_APPLY = Script("hooks-apply", room_at="change", subjects=(RoomHooks,))

#: Operands: room, name (a hook's name key), secret. 1 if the room has a
#: hook of that name with that secret, else 0 (its index entry is stale).
HOOK_HELD = Script("hook-held", room_at="room")

#: Operands: room. The room's hooks, in the order of their name keys (one
#: kept by an older version is read from the index, where only its layout
#: has it).
HOOK_LIST = Script("hook-list", room_at="room")

#: Operands: secret. The hook the index has for it, or false (nil).
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
    """:class:`chatroom.core.model.hooks.HookStore` on Redis: each step one
    script on one slot (the server's index, or the room's keys)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(RoomHooks)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a room's hooks, in up to three steps, in the rule's
        order: each hook added known to the index first (until the room's
        step keeps it, its entry admits no post: :meth:`find` asks the
        room, and nobody knows the secret yet to post with), then the
        room's step (its premises checked: ``CHANGED``), then the index
        forgets each hook removed (once the room's is gone, its entry
        admits no post). A crash between the steps leaves a stale entry,
        which the next post with it removes; so does a room's step whose
        outcome is unknown (``UNAVAILABLE``), as the room may have kept
        the hook."""
        added = [op.hook for op in change.of(AddHook)]
        for hook in added:
            await self.calls.eval(
                HOOK_INDEX, {"secret": hook.secret, "hook": codec.encode(hook)}
            )
        operands = {"change": change, "names": [name_key(h.name) for h in added]}
        try:
            reply = await self.calls.call(
                HOOKS_APPLY,
                operands,
                refusals={
                    b"NO_SUCH_ROOM": lambda _: errors.no_such_room(
                        added[0].room if added else change.room
                    )
                },
            )
        except (errors.ChatError, FactsChangedError) as refused:
            if (
                not isinstance(refused, errors.ChatError)
                or refused.code == "NO_SUCH_ROOM"
            ):
                for hook in added:  # no hook's
                    await self.calls.eval(HOOK_UNINDEX, {"secret": hook.secret})
            raise
        for secret in reply[1]:
            await self.calls.eval(HOOK_UNINDEX, {"secret": secret})

    async def of_room(self, room: str) -> list[Hook]:
        listed = await self.calls.eval(HOOK_LIST, {"room": name_key(room)})
        return [hook for hook in map(_hook, listed) if hook is not None]

    async def find(self, secret: str) -> Hook | None:
        """The index's hook for ``secret`` if its room has it (by name and
        secret); an entry whose room has no such hook (a step of an add or
        a remove that never ran, its room dropped) is no hook, and goes."""
        data = await self.calls.eval(HOOK_FIND, {"secret": secret})
        hook = None if data is None else _hook(data)
        if hook is None:
            return None
        held = {"room": hook.key, "name": name_key(hook.name), "secret": secret}
        if await self.calls.eval(HOOK_HELD, held):
            return hook
        await self.calls.eval(HOOK_UNINDEX, {"secret": secret})
        return None
