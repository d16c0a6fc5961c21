"""The line protocol's commands on a signed-in account: ``/password`` and
``/unregister``.

Handlers of :data:`chatroom.doors.line.session.COMMANDS` kept apart from
the session's module (which keeps ``/login`` and ``/register``: they
name the session), as plain functions taking the session (a
:class:`~chatroom.doors.line.context.CommandContext`); the account
service holds the rules.
"""

from __future__ import annotations

from chatroom.core.wire import format_line
from chatroom.doors.line.arguments import single_word, two_words
from chatroom.doors.line.context import CommandContext


async def do_password(session: CommandContext, args: str) -> None:
    old, new = two_words(args, "/password OLD NEW")
    account = await session.server.account_service.change_password(
        session.registry.account_of(session.member), old, new, session.host
    )
    session.send(format_line("PASSWORD_CHANGED", account.name))


async def do_unregister(session: CommandContext, args: str) -> None:
    password = single_word(args, "/unregister PASSWORD")
    account = await session.server.account_service.unregister(
        session.registry.account_of(session.member), password, session.host
    )
    await session.registry.set_account(session.member, "")
    session.send(format_line("UNREGISTERED", account.name))
