"""SASL at the IRC door: ``AUTHENTICATE`` with ``PLAIN``, ``SCRAM-SHA-256``
or ``OAUTHBEARER``.

IRCv3's ``sasl`` (``CAP REQ :sasl``, then ``AUTHENTICATE MECHANISM``): the
server answers ``AUTHENTICATE +``, and each side's messages travel base64
in ``AUTHENTICATE`` lines of at most 400 bytes (a line of exactly 400
means more follows; ``+`` is empty). ``*`` from the client aborts
(``906``); a failure is ``904`` with the core's reason; success is ``900``
and ``903``, and registration waits for ``CAP END`` as usual.

- ``PLAIN`` (RFC 4616): one message, ``authzid NUL authcid NUL password``,
  checked by :meth:`chatroom.core.services.accounts.AccountService.sign_in` (the
  Argon2id hash, on a hashing thread).
- ``SCRAM-SHA-256`` (RFC 7677): the client's first message names the
  account (:func:`~chatroom.core.accounts.scram.requested_name`), the server
  answers with its salt, iteration count and nonce, the client proves it
  knows the password, and the server's last message proves it knows the
  account's keys; the client's empty answer ends it (``903``). The
  sign-in is :func:`~chatroom.core.services.scram_sign_in.begin_scram`: counted
  against the same back-off as every password from the first message,
  given back only when the proof is right or the exchange is aborted
  before one was checked (a connection that drops mid-exchange keeps it
  counted). An account with no SCRAM keys yet (registered before they
  were made, and not signed in with its password since) is ``904`` with
  a reason saying so.
- ``OAUTHBEARER`` (RFC 7628), offered with ``--oidc-issuer``, as Ergo
  2.14 offers it: one message, ``n,[a=AUTHZID],`` then ``\x01``-separated
  key-value pairs, among them ``auth=Bearer TOKEN``, an access token of
  the OpenID provider. It signs in to the account bound to the token's
  subject (:meth:`chatroom.core.accounts.oidc.OidcSignIn.sign_in_token`); an
  authzid, if given, must be that account's name. A refusal is ``904``
  with the reason at once, as Ergo answers (no RFC 7628 error challenge).
  A token is long: its message may take :data:`BEARER_MAX` bytes.

Nothing here logs a password, a proof, a key or a token.
"""

from __future__ import annotations

import base64
import binascii

from chatroom.core.accounts.accounts import Account
from chatroom.core.accounts.scram import MECHANISM, ScramError, requested_name
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.core.services.scram_sign_in import begin_scram
from chatroom.doors.irc.session import IRCSession, PendingSignIn
from chatroom.doors.irc.signin import logged_in, signed_in
from chatroom.doors.irc.wire import ERR_SASLFAIL, RPL_SASLMECHS, RPL_SASLSUCCESS

#: What ``CAP LS 302`` offers (``sasl=PLAIN,SCRAM-SHA-256``) and ``908`` lists.
MECHANISMS = ("PLAIN", MECHANISM)
#: Offered too when the server has an OpenID provider (``--oidc-issuer``).
OAUTHBEARER = "OAUTHBEARER"

ERR_SASLABORTED = "906"
#: AUTHENTICATE carries at most 400 bytes a line; a full line means more.
SASL_CHUNK = 400
#: PLAIN with a 32-character name and a 128-character password fits easily,
#: and so does each SCRAM message. A message of exactly this length still
#: waits for the client's closing ``AUTHENTICATE +`` (its last line was
#: full); one longer is ``904`` (``too long``).
SASL_MAX = 2 * SASL_CHUNK
#: An ``OAUTHBEARER`` message, base64: room for a provider's JWT with its
#: claims (Keycloak's are 1-2 KiB).
BEARER_MAX = 24 * SASL_CHUNK


def mechanisms(session: IRCSession) -> tuple[str, ...]:
    """The mechanisms this server takes."""
    if session.server.oidc is None:
        return MECHANISMS
    return (*MECHANISMS, OAUTHBEARER)


