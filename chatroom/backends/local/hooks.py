"""Rooms' webhooks in one process: the local :class:`HookStore`.

Kept in memory (loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the SQLite file's
``webhooks`` table with ``--db``), like read markers; a room's hooks go
with the room (:meth:`StoredHooks.forget`, and the store's ``drop_room``).
Nothing here waits, so each step is atomic as every local step is.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.backends.local.records import Store
from chatroom.core import errors
from chatroom.core.hooks import Hook
from chatroom.core.text import name_key


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

    async def add(self, hook: Hook) -> bool:
        if not self.room_exists(hook.key):
            raise errors.no_such_room(hook.room)
        if name_key(hook.name) in self.by_room.get(hook.key, {}):
            return False
        self._keep(hook)
        self.store.save_hook(hook, True)
        return True

    async def remove(self, room: str, name: str) -> bool:
        hooks = self.by_room.get(name_key(room), {})
        hook = hooks.pop(name_key(name), None)
        if hook is None:
            return False
        del self.by_secret[hook.secret]
        if not hooks:
            del self.by_room[hook.key]
        self.store.save_hook(hook, False)
        return True

    async def of_room(self, room: str) -> list[Hook]:
        hooks = self.by_room.get(name_key(room), {})
        return [hooks[key] for key in sorted(hooks)]

    async def find(self, secret: str) -> Hook | None:
        return self.by_secret.get(secret)

    def forget(self, key: str) -> None:
        """Room ``key`` is gone, and its hooks with it (the store drops
        their rows with the room's)."""
        for hook in self.by_room.pop(key, {}).values():
            del self.by_secret[hook.secret]
