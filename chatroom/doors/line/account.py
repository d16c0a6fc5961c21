"""The line protocol's commands on a signed-in account: ``/password``,
``/unregister``, ``/devices``, ``/logout ID``, ``/token``, ``/export``,
``/delete-account`` and ``/push``.

Handlers of :data:`chatroom.doors.line.session.COMMANDS` kept apart from
the session's module (which keeps ``/login`` and ``/register``: they
name the session), as plain functions taking the session (a
:class:`~chatroom.doors.line.context.CommandContext`); the account
service holds the rules.
"""

from __future__ import annotations

from chatroom.core import exporting, registering
from chatroom.core.accounts.accounts import Account
from chatroom.core.accounts.push import JSON
from chatroom.core.model import errors
from chatroom.doors.line.arguments import (
    old_and_new_password,
    rest_as_password,
    single_word,
)
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line, format_time


async def do_password(session: CommandContext, args: str) -> None:
    old, new = old_and_new_password(args, "/password OLD NEW")
    account = await session.registry.accounts.change_password(
        session.registry.sessions.account_of(session.member), old, new, session.host
    )
    session.send(format_line("PASSWORD_CHANGED", account.name))


async def do_unregister(session: CommandContext, args: str) -> None:
    account = await registering.unregister(
        session.registry.accounts,
        session.registry,
        session.member,
        rest_as_password(args, "/unregister PASSWORD"),
        session.host,
    )
    session.send(format_line("UNREGISTERED", account.name))


async def do_export(session: CommandContext, args: str) -> None:
    """``/export``: ``EXPORT <url>``, a one-time link to the account's data."""
    if args:
        raise errors.usage("/export")
    server = session.server
    link = await exporting.export_archive(
        server.registry.accounts,
        session.registry,
        session.member,
        server.http_url,
        format_time(server.clock.seconds()),
        server.off_reactor,
    )
    session.send(format_line("EXPORT", link))


async def do_delete_account(session: CommandContext, args: str) -> None:
    """``/delete-account PASSWORD``: ``ACCOUNT_DELETED <name>``, then ``BYE``
    (every device of the account is disconnected)."""
    password = rest_as_password(args, "/delete-account PASSWORD")

    def deleted(account: Account) -> None:
        session.send(format_line("ACCOUNT_DELETED", account.name))

    await registering.delete_account(
        session.registry.accounts,
        session.registry,
        session.member,
        password,
        session.host,
        deleted,
    )


async def do_devices(session: CommandContext, args: str) -> None:
    """``/devices``: one ``DEVICE`` line per connection of the account
    (``current``: this one), then ``DEVICES_END <count>``."""
    if args:
        raise errors.usage("/devices")
    listed = await session.registry.devices.listed(session.member)
    session.send(
        b"".join(
            format_line(
                "DEVICE",
                str(number),
                door,
                format_time(since),
                *(("current",) if number == listed.asker else ()),
            )
            for number, door, since in listed.devices
        )
        + format_line("DEVICES_END", str(len(listed.devices)))
    )


async def do_logout(session: CommandContext, args: str) -> None:
    """``/logout ID``: that device of the account is closed (this one, if
    ID is its own), and the asker told ``LOGGED_OUT ID``."""
    number = single_word(args, "/logout ID")
    if not number.isdigit() or not number.isascii():
        raise errors.no_such_device(number)
    await session.registry.devices.end(session.member, int(number))
    session.send(format_line("LOGGED_OUT", number))


async def do_token(session: CommandContext, args: str) -> None:
    """``/token``: ``TOKEN <token> <seconds> <url>``, a bearer token for
    ``POST <url>`` (``Authorization: Bearer <token>``) good for that long.
    The URL came last, so clients that read two fields read them still."""
    if args:
        raise errors.usage("/token")
    files = session.registry.files
    if files is None:
        raise errors.files_off()
    account = session.registry.sessions.account_of(session.member)
    if not account:
        raise errors.not_signed_in()
    token = await files.issue_token(account)
    seconds = str(int(files.token_lifetime))
    where = (files.upload_url,) if files.upload_url else ()
    session.send(format_line("TOKEN", token, seconds, *where))


#: ``/push``'s synopsis, as its usage error gives it.
PUSH_USAGE = "/push add ENDPOINT P256DH AUTH | remove ENDPOINT | key"


async def do_push(session: CommandContext, args: str) -> None:
    """``/push add ENDPOINT P256DH AUTH`` (a browser's PushSubscription,
    keys base64url): ``PUSH ADDED``; ``/push remove ENDPOINT``: ``PUSH
    REMOVED``; ``/push key``: ``PUSH KEY <key>``, the server's VAPID
    public key to subscribe with. Adding and removing need an account."""
    words = args.split()
    registry = session.registry
    match words:
        case ["add", endpoint, p256dh, auth]:
            await registry.users.push_subscribe(
                session.member, endpoint, p256dh, auth, JSON
            )
            session.send(format_line("PUSH", "ADDED"))
        case ["remove", endpoint]:
            await registry.users.push_unsubscribe(session.member, endpoint)
            session.send(format_line("PUSH", "REMOVED"))
        case ["key"]:
            session.send(
                format_line("PUSH", "KEY", text=await registry.users.push_key())
            )
        case _:
            raise errors.usage(PUSH_USAGE)
