"""Rooms' slash commands in one process: the local :class:`CommandStore`.

Kept in memory (loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the SQLite file's
``slash_commands`` table with ``--db``), as the webhooks are; a room's
commands go with the room (:meth:`StoredCommands.forget`, and the store's
``drop_room``) and follow its renames (:meth:`StoredCommands.moved`).
Nothing here waits, so a change of a room's commands
(:meth:`StoredCommands.apply`) checks its premises and performs its
operations in one call.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.backends.local.records import Store
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.messages import (
    AddCommand,
    CommandHeld,
    FewerCommandsThan,
    RemoveCommand,
    RoomCommands,
)
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.text import name_key


class StoredCommands:
    """room key → {command key → command}."""

    def __init__(self, store: Store, room_exists: Callable[[str], bool]) -> None:
        self.store = store
        self.room_exists = room_exists
        self.by_room: dict[str, dict[str, SlashCommand]] = {}
        for room, key, command in store.load_commands():
            self.by_room.setdefault(room, {})[key] = command

    @applies(RoomCommands)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a room's commands (``NO_SUCH_ROOM`` if the room is
        gone): its premises checked on the commands as they are, then its
        operations, in memory and the store."""
        room = change.room
        if not self.room_exists(room):
            raise errors.no_such_room(room)
        kept = self.by_room.get(room, {})
        for premise in change.premises:
            if isinstance(premise, CommandHeld):
                holds = (premise.name in kept) == premise.held
            elif isinstance(premise, FewerCommandsThan):
                holds = len(kept) < premise.count
            else:
                raise TypeError(f"not a premise of a room's commands: {premise!r}")
            if not holds:
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, AddCommand):
                self.by_room.setdefault(room, {})[op.name] = op.command
                self.store.save_command(room, op.name, op.command)
            elif isinstance(op, RemoveCommand):
                commands = self.by_room[room]
                del commands[op.name]
                if not commands:
                    del self.by_room[room]
                self.store.save_command(room, op.name, None)
            else:
                raise TypeError(f"not an operation on a room's commands: {op!r}")

    async def of_room(self, room: str) -> list[SlashCommand]:
        kept = self.by_room.get(name_key(room), {})
        return [kept[key] for key in sorted(kept)]

    def moved(self, key: str, new_key: str) -> None:
        """Room ``key`` is known by ``new_key``: its commands go with it
        (the store moves the rows)."""
        if key != new_key and key in self.by_room:
            self.by_room[new_key] = self.by_room.pop(key)

    def forget(self, key: str) -> None:
        """Room ``key`` is gone, and its commands with it (the store drops
        their rows with the room's)."""
        self.by_room.pop(key, None)
