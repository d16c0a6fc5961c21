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

from functools import partial
from typing import cast

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.slash_commands import Ephemeral, SlashCommand
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

USAGE = "/command add NAME URL|list|remove NAME"

log = Logger()


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
    """``/name args`` in the current room: the room's command called
    (``UNKNOWN_COMMAND``: the room has no such command; ``MODERATED``...
    answered in turn). Its answer is not waited for: the typer's next
    lines go on meanwhile (a command has up to 5 s), and its ephemeral
    answer, shown here alone, or its ``ERR UNAVAILABLE`` comes when it
    does."""
    slash = session.registry.slash_commands
    call = await slash.called(session.member, session.current_room(), name, args)
    answering = Deferred.fromCoroutine(slash.answered(call))
    answering.addCallbacks(partial(_shown, session), partial(_unanswered, session))


def _shown(session: CommandContext, shown: Ephemeral | None) -> None:
    """An answer for the typer alone: ``EPHEMERAL``, a line each (the line
    protocol's lines hold no breaks)."""
    if shown is not None:
        session.send(
            b"".join(
                format_line("EPHEMERAL", shown.room, shown.user, shown.time, text=line)
                for line in shown.lines
            )
        )


def _unanswered(session: CommandContext, failure: Failure) -> None:
    """The call failed: its ``ERR``, as a command's failure is answered."""
    if failure.check(ChatError):
        session.refuse(cast(ChatError, failure.value))
        return
    log.failure("a slash command's answer failed", failure)
    session.refuse(errors.internal())
