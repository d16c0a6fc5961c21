"""Rooms' webhooks in one process: the local :class:`HookStore`.

Kept in memory (loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the SQLite file's
``webhooks`` table with ``--db``), like read markers; a room's hooks go
with the room (:meth:`StoredHooks.forget`, and the store's ``drop_room``).
Nothing here waits, so each step is atomic as every local step is: a
change of a room's hooks (:meth:`StoredHooks.apply`) checks its premises
and performs its operations in one call.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.backends.local.records import Store
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.messages import (
    AddHook,
    FewerHooksThan,
    HookHeld,
    RemoveHook,
    RoomHooks,
)
from chatroom.core.model.hooks import Hook
from chatroom.core.model.text import name_key


class StoredHooks:
    """secret → hook, and room key → {hook name key → hook}."""

    def __init__(self, store: Store, room_exists: Callable[[str], bool]) -> None:
        self.store = store
        self.room_exists = room_exists
        self.by_secret: dict[str, Hook] = {}
        self.by_room: dict[str, dict[str, Hook]] = {}
        for hook in store.load_hooks():
            self._keep(hook)

    def _keep(self, hook: Hook) -> None:
        self.by_secret[hook.secret] = hook
        self.by_room.setdefault(hook.key, {})[name_key(hook.name)] = hook

    @applies(RoomHooks)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a room's hooks (``NO_SUCH_ROOM`` if the room is
        gone): its premises checked on the hooks as they are, then its
        operations, in memory and the store."""
        room = change.room
        if not self.room_exists(room):
            raise errors.no_such_room(room)
        hooks = self.by_room.get(room, {})
        for premise in change.premises:
            if isinstance(premise, HookHeld):
                holds = (premise.name in hooks) == premise.held
            elif isinstance(premise, FewerHooksThan):
                holds = len(hooks) < premise.count
            else:
                raise TypeError(f"not a premise of a room's hooks: {premise!r}")
            if not holds:
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, AddHook):
                self._keep(op.hook)
                self.store.save_hook(op.hook, True)
            elif isinstance(op, RemoveHook):
                self._drop(room, op.name)
            else:
                raise TypeError(f"not an operation on a room's hooks: {op!r}")

    def _drop(self, room: str, name: str) -> None:
        hooks = self.by_room[room]
        hook = hooks.pop(name)
        del self.by_secret[hook.secret]
        if not hooks:
            del self.by_room[room]
        self.store.save_hook(hook, False)

    async def of_room(self, room: str) -> list[Hook]:
        hooks = self.by_room.get(name_key(room), {})
        return [hooks[key] for key in sorted(hooks)]

    async def find(self, secret: str) -> Hook | None:
        return self.by_secret.get(secret)

    def moved(self, key: str, name: str) -> None:
        """Room ``key`` is called ``name``: its hooks post there (the store
        moves the rows)."""
        hooks = self.by_room.pop(key, {})
        for hook in hooks.values():
            self._keep(Hook(name, hook.name, hook.secret, hook.by))

    def forget(self, key: str) -> None:
        """Room ``key`` is gone, and its hooks with it (the store drops
        their rows with the room's)."""
        for hook in self.by_room.pop(key, {}).values():
            del self.by_secret[hook.secret]
