"""``WHO``'s replies, plain (``352``) and as IRCv3 WHOX asks (``354``).

WHOX (https://ircv3.net/specs/extensions/whox, ``WHOX`` in ``005``) lets
a client name the fields it wants: ``WHO <mask> %<fields>[,<token>]``.
Each user is then one ``354`` with the asked fields, always in the
order ``t c u i h s n f d l a o r`` whatever order they were asked in,
as Ergo and ircu answer:

- ``t`` the token (1 to 3 digits, ``0`` if none was given), to tell
  the answers of several requests apart;
- ``c`` the channel (``*`` for a user found by nick or mask), ``u``
  the ``USER`` name, ``i`` the address (never shown here:
  ``255.255.255.255``, as Ergo shows non-operators), ``h`` the host and
  ``s`` the server (both the server's name: every user has it as host),
  ``n`` the nick, ``f`` the flags (as ``352``'s), ``d`` the
  hop count (``0``), ``l`` seconds idle (IRC users of this node; ``0``
  for others), ``a`` the account (``0`` for none), ``o`` the op level
  (``0``: channels here have no levels), ``r`` the realname.

Who is listed (privacy, invisibility) is :func:`chatroom.doors.irc.queries.who`'s
decision; this module only says how one user is shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from twisted.words.protocols import irc

from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.doors.irc.operators import is_admin
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import BOT_MODE, build

#: The fields a WHOX request may name, in the order they are answered.
WHOX_FIELDS = "tcuihsnfdlaor"
#: WHOX's reply, which twisted.words does not name.
RPL_WHOSPCRPL = "354"
#: The address shown for ``i``: nobody's address is given out.
HIDDEN_ADDRESS = "255.255.255.255"


@dataclass(frozen=True)
class WhoxRequest:
    """What a client asked for after ``%``: the fields, in answer order,
    and the token that marks its answers."""

    fields: str
    token: str = "0"


def whox_request(params: tuple[str, ...]) -> WhoxRequest | None:
    """The WHOX request in ``WHO``'s second parameter, or None for plain
    ``WHO`` (no ``%``: RFC 2812's ``o`` flag and the like are ignored).
    Unknown field letters are left out; a token that is not 1 to 3
    digits is ``0``, as the specification allows no other."""
    if len(params) < 2 or "%" not in params[1]:
        return None
    letters, _, token = params[1].partition("%")[2].partition(",")
    fields = "".join(field for field in WHOX_FIELDS if field in letters.lower())
    if not (token.isdigit() and token.isascii() and len(token) <= 3):
        token = "0"
    return WhoxRequest(fields, token)


@dataclass(frozen=True)
class Shown:
    """One user as ``WHO`` shows them."""

    chan: str
    user: str
    nick: str
    away: bool
    #: The channel prefix (``@``, ``+``, ``@+``; ``""`` for none).
    prefix: str
    realname: str
    idle: int
    #: A server admin (an IRC operator: ``*``), a bot (``+B``: ``B``).
    admin: bool = False
    bot: bool = False
    #: An IRC user of another node: its presence (its account, for ``a``).
    elsewhere: Presence | None = None


def shown(
    session: IRCSession,
    chan: str,
    nick: str,
    prefix: str,
    elsewhere: Presence | None = None,
    bots: frozenset[str] = frozenset(),
) -> Shown:
    """``nick`` as this door knows them: an IRC user of this node with
    their ``USER`` name, realname, away state and idle time; an IRC user of
    another node by its presence (``elsewhere``: idle unknown, ``0``);
    anyone else (another door) by their nick alone. A bot (``B``) is one in
    ``+B`` here or there, or one whose name is a bot account's (``bots``,
    keys): signed in at another door, or a member through the REST API with
    no connection, on any node."""
    here = session.directory.find(nick)
    admin = is_admin(session, nick, elsewhere)
    account_bot = name_key(nick) in bots
    if here is None and elsewhere is not None:
        return Shown(
            chan,
            elsewhere.user or nick,
            nick,
            bool(elsewhere.away),
            prefix,
            elsewhere.realname or nick,
            0,
            admin,
            elsewhere.bot or account_bot,
            elsewhere,
        )
    if here is None:
        return Shown(chan, nick, nick, False, prefix, nick, 0, admin, account_bot)
    return Shown(
        chan,
        here.user or nick,
        nick,
        bool(here.away),
        prefix,
        here.realname or nick,
        max(0, int(session.now - here.spoke)),
        admin,
        here.bot or account_bot,
    )


def who_reply(session: IRCSession, user: Shown) -> bytes:
    """One ``352``: ``<chan> <user> <host> <server> <nick> <H|G>[*][B][@+]
    :0 <real>``."""
    return build(
        session.me,
        irc.RPL_WHOREPLY,
        session.nick,
        user.chan,
        user.user,
        session.me,
        session.me,
        user.nick,
        flags(user),
        f"0 {user.realname}",
    )


async def whox_reply(
    session: IRCSession,
    user: Shown,
    request: WhoxRequest,
    account_of: Callable[[IRCSession, str, Presence | None], Awaitable[str]],
) -> bytes:
    """One ``354`` with the fields ``request`` names; the account is looked
    up (``account_of``) only when ``a`` is asked for."""
    values = {
        "t": request.token,
        "c": user.chan,
        "u": user.user,
        "i": HIDDEN_ADDRESS,
        "h": session.me,
        "s": session.me,
        "n": user.nick,
        "f": flags(user),
        "d": "0",
        "l": str(user.idle),
        "o": "0",
        "r": user.realname,
    }
    if "a" in request.fields:
        values["a"] = await account_of(session, user.nick, user.elsewhere) or "0"
    params = [values[field] for field in request.fields]
    return build(session.me, RPL_WHOSPCRPL, session.nick, *params)


def flags(user: Shown) -> str:
    """``H`` (here) or ``G`` (gone: away), ``*`` for a server admin (an IRC
    operator), ``B`` for a bot, then the channel prefix (``@`` for an
    operator, ``+`` for a voice, ``@+`` with ``multi-prefix``)."""
    shown = "G" if user.away else "H"
    if user.admin:
        shown += "*"
    if user.bot:
        shown += BOT_MODE
    return shown + user.prefix
