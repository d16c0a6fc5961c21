"""Accounts from IRC: a built-in ``NickServ``, and IRCv3
``draft/account-registration`` (``REGISTER``/``VERIFY``).

``NickServ`` answers as Ergo's built-in one does (its ``irc/nickserv.go``),
by ``PRIVMSG NickServ :...``, or the ``NICKSERV``/``NS`` commands, in
``NOTICE``\\ s from ``NickServ``:

- ``IDENTIFY [account] password``: sign in (``900``);
- ``REGISTER password [email]``: register the current nick as an account
  (the e-mail is kept and mailed a code; ``--require-email`` needs one,
  and the account counts once ``VERIFY`` gives its code back:
  :mod:`chatroom.doors.irc.verification`);
- ``VERIFY account code``: verify the account's e-mail address;
- ``GHOST nick`` / ``RECOVER nick`` (Ergo's ``REGAIN``): a nick that belongs
  to your account, held by another of your sessions, is taken from it and
  given to you (names here are accounts' only, so freeing one without
  taking it would let nobody else have it anyway);
- ``SET PASSWORD current new`` and Ergo's ``PASSWD current new [new]``;
- ``SET MAIL ON|OFF``: the line door's ``/set mail on|off``;
- ``DROP [account] password`` (and Ergo's ``UNREGISTER``): delete your
  account;
- ``INFO [account]``;
- ``APP-PASSWORD ADD label``, ``LIST`` and ``DEL label``: the account's
  app passwords (:mod:`chatroom.core.services.app_passwords`), as the line door's
  ``/app-password``; a new one is told once, in a notice to its owner.

A password may hold spaces: as Ergo reads a command whose last parameter
is "unsplit", the password is the rest of the message (``IDENTIFY alice
correct horse battery staple``; one word alone is the current nick's
password, so a passphrase names its account). ``REGISTER``'s last word is
an e-mail when it has an ``@`` (or is ``*``); ``DROP``'s first is an
account when it is the one signed in to. Two passwords are two words, or
two in double quotes (:mod:`chatroom.wire.passwords`), as at the line door:
``SET PASSWORD "old phrase" "new phrase"``.

Every one of them goes through :class:`chatroom.core.services.accounts.AccountService`,
the same calls the line door's ``/login``, ``/register``, ``/password``
and ``/unregister`` make, so the back-off on wrong passwords and every
rule are the core's. No password is logged or kept.
"""

from __future__ import annotations

from twisted.words.protocols import irc

from chatroom.core import registering
from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.core.services.app_passwords import check_own_password_used
from chatroom.doors.irc import positions, verification
from chatroom.doors.irc.session import REGISTERED, IRCSession, PendingSignIn
from chatroom.doors.irc.signin import logged_in as signin_logged_in
from chatroom.doors.irc.signin import signed_in
from chatroom.doors.irc.wire import RPL_LOGGEDIN, build
from chatroom.wire.lines import format_time
from chatroom.wire.passwords import password_words

NICKSERV = "NickServ"

HELP = (
    "NickServ lets you register, log in to, and manage an account.",
    "IDENTIFY [account] <password>: log in to your account",
    "REGISTER <password> [email]: register your current nick as an account",
    "VERIFY <account> <code>: verify your account's e-mail address",
    "GHOST <nick> / RECOVER <nick>: take your nick back from another session",
    "SET PASSWORD <current> <new> (or PASSWD): change your password",
    "SET MAIL ON|OFF: mail what you miss while away (to a verified address)",
    "SET IRC-NOTES ON|OFF: whether reactions, edits and deletions are told in"
    " words (a NOTICE each) to clients without message-tags",
    "DROP [account] <password>: delete your account",
    "A password may have spaces: name the account before one, and put two in"
    ' double quotes: SET PASSWORD "old phrase" "new phrase"',
    "INFO [account]: what is known of an account",
    "APP-PASSWORD ADD <label> | LIST | DEL <label>: a password for one client"
    " (SASL PLAIN), shown once; yours; or end one",
)


def tell(session: IRCSession, text: str) -> None:
    """A ``NOTICE`` from NickServ to this client."""
    session.send(build(session.renderer.source(NICKSERV), "NOTICE", session.nick, text))


def logged_in(session: IRCSession, account_name: str) -> None:
    """``900``, as after SASL (clients show "You are now logged in as ...")."""
    session.send(
        build(
            session.me,
            RPL_LOGGEDIN,
            session.nick,
            session.source,
            account_name,
            f"You are now logged in as {account_name}",
        )
    )


