"""The line protocol's ``/notify ROOM [all|mentions|none]``: a room's
notification level for the account (:mod:`chatroom.core.accounts.notify_levels`),
answered ``NOTIFY room level``."""

from __future__ import annotations

from chatroom.core.accounts.notify_levels import LEVELS
from chatroom.core.model import errors
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line


async def do_notify(session: CommandContext, args: str) -> None:
    words = args.split()
    if len(words) not in (1, 2):
        raise errors.usage(f"/notify ROOM [{'|'.join(LEVELS)}]")
    room, level = await session.registry.notify_levels.level(session.member, *words)
    session.send(format_line("NOTIFY", room, level))
