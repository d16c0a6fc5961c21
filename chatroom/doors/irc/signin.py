"""Signing in from IRC: ``PASS``, and what SASL shares with it.

IRC has two ways to sign in to an account before registration completes,
and both reach the same :meth:`chatroom.core.services.accounts.AccountService.sign_in`
as the line door's ``/login``, so every rule (Argon2id, the back-off on
failures, server bans) is the core's, not the door's:

- ``PASS password`` with ``NICK`` the account's name, or ``PASS
  account:password`` for any nick: the server password is the account's
  password, as ergo and most services-less ircds read it, and the one
  thing every IRC client can send (irssi ``-w``, ``/connect -password``).
  A wrong password is ``464`` and the link is closed, as ircds do: a
  client cannot send ``PASS`` again once registered, so there is nothing
  to retry on this connection.
- SASL ``PLAIN`` and ``SCRAM-SHA-256`` (``CAP REQ :sasl``,
  ``AUTHENTICATE``, :mod:`chatroom.doors.irc.sasl`): a failure is ``904``
  and the client decides (most disconnect; some go on unsigned).

With ``--irc-password`` (a server password, as ircds have), ``PASS`` is
that password and nothing else (:func:`check_server_password`); accounts
then sign in by SASL or ``NickServ IDENTIFY``.

A session keeps what it learns here in a
:class:`~chatroom.doors.irc.session.PendingSignIn` until it is
registered, then drops it, password and all: nothing here logs a
password or keeps one past the sign-in that uses it.
"""

from __future__ import annotations

import hmac

from twisted.words.protocols import irc

from chatroom.core.accounts.accounts import Account
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import is_valid_name
from chatroom.doors.irc.session import IRCSession, PendingSignIn
from chatroom.doors.irc.wire import RPL_LOGGEDIN, build, need
from chatroom.wire.signin import account_required_words

#: Refusals at registration after which the connection has no way forward.
TURNED_AWAY = frozenset(
    {
        "BAD_PASSWORD",
        "NO_SUCH_ACCOUNT",
        "RATE_LIMITED",
        "BANNED",
        "ACCOUNT_REQUIRED",
        "SERVER_CLOSED",
    }
)

ACCOUNT_HELP = (
    "This server requires an account: connect with your account's name as "
    "nick and its password as the server password (PASS), or use SASL "
    "(PLAIN or SCRAM-SHA-256)"
)


# -- PASS -------------------------------------------------------------------------


async def password(session: IRCSession, params: tuple[str, ...]) -> None:
    """Kept until registration: the nick it signs in to may come later. A
    passphrase sent in words, not as one last parameter, is joined again."""
    if session.signing_in is None:
        session.numeric(irc.ERR_ALREADYREGISTRED, "You may not reregister")
        return
    need(params, 1)
    session.signing_in.password = " ".join(params)


def split_password(given: str, nick: str) -> tuple[str, str, bool]:
    """``PASS`` as (account, password, whether the account was named).

    ``account:password`` names the account when the part before the first
    colon is a name; otherwise the whole is the password of ``nick``'s
    account (so a password with a colon in it needs the named form).
    """
    account, colon, secret = given.partition(":")
    if colon and is_valid_name(account):
        return account, secret, True
    return nick, given, False


def check_server_password(session: IRCSession) -> bool:
    """With ``--irc-password``, ``PASS`` is that password, not an account's:
    missing or wrong, it is ``464`` then ``ERROR`` and the link closes
    (Modern: "MUST close the connection with ERROR"). False if turned away."""
    wanted = session.config.irc_password
    pending = session.signing_in
    if not wanted or pending is None or pending.admitted:
        return True
    given, pending.password = pending.password or "", None
    if hmac.compare_digest(given.encode("utf-8"), wanted.encode("utf-8")):
        pending.admitted = True
        return True
    session.numeric(irc.ERR_PASSWDMISMATCH, "Password incorrect")
    session.close("Bad server password")
    return False


async def check_password(session: IRCSession, nick: str) -> bool:
    """Sign in with the ``PASS`` given, if any, before ``nick`` is claimed.

    False if the session was turned away (and is closing). A bare password
    for a nick nobody registered signs in to nothing: the session goes on
    with a plain name and a notice saying so (it may be a server password
    meant for another network). An invalid nick keeps the password for the
    next ``NICK``, since ``432`` lets the client choose again.
    """
    pending = session.signing_in
    if pending is None or pending.password is None or pending.account:
        return True
    account_name, secret, named = split_password(pending.password, nick)
    if not named and not is_valid_name(nick):
        return True
    pending.password = None
    try:
        account = await session.registry.accounts.sign_in(
            account_name, secret, session.host
        )
    except ChatError as refused:
        if refused.code == "NO_SUCH_ACCOUNT" and not named:
            session.notice(
                f"No account is registered as {nick}: the server password "
                "was not used, and you are not signed in"
            )
            return True
        turn_away(session, refused)
        return False
    if session.closing:  # gone while the password was checked
        return False
    signed_in(session, account, pending)
    return True


def signed_in(session: IRCSession, account: Account, pending: PendingSignIn) -> None:
    """Remember the account for the claim that registration makes; a bot
    account's session is in bot mode (``+B``: ``335``, ``WHO``'s ``B``)."""
    pending.account, pending.account_name = account.key, account.name
    if account.bot:
        session.bot = True
    session.log.info(
        "{host} signed in to {account} (IRC)", host=session.host, account=account.name
    )


def logged_in(session: IRCSession, pending: PendingSignIn) -> None:
    """``900``: what clients show as "You are now logged in as ..."."""
    if not pending.account or pending.told:
        return
    pending.told = True
    nick = session.name or session.wanted or "*"
    session.send(
        build(
            session.me,
            RPL_LOGGEDIN,
            session.nick,
            session.renderer.source(nick),
            pending.account_name,
            f"You are now logged in as {pending.account_name}",
        )
    )


def turn_away(session: IRCSession, refused: ChatError) -> None:
    """A sign-in or claim the client cannot recover from: say why, close."""
    code = refused.code
    if code == "ACCOUNT_REQUIRED":  # Ergo's FAIL for require-sasl, then help
        words = account_required_words(refused.text)  # IRC has no /login
        session.send(build(session.me, "FAIL", "*", "ACCOUNT_REQUIRED", words))
        session.notice(ACCOUNT_HELP)
        reason = "Account required"
    elif code in ("BAD_PASSWORD", "NO_SUCH_ACCOUNT"):
        text = "Password incorrect" if code == "BAD_PASSWORD" else refused.text
        session.numeric(irc.ERR_PASSWDMISMATCH, text)
        reason = text
    else:  # BANNED: 465; RATE_LIMITED: a notice with its wait
        session.refuse(refused, "PASS", "*")
        reason = refused.text
    session.close(reason)
