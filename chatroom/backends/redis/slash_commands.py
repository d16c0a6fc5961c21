"""Rooms' slash commands in a cluster: the Redis :class:`CommandStore`.

A room keeps its commands (``P commands:<room>``, the room's slot when
rooms are apart): each command's key (its name, case folded) → the JSON of
its fields. Unlike a webhook, a command is only ever found through its
room (``/NAME`` typed in it), so there is no index: adding or removing one
is the room's one step, its premises (no command of that name, fewer than
the most; a command of that name, to remove it) checked by the prelude's
interpreter. The commands go with the room's keys (``drop_room_keys``) and
move with them in a rename (``ROOM_KINDS``). A command read back that is
not one is skipped and logged without its bytes (they hold a token).
"""

from __future__ import annotations

from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.messages import RoomCommands
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.text import name_key

log = Logger()

#: Operands: ``change`` (a room's commands' change: commands added or
#: removed, resting on a command of that name being kept or not, and
#: fewer than the most). The room's step: ``NO_SUCH_ROOM`` if the room is
#: gone; ``CHANGED`` and the failed premise's place; else ``OK``.
COMMANDS_APPLY = Script("commands-apply", room_at="change", subjects=(RoomCommands,))

#: Operands: room. The room's commands, in the order of their keys.
COMMAND_LIST = Script("command-list", room_at="room")


class RedisCommands:
    """:class:`chatroom.core.model.slash_commands.CommandStore` on Redis:
    each step one script on the room's slot."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(RoomCommands)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a room's commands, in the room's one step."""
        await self.calls.call(
            COMMANDS_APPLY,
            {"change": change},
            refusals={b"NO_SUCH_ROOM": lambda _: errors.no_such_room(change.room)},
        )

    async def of_room(self, room: str) -> list[SlashCommand]:
        listed = await self.calls.eval(COMMAND_LIST, {"room": name_key(room)})
        commands = []
        for kept in listed:
            command = SlashCommand.decoded(kept)
            if command is None:
                log.warn("skipped a slash command that is not one")
            else:
                commands.append(command)
        return commands
