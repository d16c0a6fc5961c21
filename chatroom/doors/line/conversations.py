"""``/history``: a room's, or (``/history @USER``) a private conversation's.

A handler of :data:`chatroom.doors.line.session.COMMANDS` kept apart from
the session's module, a plain function over a
:class:`~chatroom.doors.line.context.CommandContext`. ``/history N [before
ID]`` pages back the current room as before; ``/history @USER N [before
ID]`` pages back the caller's private conversation with USER (allowed in
the lobby too), as the ``PRIVMSG`` lines they were, then ``HISTORY_END
@USER count``.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.doors.line.context import CommandContext
from chatroom.doors.line.positions import parse_history, render_history

PRIVATE_USAGE = "/history @USER N [before ID]"


async def do_history(session: CommandContext, args: str) -> None:
    if not args.startswith("@"):
        if session.room is None:
            raise errors.room_command_only("history")
        count, before = parse_history(args)
        room = session.current_room()
        events = await session.registry.room_history(
            session.member, room, count, before
        )
        session.send(render_history(room, events, session.render))
        return
    other, _, rest = args[1:].partition(" ")
    if not other or not rest:
        raise errors.usage(PRIVATE_USAGE)
    count, before = parse_history(rest)
    messages = await session.registry.private_history(
        session.member, other, count, before
    )
    session.send(render_history(f"@{other}", messages, session.render))
