"""The line protocol's bots: ``/bot add|list|remove``.

A handler of :data:`chatroom.doors.line.session.COMMANDS`, taking the
session; :class:`chatroom.core.accounts.bots.Bots` holds the rules
(``docs/protocol.md``, *Bots*).
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.services.app_passwords import check_own_password_used
from chatroom.doors.line.arguments import single_word
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line, format_time

#: ``/bot``'s synopsis, as its usage error gives it.
USAGE = "/bot add NAME | list | remove NAME"


async def do_bot(session: CommandContext, args: str) -> None:
    """``/bot add NAME``: ``BOT <name> <token>``, the one time the token
    is shown; ``/bot list``: a ``BOT_MADE <name> <time>`` line for each of
    the account's bots, oldest first, then ``BOTS_END <count>``; ``/bot
    remove NAME``: ``BOT_REMOVED <name>``. ``NOT_ALLOWED`` for a plain
    name, a bot, or a sign-in with an app password."""
    bots = session.registry.accounts.bots
    action, _, rest = args.strip().partition(" ")
    action = action.lower()
    if action not in ("add", "list", "remove"):
        raise errors.usage(USAGE)
    signed_in = session.registry.sessions.get(session.member)
    account = signed_in.account if signed_in is not None else ""
    if not account:
        raise errors.not_signed_in()
    if signed_in is not None and signed_in.bot:
        raise errors.not_allowed(f"a bot may not use /bot {action}")
    check_own_password_used(session.app_password, "/bot")
    if action == "add":
        name = single_word(rest.strip(), USAGE)
        made, token = await bots.add(name, owner=account)
        session.send(format_line("BOT", made.name, token))
    elif action == "list" and not rest.strip():
        owned = await bots.owned(account)
        lines = [
            format_line("BOT_MADE", bot.name, format_time(bot.made)) for bot in owned
        ]
        lines.append(format_line("BOTS_END", str(len(owned))))
        session.send(b"".join(lines))
    elif action == "remove":
        name = single_word(rest.strip(), USAGE)
        removed = await bots.remove(name, str(session.name), owner=account)
        session.send(format_line("BOT_REMOVED", removed))
    else:
        raise errors.usage(USAGE)
