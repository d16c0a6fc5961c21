"""E-mail at the IRC door: the address ``REGISTER`` gives, and ``VERIFY``.

IRCv3 ``draft/account-registration``'s ``REGISTER <account> <email>
<password>`` keeps the address given (``*`` gives none) and mails it a
code (:class:`chatroom.core.services.mailbox.MailboxService`, the line door's
``/email``). On a ``--require-email`` server the capability's value says
``email-required``, an address must be given (``FAIL REGISTER
INVALID_EMAIL`` otherwise), and the answer is ``REGISTER
VERIFICATION_REQUIRED``: the connection is signed in to the account, but
``900`` waits for ``VERIFY <account> <code>``, which answers ``VERIFY
SUCCESS`` (or ``FAIL VERIFY INVALID_CODE``), as the specification and
Ergo do. NickServ's ``REGISTER <password> <email>`` and ``VERIFY
<account> <code>`` do the same in NickServ's words.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.core.services.mailbox import check_address
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build


def given_address(session: IRCSession, email: str) -> str:
    """The address a registration gave (``""`` for ``*`` or none), checked
    before anything is registered: ``BAD_ARGS`` for one that is no
    address, ``EMAIL_REQUIRED`` for none on a ``--require-email`` server.
    Where no address is required, a word with no ``@`` (clients send
    ``-`` or the nick for "none") is none, as it always was here."""
    unused = email in ("", "*") or (
        "@" not in email and not session.config.require_email
    )
    address = "" if unused else check_address(email)
    if not address and session.config.require_email:
        raise ChatError("EMAIL_REQUIRED", "an e-mail address is required to register")
    return address


async def mail_code(
    session: IRCSession, account: str, address: str, unsent: Callable[[str], None]
) -> None:
    """Keep ``address`` (pending) for the account just registered and mail
    it a code, once the registration has been answered."""
    send = await session.server.mailbox.set_address(account, address)
    send(unsent)


def must_verify(session: IRCSession) -> bool:
    """Whether a new account counts only once verified here."""
    return session.config.require_email


def verification_required(session: IRCSession, name: str, address: str) -> None:
    session.send(
        build(
            session.me,
            "REGISTER",
            "VERIFICATION_REQUIRED",
            name,
            f"Account created; verify it with the code sent to {address}",
        )
    )


async def verified(session: IRCSession, account: str, code: str) -> str:
    """The account's address, verified with ``code`` (the core's
    ``/verify``): ``BAD_CODE``, ``RATE_LIMITED``."""
    if not account or account == "*":
        account = session.nick
    if not account:
        raise errors.usage("VERIFY <account> <code>")
    return await session.server.mailbox.verify(account, code, session.host)


def signed_in_to(session: IRCSession, account: str) -> bool:
    """Whether this connection is signed in to ``account``."""
    return session.registry.sessions.account_of(session.member) == name_key(account)
