"""The line protocol's commands on an account's e-mail address and on a
password reset by mail: ``/email``, ``/verify`` and ``/reset``.

Handlers of :data:`chatroom.doors.line.session.COMMANDS`, as plain
functions taking the session; :class:`chatroom.core.services.mailbox.MailboxService`
holds the rules (``docs/protocol.md``, *E-mail and password resets*).
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Account, mailbox_of
from chatroom.core.services.app_passwords import check_own_password_used
from chatroom.doors.line.arguments import name_and_password, single_word
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

#: ``/email``'s synopsis, as its usage error gives it.
EMAIL_USAGE = "/email [ADDRESS | remove]"


async def do_email(session: CommandContext, args: str) -> None:
    """``/email``: ``EMAIL <address> verified|pending``, or ``EMAIL none``;
    ``/email remove``: ``EMAIL none``; ``/email ADDRESS``:
    ``EMAIL_PENDING <address>``, and a code is mailed there (if the mail
    cannot be sent, ``ERR MAIL_UNSENT`` says why, later)."""
    mailbox = session.server.mailbox
    account = session.registry.sessions.account_of(session.member)
    if not args:
        shown = await mailbox.shown(account)
        words = (shown.address, shown.state) if shown.address else ("none",)
        session.send(format_line("EMAIL", *words))
    elif args == "remove":
        check_own_password_used(session.app_password, "/email remove")
        await mailbox.remove(account)
        session.send(format_line("EMAIL", "none"))
    else:
        address = single_word(args, EMAIL_USAGE)
        check_own_password_used(session.app_password, "/email ADDRESS")

        def unsent(why: str) -> None:
            session.send(format_line("ERR", "MAIL_UNSENT", text=why))

        send = await mailbox.set_address(account, address)
        session.send(format_line("EMAIL_PENDING", address))
        send(unsent)


async def do_verify(session: CommandContext, args: str) -> None:
    """``/verify CODE``: ``EMAIL_VERIFIED <address>``."""
    code = single_word(args, "/verify CODE")
    account = session.registry.sessions.account_of(session.member)
    if not account:
        raise errors.not_signed_in()
    # The account's key names it: the session's name may be another (/nick).
    address = await session.server.mailbox.verify_account(account, code, session.host)
    session.send(format_line("EMAIL_VERIFIED", address))


async def do_reset(session: CommandContext, args: str) -> None:
    """``/reset NAME``: ``RESET_SENT <name>``, whatever the name;
    ``/reset NAME CODE NEWPASSWORD``: ``PASSWORD_CHANGED <name>``, and
    every device of the account is told ``BYE password reset``."""
    mailbox = session.server.mailbox
    name, _, rest = args.partition(" ")
    if not name:
        raise errors.usage("/reset NAME [CODE NEWPASSWORD]")
    if not rest.strip(" "):
        await mailbox.request_reset(name, session.host)
        session.send(format_line("RESET_SENT", name))
        return
    code, password = name_and_password(
        rest.lstrip(" "), "/reset NAME [CODE NEWPASSWORD]"
    )
    account = await mailbox.reset(name, code, password, session.host)
    session.send(format_line("PASSWORD_CHANGED", account.name))


def tell_email_required(session: CommandContext, account: Account) -> None:
    """After ``REGISTERED`` on a ``--require-email`` server:
    ``EMAIL_REQUIRED <name> <seconds>``, the time left to verify an address."""
    required = mailbox_of(account).required_until
    if required:
        left = max(0, int(required - session.server.clock.seconds()))
        session.send(format_line("EMAIL_REQUIRED", account.name, str(left)))
