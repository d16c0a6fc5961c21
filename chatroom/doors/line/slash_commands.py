"""``/command add NAME URL``, ``/command list``, ``/command remove NAME``: a
room's outgoing slash commands; and a member's ``/NAME ARGS`` in a room
that has one (:mod:`chatroom.core.rooms.slash_commands` decides who may,
calls it and reads its answer).

``/command`` is a handler of :data:`chatroom.doors.line.session.COMMANDS`,
on the current room; ``/NAME`` is what the session runs for a command it
does not know, in a room (:func:`run_slash`): the room's command, else
``UNKNOWN_COMMAND`` as before. An ``in_channel`` answer reaches the room as
a message does; an ephemeral one is this device's alone (``EPHEMERAL``).
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

USAGE = "/command add NAME URL|list|remove NAME"


def _line(command: SlashCommand) -> bytes:
    """``COMMAND name url token``."""
    return format_line("COMMAND", command.name, command.url, command.token)


async def do_command(session: CommandContext, args: str) -> None:
    action, _, rest = args.strip().partition(" ")
    action, words = action.lower(), rest.split()
    room, slash = session.current_room(), session.registry.slash_commands
    if action == "add" and len(words) == 2:
        command = await slash.add(session.member, room, words[0], words[1])
        session.send(_line(command))
    elif action == "list" and not words:
        where, commands = await slash.listed(session.member, room)
        lines = [_line(command) for command in commands]
        lines.append(format_line("COMMANDS_END", where, str(len(commands))))
        session.send(b"".join(lines))
    elif action == "remove" and len(words) == 1:
        await slash.remove(session.member, room, words[0])
        session.send(format_line("COMMAND_REMOVED", words[0]))
    else:
        raise errors.usage(USAGE)


async def run_slash(session: CommandContext, name: str, args: str) -> None:
    """``/name args`` in the current room: its command's answer, an
    ephemeral one shown here alone (``UNKNOWN_COMMAND``: the room has no
    such command)."""
    slash = session.registry.slash_commands
    shown = await slash.use(session.member, session.current_room(), name, args)
    if shown is not None:  # a line each: the line protocol's lines hold no breaks
        session.send(
            b"".join(
                format_line("EPHEMERAL", shown.room, shown.user, shown.time, text=line)
                for line in shown.lines
            )
        )
