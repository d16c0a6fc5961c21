"""Signing in from IRC: ``PASS``, SASL ``PLAIN``, and ``CAP`` around them.

IRC has two ways to sign in to an account before registration completes,
and both reach the same :meth:`chatroom.core.accounts.AccountService.sign_in`
as the line door's ``/login``, so every rule (Argon2id, the back-off on
failures, server bans) is the core's, not the door's:

- ``PASS password`` with ``NICK`` the account's name, or ``PASS
  account:password`` for any nick: the server password is the account's
  password, as ergo and most services-less ircds read it, and the one
  thing every IRC client can send (irssi ``-w``, ``/connect -password``).
  A wrong password is ``464`` and the link is closed, as ircds do: a
  client cannot send ``PASS`` again once registered, so there is nothing
  to retry on this connection.
- SASL ``PLAIN`` (``CAP REQ :sasl``, ``AUTHENTICATE``): a failure is
  ``904`` and the client decides (most disconnect; some go on unsigned).

With ``--irc-password`` (a server password, as ircds have), ``PASS`` is
that password and nothing else (:func:`check_server_password`); accounts
then sign in by SASL or ``NickServ IDENTIFY``.

A session keeps what it learns here in a
:class:`~chatroom.doors.irc.session.PendingSignIn` until it is
registered, then drops it, password and all: nothing here logs a
password or keeps one past the sign-in that uses it.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from twisted.words.protocols import irc

from chatroom.core.accounts import Account
from chatroom.core.errors import ChatError
from chatroom.core.text import is_valid_name, name_key
from chatroom.doors.irc.session import IRCSession, PendingSignIn
from chatroom.doors.irc.wire import (
    ERR_SASLFAIL,
    RPL_LOGGEDIN,
    RPL_SASLMECHS,
    RPL_SASLSUCCESS,
    build,
    need,
)

#: Refusals at registration after which the connection has no way forward.
TURNED_AWAY = frozenset(
    {"BAD_PASSWORD", "NO_SUCH_ACCOUNT", "RATE_LIMITED", "BANNED", "ACCOUNT_REQUIRED"}
)

ERR_SASLABORTED = "906"
#: AUTHENTICATE carries at most 400 bytes a line; a full line means more.
SASL_CHUNK = 400
#: PLAIN with a 32-character name and a 128-character password fits easily.
SASL_MAX = 2 * SASL_CHUNK

ACCOUNT_HELP = (
    "This server requires an account: connect with your account's name as "
    "nick and its password as the server password (PASS), or use SASL PLAIN"
)


# -- PASS -------------------------------------------------------------------------


async def password(session: IRCSession, params: tuple[str, ...]) -> None:
    """Kept until registration: the nick it signs in to may come later."""
    if session.signing_in is None:
        session.numeric(irc.ERR_ALREADYREGISTRED, "You may not reregister")
        return
    need(params, 1)
    session.signing_in.password = params[0]


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
        account = await session.server.account_service.sign_in(
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
    """Remember the account for the claim that registration makes."""
    pending.account, pending.account_name = account.key, account.name
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
    if code == "ACCOUNT_REQUIRED":
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


# -- SASL PLAIN ---------------------------------------------------------------------


async def authenticate(session: IRCSession, params: tuple[str, ...]) -> None:
    """SASL ``PLAIN`` (RFC 4616): ``authzid NUL authcid NUL password``;
    once registered too, as SASL 3.2 says servers should ("reauthenticate
    ... at any time"): it then signs in as NickServ's ``IDENTIFY`` does."""
    pending = session.signing_in
    if pending is None:  # registered
        pending = session.reauthenticating or PendingSignIn()
        session.reauthenticating = pending
    if pending is None or "sasl" not in session.caps:
        session.numeric(ERR_SASLFAIL, "SASL authentication failed: not negotiated")
        return
    word = params[0]
    if pending.sasl is None:
        if word.upper() != "PLAIN":
            session.numeric(RPL_SASLMECHS, "PLAIN", "are available SASL mechanisms")
            session.numeric(ERR_SASLFAIL, "SASL authentication failed")
            return
        pending.sasl = ""
        session.send(b"AUTHENTICATE +\r\n")
        return
    if word == "*":
        pending.sasl, session.reauthenticating = None, None
        session.numeric(ERR_SASLABORTED, "SASL authentication aborted")
        return
    chunk = "" if word == "+" else word
    pending.sasl += chunk
    if len(chunk) == SASL_CHUNK and len(pending.sasl) < SASL_MAX:
        return  # more follows
    payload, pending.sasl = pending.sasl, None
    session.reauthenticating = None  # the next AUTHENTICATE starts anew
    await _plain(session, pending, payload)


async def _plain(session: IRCSession, pending: PendingSignIn, payload: str) -> None:
    try:
        parts = base64.b64decode(payload, validate=True).decode("utf-8").split("\0")
    except (binascii.Error, UnicodeDecodeError):
        parts = []
    if len(parts) != 3 or (parts[0] and name_key(parts[0]) != name_key(parts[1])):
        session.numeric(ERR_SASLFAIL, "SASL authentication failed: malformed")
        return
    _, name, secret = parts
    try:
        account = await session.server.account_service.sign_in(
            name, secret, session.host
        )
    except ChatError as refused:
        session.numeric(ERR_SASLFAIL, f"SASL authentication failed: {refused.text}")
        return
    if session.closing:
        return
    if session.signing_in is None:  # registered: the account is now its
        await session.registry.set_account(session.member, account.key)
    pending.password = None  # SASL wins over a PASS
    signed_in(session, account, pending)
    logged_in(session, pending)
    session.numeric(RPL_SASLSUCCESS, "SASL authentication successful")
