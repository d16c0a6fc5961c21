"""Who is who, and who was: ``WHOIS``, ``WHOWAS``, ``AWAY`` and ``MONITOR``.

Users are found three ways: IRC users of this node in the door's
:class:`~chatroom.doors.irc.directory.Directory` (which knows their
``USER`` ident, realname, idle time and away message), IRC users of other
cluster nodes by the presence their node shares (:func:`elsewhere`: the
same but the idle time), anyone else through the rooms they are in
(:func:`chatroom.doors.irc.commands.find_user`).
An account is known of anyone holding a registered name: the rules give a
registered name to its account only (:func:`chatroom.core.policy.rules.check_claim`).
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.words.protocols import irc

from chatroom.core.model import errors
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import is_valid_name, name_key
from chatroom.doors.irc import caps
from chatroom.doors.irc.commands import find_user, prefixes_of
from chatroom.doors.irc.metadata import whois_lines
from chatroom.doors.irc.operators import is_admin
from chatroom.doors.irc.session import REGISTERING, IRCSession
from chatroom.doors.irc.wire import (
    ERR_MONLISTFULL,
    MONITOR_LIMIT,
    RPL_ENDOFMONLIST,
    RPL_MONLIST,
    RPL_MONOFFLINE,
    RPL_MONONLINE,
    RPL_WHOISACCOUNT,
    RPL_WHOISBOT,
    channel,
    chunks,
    safe_target,
    split_list,
)

RPL_WHOWASUSER = "314"
RPL_ENDOFWHOWAS = "369"
ERR_WASNOSUCHNICK = "406"


async def elsewhere(session: IRCSession, names: Iterable[str]) -> dict[str, Presence]:
    """The presence of those of ``names`` who are not IRC users here (IRC
    users of other nodes: :mod:`chatroom.core.model.presence`), by name key; one
    read for all of them, none if all are here."""
    others = [name for name in names if session.directory.find(name) is None]
    return await session.registry.presence.presence_of(others) if others else {}


async def account_of(
    session: IRCSession, nick: str, there: Presence | None = None
) -> str:
    """The account of whoever holds ``nick`` ("" if none is known): of an
    IRC user here, its session's; of one of another node, the one its
    presence (``there``) says, whatever its nick; of anyone else, the
    account named as the nick."""
    here = session.directory.find(nick)
    if here is not None:
        key = session.registry.sessions.account_of(here.member)
    elif there is not None:
        key = there.account
    else:
        key = name_key(nick)
    return await session.registry.accounts.shown_name(key)


async def is_bot_account(session: IRCSession, account: str) -> bool:
    """Whether ``account`` (a name as registered) is a bot's: one signed
    in at another door is a bot as much as one in ``+B``."""
    return await session.registry.accounts.bots.is_bot(name_key(account))


# -- WHOIS ------------------------------------------------------------------------


async def whois(session: IRCSession, params: tuple[str, ...]) -> None:
    """``311``, ``319`` (channels), ``312``, ``313`` (a server admin),
    ``330`` (account), ``335`` (a bot), ``301`` (away), ``317`` (idle and
    signon: IRC users of this node), ``760`` (its metadata, for a client
    with ``draft/metadata-2``), ``318``."""
    target = params[-1]
    found = await find_user(session, target)
    here = session.directory.find(target)
    there = (await elsewhere(session, [target])).get(name_key(target))
    if found is None and here is None and there is None:
        session.numeric(irc.ERR_NOSUCHNICK, safe_target(target), "No such nick")
        session.numeric(irc.RPL_ENDOFWHOIS, safe_target(target), "End of /WHOIS list")
        return
    name, rooms = found if found is not None else (str(here and here.name), [])
    if found is None and there is not None:
        name = there.name
    if here is not None:
        user, real = here.user or name, here.realname
    elif there is not None:
        user, real = there.user or name, there.realname or name
    else:
        user, real = name, name
    session.numeric(irc.RPL_WHOISUSER, name, user, session.me, "*", real)
    multi = "multi-prefix" in session.caps
    channels = [
        prefixes_of(r, multi).get(name, "") + channel(r.room)
        for r in rooms
        if r.members_shown(name_key(r.room) in session.rooms)
    ]
    for line in chunks(channels):
        session.numeric(irc.RPL_WHOISCHANNELS, name, line)
    session.numeric(irc.RPL_WHOISSERVER, name, session.me, session.config.name)
    if is_admin(session, name, there):
        session.numeric(irc.RPL_WHOISOPERATOR, name, "is a server admin")
    account = await account_of(session, name, there)
    if account:
        session.numeric(RPL_WHOISACCOUNT, name, account, "is logged in as")
    bot = here.bot if here is not None else there is not None and there.bot
    if bot or (account and await is_bot_account(session, account)):
        session.numeric(RPL_WHOISBOT, name, "is a bot on this server")
    if here is None and there is not None and there.away:
        session.numeric(irc.RPL_AWAY, name, there.away)
    if here is not None:
        if here.away:
            session.numeric(irc.RPL_AWAY, name, here.away)
        idle = int(session.now - here.spoke)
        signon = str(int(here.signed_on))
        session.numeric(
            irc.RPL_WHOISIDLE, name, str(idle), signon, "seconds idle, signon time"
        )
    if found is not None or here is not None or there is not None:
        session.send(await whois_lines(session, name))
    session.numeric(irc.RPL_ENDOFWHOIS, name, "End of /WHOIS list")


# -- WHOWAS -----------------------------------------------------------------------


async def whowas(session: IRCSession, params: tuple[str, ...]) -> None:
    """``WHOWAS nick [count]``: the nick's past holders, newest first
    (``314``, ``312``), or ``406``; then ``369``. A count of 0 or less is
    all of them, as RFC 2812 says."""
    if not params or not params[0]:
        session.numeric(irc.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    nick = safe_target(params[0].split(",")[0])
    try:
        count = int(params[1]) if len(params) > 1 else 0
    except ValueError:
        count = 0
    found = await session.registry.presence.who_was(
        nick, count if count > 0 else 1 << 30
    )
    if not found:
        session.numeric(ERR_WASNOSUCHNICK, nick, "There was no such nickname")
    for gone in found:
        session.numeric(
            RPL_WHOWASUSER, gone.nick, gone.user, session.me, "*", gone.realname
        )
        session.numeric(irc.RPL_WHOISSERVER, gone.nick, session.me, "gone")
    session.numeric(RPL_ENDOFWHOWAS, nick, "End of WHOWAS")


# -- AWAY -------------------------------------------------------------------------


async def away(session: IRCSession, params: tuple[str, ...]) -> None:
    """Marked away (``306``) or back (``305``). Private messages to an away
    user are answered ``301`` and ``WHOIS`` shows it (the message is this
    door's to keep, of its own users); a change is the core's news to
    everyone sharing a channel (``away-notify``: ``AWAY``, on every node,
    and after the user's ``JOIN`` to a channel's members here), and to
    whoever monitors the user (``extended-monitor``)."""
    message = params[0] if params else ""
    if session.state == REGISTERING:
        before_welcome(session, message)
        return
    changed = message != session.away
    session.away = message
    if changed and not await session.share_presence():  # before 305/306
        return
    marked(session, message)
    if changed:
        await session.registry.presence.set_away(session.member, message)


def before_welcome(session: IRCSession, message: str) -> None:
    """``AWAY`` before registration completes (``draft/pre-away``; ``451``
    without it): the message is kept, and the welcome shares it with the
    user's presence (:meth:`IRCSession.share_presence`), so the user
    arrives away. ``AWAY *`` (a client connecting by itself, nobody at
    the keyboard) is kept as it is, ``*``."""
    if caps.PRE_AWAY not in session.caps:
        session.refuse(errors.no_name(), "AWAY", "*")
        return
    session.away = message
    marked(session, message)


def marked(session: IRCSession, message: str) -> None:
    """``306`` (away, saying ``message``) or ``305`` (back, for "")."""
    if message:
        session.numeric(irc.RPL_NOWAWAY, "You have been marked as being away")
    else:
        session.numeric(irc.RPL_UNAWAY, "You are no longer marked as being away")


# -- MONITOR ----------------------------------------------------------------------


async def monitor(session: IRCSession, params: tuple[str, ...]) -> None:
    """IRCv3 ``MONITOR``: ``+``/``-`` nicks, ``C`` (clear), ``L`` (list),
    ``S`` (status); at most :data:`MONITOR_LIMIT` nicks (``734`` past it)."""
    sub = params[0].upper() if params else ""
    targets = split_list(params[1]) if len(params) > 1 else []
    watching = session.monitoring
    if sub == "+":
        added = []
        for nick in targets:
            if not is_valid_name(nick):
                session.numeric(irc.ERR_ERRONEUSNICKNAME, safe_target(nick), "Bad nick")
                continue
            if name_key(nick) in watching:
                continue
            if len(watching) >= MONITOR_LIMIT:
                rest = ",".join(targets[targets.index(nick) :])
                session.numeric(
                    ERR_MONLISTFULL, str(MONITOR_LIMIT), rest, "Monitor list is full"
                )
                break
            watching[name_key(nick)] = nick
            if session.directory.watch(session, nick):
                await session.registry.presence.follow_names(
                    session.directory.heard, True
                )
            added.append(nick)
        await status(session, added)
    elif sub == "-":
        dropped = [key for key in map(name_key, targets) if watching.pop(key, None)]
        session.stop_watching(dropped)
    elif sub == "C":
        session.stop_watching(list(watching))
        watching.clear()
    elif sub == "L":
        for line in chunks(watching.values()):
            session.numeric(RPL_MONLIST, line.replace(" ", ","))
        session.numeric(RPL_ENDOFMONLIST, "End of MONITOR list")
    elif sub == "S":
        await status(session, list(watching.values()))
    else:
        session.numeric(irc.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")


async def status(session: IRCSession, nicks: list[str]) -> None:
    """``730`` for the nicks online, ``731`` for the rest."""
    if not nicks:
        return
    online_names = await online(session)
    unknown = [nick for nick in nicks if name_key(nick) not in online_names]
    for key, there in (await elsewhere(session, unknown)).items():
        online_names[key] = there.name  # an IRC user of another node, in no room
    on = [online_names[k] for k in map(name_key, nicks) if k in online_names]
    off = [nick for nick in nicks if name_key(nick) not in online_names]
    for line in chunks(session.renderer.source(nick) for nick in on):
        session.numeric(RPL_MONONLINE, line.replace(" ", ","))
    for line in chunks(off):
        session.numeric(RPL_MONOFFLINE, line.replace(" ", ","))


async def online(session: IRCSession) -> dict[str, str]:
    """Everyone known to be online: IRC users here, and every room's members."""
    names = {key: str(other.name) for key, other in session.directory.here.items()}
    for info in (await session.registry.rooms.list_rooms()).rooms:
        details = await session.registry.rooms.room_details(info.name)
        for member in details.members:
            names.setdefault(name_key(member), member)
    return names