async def authenticate(session: IRCSession, params: tuple[str, ...]) -> None:
    """One ``AUTHENTICATE`` line: a mechanism, a chunk, ``+`` or ``*``;
    once registered too, as SASL 3.2 says servers should ("reauthenticate
    ... at any time"): it then signs in as NickServ's ``IDENTIFY`` does."""
    pending = session.signing_in
    if pending is None:  # registered
        pending = session.reauthenticating or PendingSignIn()
        session.reauthenticating = pending
    if "sasl" not in session.caps:
        session.reauthenticating = None
        session.numeric(ERR_SASLFAIL, "SASL authentication failed: not negotiated")
        return
    word = params[0]
    if pending.sasl is None:
        mechanism = word.upper()
        if mechanism not in mechanisms(session):
            session.numeric(
                RPL_SASLMECHS,
                ",".join(mechanisms(session)),
                "are available SASL mechanisms",
            )
            session.numeric(ERR_SASLFAIL, "SASL authentication failed")
            session.reauthenticating = None
            return
        pending.sasl, pending.mechanism = "", mechanism
        session.send(b"AUTHENTICATE +\r\n")
        return
    if word == "*":
        end(pending)
        session.reauthenticating = None
        session.numeric(ERR_SASLABORTED, "SASL authentication aborted")
        return
    chunk = "" if word == "+" else word
    pending.sasl += chunk
    longest = BEARER_MAX if pending.mechanism == OAUTHBEARER else SASL_MAX
    if len(pending.sasl) > longest:
        failed(session, pending, "too long")
        return
    if len(chunk) == SASL_CHUNK:
        return  # more follows: another chunk, or "+" after a multiple of 400
    try:
        message = base64.b64decode(pending.sasl, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        message = None
    pending.sasl = ""
    if pending.mechanism == "PLAIN":
        end(pending)
        await _plain(session, pending, message)
    elif pending.mechanism == OAUTHBEARER:
        end(pending)
        await _bearer(session, pending, message)
    else:
        await _scram(session, pending, message)


def end(pending: PendingSignIn) -> None:
    """No SASL exchange in progress any more (an unfinished SCRAM sign-in
    that checked no proof is no failure)."""
    if pending.scram is not None:
        pending.scram.abandon()
    pending.sasl, pending.mechanism = None, ""
    pending.scram = pending.scram_account = None


def failed(session: IRCSession, pending: PendingSignIn, reason: str) -> None:
    end(pending)
    session.reauthenticating = None  # the next AUTHENTICATE starts anew
    session.numeric(ERR_SASLFAIL, f"SASL authentication failed: {reason}")


async def succeeded(
    session: IRCSession,
    pending: PendingSignIn,
    account: Account,
    app_password: str = "",
) -> None:
    """Signed in: before registration for the claim registration makes;
    after it (reauthentication), the session's account is now this one,
    signed in with app password ``app_password`` (its label; "": with the
    account's own)."""
    session.reauthenticating = None
    session.app_password = app_password
    if session.signing_in is None:
        await session.set_account(account.key)
        if session.closing:
            return
    signed_in(session, account, pending)
    pending.password = None  # SASL wins over a PASS
    logged_in(session, pending)
    session.numeric(RPL_SASLSUCCESS, "SASL authentication successful")


async def _plain(
    session: IRCSession, pending: PendingSignIn, message: str | None
) -> None:
    parts = [] if message is None else message.split("\0")
    if len(parts) != 3 or (parts[0] and name_key(parts[0]) != name_key(parts[1])):
        failed(session, pending, "malformed")
        return
    _, name, secret = parts
    try:
        account, label = await session.registry.accounts.sign_in_or_app(
            name, secret, session.host
        )
    except ChatError as refused:
        failed(session, pending, refused.text)
        return
    if session.closing:
        return
    await succeeded(session, pending, account, label)


def bearer_token(message: str) -> tuple[str, str] | None:
    """RFC 7628's client response: its authzid ("" for none) and the
    bearer token, or None if it is not one."""
    header, _, rest = message.partition("\x01")
    fields = header.split(",")
    if len(fields) != 3 or fields[0] not in ("n", "y") or not rest.endswith("\x01"):
        return None
    authzid = fields[1][2:] if fields[1].startswith("a=") else ""
    for pair in rest.split("\x01"):
        key, _, value = pair.partition("=")
        scheme, _, token = value.partition(" ")
        if key == "auth" and scheme.lower() == "bearer" and token.strip():
            return authzid, token.strip()
    return None


async def _bearer(
    session: IRCSession, pending: PendingSignIn, message: str | None
) -> None:
    found = None if message is None else bearer_token(message)
    oidc = session.server.oidc
    if found is None or oidc is None:
        failed(session, pending, "malformed")
        return
    authzid, token = found
    try:
        account = await oidc.sign_in_token(token)
    except ChatError as refused:
        failed(session, pending, refused.text)
        return
    if authzid and name_key(authzid) != account.key:
        failed(session, pending, "the authzid is not the token's account")
        return
    if session.closing:
        return
    await succeeded(session, pending, account)


async def _scram(
    session: IRCSession, pending: PendingSignIn, message: str | None
) -> None:
    """The client's first message, its proof, then its empty last word."""
    if message is None:
        failed(session, pending, "malformed")
    elif pending.scram is None:
        await _scram_first(session, pending, message)
    elif pending.scram_account is None:
        try:
            account, server_final = await pending.scram.finish(message)
        except ChatError as refused:
            failed(session, pending, refused.text)
            return
        pending.scram_account = account
        challenge(session, server_final)
    elif message:
        failed(session, pending, "malformed")
    else:
        account = pending.scram_account
        end(pending)
        await succeeded(session, pending, account)


async def _scram_first(session: IRCSession, pending: PendingSignIn, first: str) -> None:
    try:
        name = requested_name(first)
    except ScramError:
        failed(session, pending, "malformed")
        return
    try:
        attempt = await begin_scram(session.registry.accounts, name, session.host)
    except ChatError as refused:
        failed(session, pending, refused.text)
        return
    pending.scram = attempt
    if session.closing:
        end(pending)
        return
    try:
        server_first = attempt.server_first(first)
    except ScramError:
        failed(session, pending, "malformed")
        return
    challenge(session, server_first)


def challenge(session: IRCSession, message: str) -> None:
    """The server's message, base64, in lines of at most 400 bytes (and an
    empty ``+`` after a full last line)."""
    encoded = base64.b64encode(message.encode("utf-8")).decode("ascii")
    chunks = [
        encoded[at : at + SASL_CHUNK] for at in range(0, len(encoded), SASL_CHUNK)
    ]
    if not chunks or len(chunks[-1]) == SASL_CHUNK:
        chunks.append("+")
    for chunk in chunks:
        session.send(f"AUTHENTICATE {chunk}\r\n".encode("ascii"))