async def nickserv_command(session: IRCSession, params: tuple[str, ...]) -> None:
    """``NICKSERV ...`` / ``NS ...``: the words as one message to NickServ."""
    await nickserv(session, " ".join(params))


async def nickserv(session: IRCSession, text: str) -> None:
    """One message to NickServ; a refusal is its notice, never a numeric.
    Each handler is given the rest of the message after the command."""
    words = text.split(None, 1) or ["HELP"]
    command, rest = words[0].upper(), words[1].strip() if len(words) > 1 else ""
    handler = _HANDLERS.get(command)
    if handler is None:
        tell(session, f"Unknown command {command}: try HELP")
        return
    try:
        await handler(session, rest)
    except ChatError as refused:
        tell(session, f"{command}: {refused.text}")


def _need(args: list[str], count: int, syntax: str) -> None:
    if len(args) < count:
        raise errors.bad_args(f"Syntax: {syntax}")


def _words(rest: str, most: int) -> list[str]:
    """``rest`` in at most ``most`` words, the last holding the rest of it
    unsplit (Ergo's ``unsplitFinalParam``): a passphrase."""
    return rest.split(None, most - 1)


#: HELP's REGISTER line, left out under ``--oidc-only`` (accounts are made
#: by signing in with the provider, so REGISTER can only be refused).
_HELP_REGISTER = HELP[2]


async def _help(session: IRCSession, rest: str) -> None:
    oidc_only = session.config.oidc_only
    for line in HELP:
        if not (oidc_only and line == _HELP_REGISTER):
            tell(session, line)


async def _identify(session: IRCSession, rest: str) -> None:
    args = _words(rest, 2)
    _need(args, 1, "IDENTIFY [account] <password>")
    name, password = (args[0], args[1]) if len(args) > 1 else (session.nick, args[0])
    accounts, registry = session.registry.accounts, session.registry
    account = await accounts.sign_in(name, password, session.host)
    session.app_password = ""  # signed in with the account's own password
    if registry.sessions.account_of(session.member) == account.key:
        tell(session, f"You're already logged in as {account.name}")
        return
    await session.set_account(account.key)
    await positions.load(session, account.key)  # its choices, its positions
    logged_in(session, account.name)
    tell(session, f"You're now logged in as {account.name}")


async def _register(session: IRCSession, rest: str) -> None:
    _need(rest.split(), 1, "REGISTER <password> [email]")
    password, _, last = rest.rpartition(" ")
    if not password or not ("@" in last or last == "*"):
        password, last = rest, ""  # no e-mail after it
    address = verification.given_address(session, last)
    account = await register_nick(session, password.rstrip())
    tell(session, "Account created")
    if address:
        await verification.mail_code(
            session, name_key(account), address, lambda why: tell(session, why)
        )
        tell(session, f"A code was sent to {address}: VERIFY {account} <code>")
    if verification.must_verify(session):
        return
    logged_in(session, account)
    tell(session, f"You're now logged in as {account}")


async def register_nick(session: IRCSession, password: str) -> str:
    """Register the current nick as an account and sign in to it (the
    core's, as the line door's ``/register``); the account's name."""
    session.connection.verdict.check_registration()  # a listed address (--dnsbl)
    account = await registering.register_name(
        session.registry.accounts,
        session.registry,
        session.member,
        password,
        session.host,
        session.invited,
    )
    await invited_in(session)
    return account.name


async def invited_in(session: IRCSession) -> None:
    """An account registered: the invitation this connection redeemed is
    spent; the room it names is the one to join next
    (:func:`chatroom.doors.irc.commands.join_invited`)."""
    invited, session.invited = session.invited, None
    if invited is not None and invited.room:
        session.invited_room = invited.room


async def redeemed(session: IRCSession, code: str) -> None:
    """This connection redeems ``code``: it may register one account.

    Raises:
        ChatError: ``BAD_CODE``, ``RATE_LIMITED``, ``NOT_ALLOWED`` (signed
            in already, or an invitation redeemed already).
    """
    pending = session.signing_in
    signed = pending.account if pending is not None else ""
    signed_in = bool(signed or session.registry.sessions.account_of(session.member))
    session.invited = await session.server.invitations.redeem(
        code, session.host, signed_in, session.invited
    )


