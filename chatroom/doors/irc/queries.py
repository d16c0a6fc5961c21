"""Questions about users and the server: ``WHO``, ``USERHOST``, ``TIME``
and ``LUSERS``, answered as Modern (https://modern.ircdocs.horse/) says.

Users are everyone in a room, at any door, and this door's own users on
this node (:class:`~chatroom.doors.irc.directory.Directory`), who may be in
no room. What only IRC has (a ``USER`` name, a realname, an away message,
``+i``) is known for the IRC users of every node (this node's directory,
the others' presence: :func:`chatroom.doors.irc.presence.elsewhere`); for
everyone else the user name and realname are their nick.
"""

from __future__ import annotations

import time
from fnmatch import fnmatchcase

from twisted.words.protocols import irc

from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.doors.irc.commands import prefixes_of
from chatroom.doors.irc.operators import is_admin
from chatroom.doors.irc.presence import account_of, elsewhere
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.whox import Shown, shown, who_reply, whox_reply, whox_request
from chatroom.doors.irc.wire import channel, room_of

#: ``USERHOST`` answers at most this many nicks (RFC 2812 3.8.6).
USERHOST_MAX = 5
#: Numerics twisted.words does not name.
RPL_LOCALUSERS, RPL_GLOBALUSERS = "265", "266"


async def everyone(session: IRCSession) -> dict[str, tuple[str, set[str]]]:
    """Every user we can name, of any door on any node: key → (nick as
    shown, keys of their rooms)."""
    users: dict[str, tuple[str, set[str]]] = {}
    for info in (await session.registry.rooms.list_rooms()).rooms:
        details = await session.registry.rooms.room_details(info.name)
        for member in details.members:
            key = name_key(member)
            users.setdefault(key, (member, set()))[1].add(name_key(details.room))
    for name in await session.registry.presence.names_online():
        users.setdefault(name_key(name), (name, set()))
    return users


async def who(session: IRCSession, params: tuple[str, ...]) -> None:
    """``WHO #chan`` (its members), ``WHO nick`` or ``WHO mask`` (``*`` and
    ``?``; ``WHO`` alone is ``WHO *``): a mask leaves out ``+i`` users who
    share no channel with the asker, as Modern says, and a closed room's
    members (secret, keyed or invite-only) are listed to its members only,
    as ``NAMES`` lists them.
    ``WHO target %fields[,token]`` answers ``354``s with those fields
    (WHOX, :mod:`chatroom.doors.irc.whox`) instead of ``352``s. ``315``
    ends it with the mask exactly as sent."""
    mask = params[0] if params and params[0] not in ("", "0") else "*"
    request = whox_request(params)
    data = b""
    for user in await who_matches(session, mask):
        if request is None:
            data += who_reply(session, user)
        else:
            data += await whox_reply(session, user, request, account_of)
    session.send(data)
    session.numeric(irc.RPL_ENDOFWHO, mask, "End of WHO list")


async def who_matches(session: IRCSession, mask: str) -> list[Shown]:
    """The users ``WHO mask`` lists, in the order it lists them."""
    room = room_of(mask)
    if room is not None:
        try:
            details = await session.registry.rooms.room_details(room)
        except ChatError:
            return []  # no such room: an empty list
        if not details.members_shown(name_key(details.room) in session.rooms):
            return []
        chan = channel(details.room)
        prefixes = prefixes_of(details, "multi-prefix" in session.caps)
        there = await elsewhere(session, details.members)
        bots = await session.registry.accounts.bots.keys()
        return [
            shown(
                session,
                chan,
                member,
                prefixes.get(member, ""),
                there.get(name_key(member)),
                bots,
            )
            for member in details.members
        ]
    pattern = name_key(mask)
    wildcard = "*" in mask or "?" in mask
    mine = set(session.rooms)
    users = await everyone(session)
    if not wildcard and pattern not in users:  # one nick: maybe in no room
        for key, alone in (await elsewhere(session, [mask])).items():
            users[key] = (alone.name, set())
    matching = sorted(
        (key, known) for key, known in users.items() if fnmatchcase(key, pattern)
    )
    there = await elsewhere(session, [user for _, (user, _) in matching])
    bots = await session.registry.accounts.bots.keys() if matching else frozenset()
    found = []
    for key, (user, rooms) in matching:
        other = session.directory.find(user)
        if other is not None:
            hidden = other.invisible and other is not session
        else:
            hidden = key in there and there[key].invisible
        if wildcard and hidden and not rooms & mine:
            continue
        found.append(shown(session, "*", user, "", there.get(key), bots))
    return found


async def userhost(session: IRCSession, params: tuple[str, ...]) -> None:
    """``302``: ``nick=+user@host`` for each of up to five nicks here
    (``-`` when away, ``*`` after the nick of a server admin)."""
    users = await everyone(session)
    asked = params[:USERHOST_MAX]
    there = await elsewhere(session, asked)
    replies = []
    for nick in asked:
        found = users.get(name_key(nick))
        alone = there.get(name_key(nick))
        if found is None and alone is None:
            continue
        name = found[0] if found is not None else str(alone and alone.name)
        here = session.directory.find(name)
        if here is not None:
            username, away = here.user or name, "-" if here.away else "+"
        elif alone is not None:
            username, away = alone.user or name, "-" if alone.away else "+"
        else:
            username, away = name, "+"
        admin = "*" if is_admin(session, name, alone) else ""
        replies.append(f"{name}{admin}={away}{username}@{session.me}")
    session.numeric(irc.RPL_USERHOST, " ".join(replies))


async def time_(session: IRCSession, params: tuple[str, ...]) -> None:
    """``391 <server> :<the time here>`` (UTC, from the server's clock)."""
    now = time.gmtime(session.now)
    shown = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", now)
    session.numeric(irc.RPL_TIME, session.me, shown)


async def lusers(session: IRCSession, params: tuple[str, ...]) -> None:
    """``251``-``255``, ``265`` and ``266``: the users of every door on the
    whole server (every node of a cluster: :mod:`chatroom.core.server.census`),
    the connections not signed on yet (``253``) and the rooms (``254``);
    ``255`` and ``265`` count this node's users."""
    here = session.server.census()
    every = await session.registry.presence.census()
    users, invisible, unknown = every.users, every.invisible, every.unknown
    rooms = await session.registry.rooms.count_rooms()
    session.numeric(
        irc.RPL_LUSERCLIENT,
        f"There are {users - invisible} users and {invisible} invisible on 1 servers",
    )
    if unknown:
        session.numeric(irc.RPL_LUSERUNKNOWN, str(unknown), "unknown connection(s)")
    session.numeric(irc.RPL_LUSERCHANNELS, str(rooms), "channels formed")
    session.numeric(irc.RPL_LUSERME, f"I have {here.users} clients and 0 servers")
    session.numeric(RPL_LOCALUSERS, f"Current local users: {here.users}")
    session.numeric(RPL_GLOBALUSERS, f"Current global users: {users}")
