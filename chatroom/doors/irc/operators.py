"""Server operators in IRC's words: ``OPER``, the user modes (``+i``,
``+w``, ``+o`` shown), ``WALLOPS`` and ``INFO``.

There are no O-lines. An IRC operator here is what a server admin is at
every door: a session signed in to an account ``--admins`` names. ``OPER
NAME PASSWORD`` is one more way to sign in (as NickServ's ``IDENTIFY
NAME PASSWORD`` is, keeping the nick), through
:meth:`chatroom.core.services.accounts.AccountService.sign_in_admin`: the core
refuses a NAME that is no admin account, and checks the password with the
same back-off as ``/login``, ``PASS``, SASL and NickServ. What an admin
may do (``KILL``, ``WALLOPS``...) is the core's rule too; this module
renders: ``381``, ``MODE nick +o``, ``313`` in ``WHOIS``, ``*`` in ``WHO``.

``WALLOPS`` goes through the core to every user of every node, and the
IRC users who set ``+w`` show it: the mode is IRC's alone (line and web
users have no such switch, and see nothing of it).
"""

from __future__ import annotations

from twisted.words.protocols import irc

import chatroom
from chatroom.core.model.errors import ChatError
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.doors.irc.commands import plain_text
from chatroom.doors.irc.services import logged_in
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import BOT_MODE, build

#: What ``INFO`` says (``371`` each, then ``374``).
INFO = (
    f"chatroom {chatroom.__version__}: a multi-room chat server on Twisted",
    "One set of rooms behind three doors: a line protocol, IRC, and the web",
    "Server admins are the accounts --admins names: OPER NAME PASSWORD signs in",
    "https://modern.ircdocs.horse/ is the IRC this door follows",
)


def is_admin(session: IRCSession, nick: str, elsewhere: Presence | None = None) -> bool:
    """Whether whoever holds ``nick``, at any door, is signed in to a
    server admin's account (an IRC user here by its session, an IRC user
    of another node by its presence, ``elsewhere``, anyone else by the
    account the core knows for the name)."""
    here = session.directory.find(nick)
    if here is not None:
        account = session.registry.sessions.account_of(here.member)
    elif elsewhere is not None and elsewhere.account:
        account = elsewhere.account
    else:
        account = name_key(session.registry.sessions.account_named(nick) or "")
    return bool(account) and session.registry.accounts.is_admin(account)


def admin_here(session: IRCSession) -> bool:
    """Whether this session is a server admin's."""
    account = session.registry.sessions.account_of(session.member)
    return session.registry.accounts.is_admin(account)


# -- OPER -------------------------------------------------------------------------


async def oper(session: IRCSession, params: tuple[str, ...]) -> None:
    """``OPER NAME PASSWORD``: sign in to the admin account NAME; ``381``
    and ``MODE nick +o``. A wrong password is ``464``; a NAME that is no
    admin account, or the back-off, is ``491`` with the core's reason. The
    link stays open either way (unlike ``PASS``): the client may try again."""
    name, password = params[0], " ".join(params[1:])  # a passphrase in words too
    was_admin = admin_here(session)
    try:
        account = await session.registry.accounts.sign_in_admin(
            name, password, session.host
        )
    except ChatError as refused:
        if refused.code == "BAD_PASSWORD":
            session.numeric(irc.ERR_PASSWDMISMATCH, "Password incorrect")
        else:
            session.numeric(irc.ERR_NOOPERHOST, f"Not an operator: {refused.text}")
        return
    if session.closing:  # gone while the password was checked
        return
    if session.registry.sessions.account_of(session.member) != account.key:
        await session.registry.set_account(session.member, account.key)
        logged_in(session, account.name)
    session.log.info(
        "{nick} is an operator: signed in to {account} (OPER)",
        nick=session.nick,
        account=account.name,
    )
    session.numeric(irc.RPL_YOUREOPER, f"You are now an IRC operator ({account.name})")
    if not was_admin:
        session.send(build(session.source, "MODE", session.nick, "+o"))


# -- REHASH -----------------------------------------------------------------------

RPL_REHASHING = "382"


async def rehash(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REHASH``: a server admin reloads this node's configuration (as
    ``/rehash``); ``382`` with what was done. Not an admin: ``481``; a
    mistake in the configuration: a ``NOTICE`` ``REHASH_FAILED <reason>``."""
    done = await session.registry.moderation.rehash(session.member)
    session.numeric(RPL_REHASHING, "chatroom", f"Rehashing: {done}")


# -- user modes -------------------------------------------------------------------


def user_modes(session: IRCSession) -> str:
    """``+iowB`` as they are: ``o`` is the account's, the others the client's
    (``B``: a bot, IRCv3 bot-mode)."""
    return (
        "+"
        + ("i" if session.invisible else "")
        + ("o" if admin_here(session) else "")
        + ("w" if session.wallops else "")
        + (BOT_MODE if session.bot else "")
    )


async def user_mode(session: IRCSession, target: str, rest: tuple[str, ...]) -> None:
    """Our own modes: ``221`` shows them; ``+i`` and ``+w`` may be set or
    unset, and ``+B`` (a bot: its messages carry the ``bot`` tag, ``WHOIS``
    says ``335``, ``WHO`` flags it ``B``). ``+o`` is ignored (RFC 2812:
    ``OPER`` gives it) and ``-o`` is refused: it is the account's, and goes
    with signing out of it."""
    if name_key(target) != name_key(session.nick):
        session.numeric(irc.ERR_USERSDONTMATCH, "Can't change mode for other users")
        return
    if not rest:
        session.numeric(irc.RPL_UMODEIS, user_modes(session))
        return
    adding, applied = True, ""
    for letter in rest[0]:
        if letter in "+-":
            adding = letter == "+"
        elif letter in "iw" + BOT_MODE:
            if letter == "i":
                if adding != session.invisible:  # LUSERS counts it
                    session.server.counted(invisible=1 if adding else -1)
                session.invisible = adding
            elif letter == "w":
                session.wallops = adding
            else:
                session.bot = adding
            applied += ("+" if adding else "-") + letter
        elif letter == "o" and adding:
            continue  # only OPER makes an operator
        elif letter == "o":
            session.numeric(
                irc.ERR_UMODEUNKNOWNFLAG,
                "-o: being an operator is your admin account's: sign out to end it",
            )
        else:
            session.numeric(irc.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")
    if applied:
        shared = "i" in applied or BOT_MODE in applied
        if shared and not await session.share_presence():  # before the echo
            return
        session.send(build(session.source, "MODE", session.nick, applied))


# -- WALLOPS and INFO ---------------------------------------------------------------


async def wallops(session: IRCSession, params: tuple[str, ...]) -> None:
    """``WALLOPS :text`` from a server admin (``481`` for anyone else): the
    core's, to every user of every node; the IRC users with ``+w`` see it,
    the sender too if so."""
    await session.registry.moderation.wallops(session.member, plain_text(params[0]))


async def info(session: IRCSession, params: tuple[str, ...]) -> None:
    """``INFO``: ``371`` lines about this server, then ``374``. The target
    a client may add is this server (there is no other to ask)."""
    for line in INFO:
        session.numeric(irc.RPL_INFO, line)
    session.numeric(irc.RPL_ENDOFINFO, "End of INFO list")
