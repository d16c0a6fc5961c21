"""``/webhook add NAME``, ``/webhook list``, ``/webhook remove NAME``: a
room's incoming webhooks (:mod:`chatroom.core.rooms.webhooks` decides who may).

A handler of :data:`chatroom.doors.line.session.COMMANDS`, on the current
room. A hook's address is the server's web address (``--webhook-url``,
else the ``--http`` door's own) and its path; without either, nothing
could be posted to it, so none is made.
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.model.hooks import Hook, hook_url
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

USAGE = "/webhook add NAME|list|remove NAME"


def _line(base: str, hook: Hook) -> bytes:
    """``WEBHOOK name url``."""
    return format_line("WEBHOOK", hook.name, hook_url(base, hook.secret))


async def do_webhook(session: CommandContext, args: str) -> None:
    action, _, name = args.strip().partition(" ")
    action, name = action.lower(), name.strip()
    room, base = session.current_room(), session.server.webhook_base
    if action == "add" and name and " " not in name:
        if not base:
            raise errors.no_webhook_door()
        hook = await session.registry.webhooks.add(session.member, room, name)
        session.send(_line(base, hook))
    elif action == "list" and not name:
        where, hooks = await session.registry.webhooks.listed(session.member, room)
        lines = [_line(base, hook) for hook in hooks]
        lines.append(format_line("WEBHOOKS_END", where, str(len(hooks))))
        session.send(b"".join(lines))
    elif action == "remove" and name and " " not in name:
        await session.registry.webhooks.remove(session.member, room, name)
        session.send(format_line("WEBHOOK_REMOVED", name))
    else:
        raise errors.usage(USAGE)
