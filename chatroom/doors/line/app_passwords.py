"""The line protocol's app passwords: ``/app-password add|list|remove``.

A handler of :data:`chatroom.doors.line.session.COMMANDS`, taking the
session; :class:`chatroom.core.services.app_passwords.AppPasswords` holds the rules
(``docs/protocol.md``, *App passwords*).
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.services.app_passwords import check_own_password_used
from chatroom.doors.line.arguments import single_word
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line, format_time

#: ``/app-password``'s synopsis, as its usage error gives it.
USAGE = "/app-password add LABEL | list | remove LABEL"


async def do_app_password(session: CommandContext, args: str) -> None:
    """``/app-password add LABEL``: ``APP_PASSWORD <label> <password>``,
    the one time the password is shown; ``/app-password list``: an
    ``APP_PASSWORD_MADE <label> <time>`` line for each, then
    ``APP_PASSWORDS_END <count>``; ``/app-password remove LABEL``:
    ``APP_PASSWORD_REMOVED <label>``."""
    service = session.server.app_passwords
    account = session.registry.sessions.account_of(session.member)
    action, _, rest = args.strip().partition(" ")
    action = action.lower()
    if action in ("add", "remove"):
        check_own_password_used(session.app_password, f"/app-password {action}")
    if action == "add":
        label = single_word(rest.strip(), USAGE)
        password = await service.add(account, label)
        session.send(format_line("APP_PASSWORD", label, password))
    elif action == "list" and not rest.strip():
        kept = await service.listed(account)
        lines = [
            format_line("APP_PASSWORD_MADE", each.label, format_time(each.made))
            for each in kept
        ]
        lines.append(format_line("APP_PASSWORDS_END", str(len(kept))))
        session.send(b"".join(lines))
    elif action == "remove":
        label = single_word(rest.strip(), USAGE)
        await service.remove(account, label)
        session.send(format_line("APP_PASSWORD_REMOVED", label))
    else:
        raise errors.usage(USAGE)