async def _redeem(session: IRCSession, rest: str) -> None:
    args = rest.split()
    _need(args, 1, "REDEEM <code>")
    await redeemed(session, args[0])
    tell(session, "Invitation accepted: you may now REGISTER one account")


async def redeem(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REDEEM <code>``: ``REDEEM SUCCESS <code>``, or ``FAIL REDEEM
    INVALID_CODE`` (``TEMPORARILY_UNAVAILABLE`` while guesses are slowed
    down, ``ALREADY_AUTHENTICATED`` once signed in); before the connection
    completes too, for a ``REGISTER`` before it."""
    if not params:
        session.numeric(irc.ERR_NEEDMOREPARAMS, "REDEEM", "Not enough parameters")
        return
    code = params[0]
    try:
        await redeemed(session, code)
    except ChatError as refused:
        failure = _REDEEM_FAILS.get(refused.code, "TEMPORARILY_UNAVAILABLE")
        fail(session, "REDEEM", failure, code, refused.text)
        return
    text = "Invitation accepted: you may now REGISTER one account"
    session.send(build(session.me, "REDEEM", "SUCCESS", code, text))


#: The standard replies' codes for the refusals of redeeming.
_REDEEM_FAILS = {"BAD_CODE": "INVALID_CODE", "NOT_ALLOWED": "ALREADY_AUTHENTICATED"}


async def _ghost(session: IRCSession, rest: str) -> None:
    args = rest.split()
    _need(args, 1, "GHOST <nick>")
    nick = args[0]
    await registering.regain(session.registry, session.member, nick)  # and NICK
    await session.renamed(nick)
    tell(session, f"You have regained the nickname {nick}")


async def _password(session: IRCSession, rest: str) -> None:
    args = password_words(rest, (2, 3)) or []
    _need(args, 2, "PASSWD <current> <new> [<new again>]")
    current, new = args[0], args[1]
    if len(args) > 2 and args[2] != new:
        raise errors.bad_args("passwords do not match")
    account = await session.registry.accounts.change_password(
        session.registry.sessions.account_of(session.member), current, new, session.host
    )
    tell(session, f"Password changed for {account.name}")


_SET_SYNTAX = "SET PASSWORD <current> <new> | SET MAIL ON|OFF | SET IRC-NOTES ON|OFF"


async def _set(session: IRCSession, rest: str) -> None:
    args = _words(rest, 2)
    _need(args, 1, _SET_SYNTAX)
    setting = args[0].upper()
    on_off = len(args) > 1 and args[1].upper() in ("ON", "OFF")
    if setting == "MAIL" and on_off:
        account = session.registry.sessions.account_of(session.member)
        on = args[1].upper() == "ON"
        await session.registry.missed_mail.choose(account, on)
        tell(session, f"What you miss while away is {'' if on else 'not '}mailed")
        return
    if setting == positions.NOTES.upper() and on_off:
        await _notes(session, args[1].lower())
        return
    if setting != "PASSWORD":
        raise errors.bad_args(f"no setting {args[0]}: {_SET_SYNTAX}")
    await _password(session, args[1] if len(args) > 1 else "")


async def _notes(session: IRCSession, value: str) -> None:
    """``SET IRC-NOTES ON|OFF`` (the line door's ``/set irc-notes``): kept
    with the account, which its IRC sessions read when they sign in; a
    plain nick's lasts as long as its connection. This session follows
    it at once."""
    account = session.registry.sessions.account_of(session.member)
    if account:
        await session.registry.users.door_choice(account, positions.NOTES, value)
    session.notes_off = value == "off"
    told = "told in words" if value == "on" else "not told"
    kept = "" if account else " (on this connection: sign in to keep it)"
    tell(session, f"Reactions, edits and deletions are {told}{kept}")


async def _drop(session: IRCSession, rest: str) -> None:
    args = _words(rest, 2)
    _need(args, 1, "DROP [account] <password>")
    own = session.registry.sessions.account_of(session.member)
    named = len(args) > 1 and name_key(args[0]) == own
    account = await registering.unregister(
        session.registry.accounts,
        session.registry,
        session.member,
        args[1] if named else rest,
        session.host,
    )
    tell(session, f"Account {account.name} dropped: you are logged out")


async def _info(session: IRCSession, rest: str) -> None:
    name = rest.split()[0] if rest else session.nick
    account = await session.registry.accounts.named(name)
    tell(session, f"Account: {account.name}")
    tell(session, f"Registered nick: {account.name}")
    online = session.directory.find(account.name)
    if online is not None and online.state == REGISTERED:
        tell(session, f"{account.name} is online")


async def _verify(session: IRCSession, rest: str) -> None:
    args = rest.split()
    _need(args, 2, "VERIFY <account> <code>")
    address = await verification.verified(session, args[0], args[1])
    tell(session, f"{address} is verified for {args[0]}")
    if verification.signed_in_to(session, args[0]):
        logged_in(session, session.nick)


async def _app_password(session: IRCSession, rest: str) -> None:
    words = rest.split()
    action = words[0].upper() if words else ""
    account = session.registry.sessions.account_of(session.member)
    service = session.server.app_passwords
    if action in ("ADD", "DEL", "REMOVE"):
        check_own_password_used(session.app_password, f"APP-PASSWORD {action}")
    if action == "ADD" and len(words) == 2:
        password = await service.add(account, words[1])
        tell(session, f"App password {words[1]}: {password}")
        tell(session, "It is shown this once: a client signs in with it by SASL PLAIN")
    elif action == "LIST" and len(words) == 1:
        kept = await service.listed(account)
        for each in kept:
            tell(session, f"{each.label}, made {format_time(each.made)}")
        tell(session, f"{len(kept)} app passwords")
    elif action in ("DEL", "REMOVE") and len(words) == 2:
        await service.remove(account, words[1])
        tell(session, f"App password {words[1]} removed")
    else:
        raise errors.bad_args("Syntax: APP-PASSWORD ADD <label> | LIST | DEL <label>")


_HANDLERS = {
    "HELP": _help,
    "APP-PASSWORD": _app_password,
    "VERIFY": _verify,
    "IDENTIFY": _identify,
    "LOGIN": _identify,
    "REGISTER": _register,
    "REDEEM": _redeem,
    "GHOST": _ghost,
    "RECOVER": _ghost,
    "REGAIN": _ghost,
    "PASSWD": _password,
    "PASSWORD": _password,
    "SET": _set,
    "DROP": _drop,
    "UNREGISTER": _drop,
    "INFO": _info,
}
#: NickServ's commands, as ``HELP`` lists them.
NICKSERV_COMMANDS = tuple(sorted(_HANDLERS))


# -- draft/account-registration --------------------------------------------------


def fail(session: IRCSession, command: str, code: str, account: str, text: str) -> None:
    session.send(build(session.me, "FAIL", command, code, account, text))


#: The standard replies' codes for the refusals of registering.
_REGISTER_FAILS = {
    "NAME_REGISTERED": "ACCOUNT_EXISTS",
    "NAME_TAKEN": "ACCOUNT_EXISTS",
    "BAD_NAME": "BAD_ACCOUNT_NAME",
    "BAD_ARGS": "UNACCEPTABLE_PASSWORD",
    "RATE_LIMITED": "TEMPORARILY_UNAVAILABLE",
    "NOT_ALLOWED": "ALREADY_AUTHENTICATED",
    "REGISTRATION_CLOSED": "DISALLOWED",  # Ergo's, registration being off
    "INVITE_REQUIRED": "INVITE_REQUIRED",  # an invitation first: REDEEM <code>
}


async def register(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REGISTER <account> <email> <password>``: the account is the nick
    (``*`` says so), the e-mail unused; ``REGISTER SUCCESS`` and ``900``,
    or ``FAIL REGISTER <code>``. Once connected; before that too with
    ``--irc-register-before-connect`` (``before-connect`` in the
    capability's value, :func:`_register_before_connect`)."""
    if len(params) < 3:
        session.numeric(irc.ERR_NEEDMOREPARAMS, "REGISTER", "Not enough parameters")
        return
    # The password is the last parameter; one sent in words is joined again.
    account, password = params[0], " ".join(params[2:])
    try:
        address = verification.given_address(session, params[1])
    except ChatError as refused:
        fail(session, "REGISTER", "INVALID_EMAIL", account, refused.text)
        return
    pending = session.signing_in
    if pending is not None:  # not connected yet
        if not session.config.irc_register_before_connect:
            fail(
                session,
                "REGISTER",
                "COMPLETE_CONNECTION_REQUIRED",
                account,
                "Complete the connection (NICK and USER) before registering",
            )
            return
        await _register_before_connect(session, pending, account, password, address)
        return
    if not _names_the_nick(session, account, session.nick):
        return
    account = session.nick
    try:
        name = await register_nick(session, password)
    except ChatError as refused:
        _refused(session, account, refused)
        return
    if await _mailed(session, name, address):
        return
    session.send(build(session.me, "REGISTER", "SUCCESS", name, "Account created"))
    logged_in(session, name)


async def _mailed(session: IRCSession, name: str, address: str) -> bool:
    """The address a ``REGISTER`` gave is mailed a code; whether the
    account must give it back first (``REGISTER VERIFICATION_REQUIRED``
    said, ``900`` kept for ``VERIFY``)."""
    if address:
        await verification.mail_code(
            session,
            name_key(name),
            address,
            lambda why: fail(session, "REGISTER", "TEMPORARILY_UNAVAILABLE", name, why),
        )
    if not verification.must_verify(session):
        return False
    verification.verification_required(session, name, address)
    return True


async def _register_before_connect(
    session: IRCSession,
    pending: PendingSignIn,
    account: str,
    password: str,
    address: str,
) -> None:
    """``REGISTER`` before ``NICK``/``USER`` completed the connection: the
    nick given so far (``NEED_NICK`` if none) is registered and claimed at
    once, as the line door's ``/register NAME PASSWORD`` before a name is
    (:func:`chatroom.core.registering.register_new_name`: a nick someone
    holds is never taken from them, ``ACCOUNT_EXISTS``); the session is
    then signed in to it, as SASL would, and registration keeps the name."""
    nick = session.wanted
    if nick is None:
        fail(session, "REGISTER", "NEED_NICK", "*", "Send NICK before REGISTER")
        return
    if not _names_the_nick(session, account, nick):
        return
    if pending.account:
        text = f"You are signed in to {pending.account_name} already"
        fail(session, "REGISTER", "ALREADY_AUTHENTICATED", nick, text)
        return
    try:
        session.connection.verdict.check_registration()  # --dnsbl
        registered = await registering.register_new_name(
            session.registry.accounts,
            session.registry,
            session.member,
            nick,
            password,
            session.host,
            session.invited,
        )
    except ChatError as refused:
        _refused(session, nick, refused)
        return
    await invited_in(session)
    signed_in(session, registered, pending)
    pending.claimed = registered.key
    if await _mailed(session, registered.name, address):
        return
    session.send(
        build(session.me, "REGISTER", "SUCCESS", registered.name, "Account created")
    )
    signin_logged_in(session, pending)


def _names_the_nick(session: IRCSession, account: str, nick: str) -> bool:
    """Whether ``REGISTER``'s account is ``nick`` (``*`` is); if not,
    ``FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK``."""
    if account == "*" or name_key(account) == name_key(nick):
        return True
    fail(
        session,
        "REGISTER",
        "ACCOUNT_NAME_MUST_BE_NICK",
        account,
        "Your account name must be your nick",
    )
    return False


def _refused(session: IRCSession, account: str, refused: ChatError) -> None:
    """A refusal of the core's as the standard reply ``FAIL REGISTER``."""
    code = _REGISTER_FAILS.get(refused.code, "TEMPORARILY_UNAVAILABLE")
    if refused.text == errors.REGISTRATION_OFF:  # --registration closed
        code = "DISALLOWED"
    fail(session, "REGISTER", code, account, refused.text)


async def verify(session: IRCSession, params: tuple[str, ...]) -> None:
    """``VERIFY <account> <code>``: the account's address is verified with
    the code mailed to it: ``VERIFY SUCCESS`` (and ``900`` if this
    connection is signed in to it), or ``FAIL VERIFY INVALID_CODE``."""
    if len(params) < 2:
        session.numeric(irc.ERR_NEEDMOREPARAMS, "VERIFY", "Not enough parameters")
        return
    account = params[0]
    try:
        await verification.verified(session, account, params[1])
    except ChatError as refused:
        code = (
            "INVALID_CODE" if refused.code == "BAD_CODE" else "TEMPORARILY_UNAVAILABLE"
        )
        fail(session, "VERIFY", code, account, refused.text)
        return
    name = session.nick if account == "*" else account
    session.send(
        build(session.me, "VERIFY", "SUCCESS", name, "Account verification successful")
    )
    if verification.signed_in_to(session, name):
        logged_in(session, name)
