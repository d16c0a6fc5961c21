"""Ergo's ``UBAN`` for the IRC door's opers: the server's bans, by the
same rules as ``/gban`` (:mod:`chatroom.core.moderation.serverbans`).

- ``UBAN ADD <target> [DURATION <duration>] [REASON...]``: a bare address
  or network (``203.0.113.0/24``, ``2001:db8::/32``) is an ``ip:`` mask;
  anything else is read as ``GBAN`` reads it (a nick, ``$a:account``,
  ``account:``/``name:``/``ip:`` masks). The duration is ``30s``, ``10m``,
  ``2h``, ``7d`` or ``4w``, as ``/gban`` takes it.
- ``UBAN DEL <target>`` lifts it.
- ``UBAN LIST`` lists the bans: one notice each, with who set it, its end
  and its reason.

Each answers with notices, as Ergo does; an admin's refusal is ``481``
(``UBAN`` is one of :data:`~chatroom.doors.irc.wire.ADMIN_COMMANDS`).
"""

from __future__ import annotations

import ipaddress

from chatroom.core.model import errors
from chatroom.core.moderation.netbans import IP
from chatroom.doors.irc.moderation import ban_end, ban_target
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import irc_mask

USAGE = "UBAN ADD <target> [DURATION <duration>] [REASON...] | DEL <target> | LIST"


def uban_target(target: str) -> str:
    """A target as the core reads it: an address or network is ``ip:``."""
    try:
        ipaddress.ip_network(target, strict=False)
    except ValueError:
        return ban_target(target)
    return IP + target


async def uban(session: IRCSession, params: tuple[str, ...]) -> None:
    """``UBAN ADD|DEL|LIST``."""
    verb = params[0].upper()
    if verb == "LIST":
        await _listed(session)
        return
    if verb not in ("ADD", "DEL") or len(params) < 2:
        raise errors.bad_args(f"usage: {USAGE}")
    target = uban_target(params[1])
    if verb == "DEL":
        lifted = await session.registry.moderation.server_ban(
            session.member, target, False
        )
        session.notice(f"Removed ban on {irc_mask(lifted.mask)}")
        return
    rest = list(params[2:])
    words = [target]
    if len(rest) >= 2 and rest[0].upper() == "DURATION":
        words.append(rest[1])
        rest = rest[2:]
    words += rest
    ban = await session.registry.moderation.server_ban(
        session.member, " ".join(words), True
    )
    session.notice(f"Successfully added ban on {irc_mask(ban.mask)}{ban_end(ban)}")


async def _listed(session: IRCSession) -> None:
    bans = await session.registry.moderation.listed_server_bans(session.member)
    for ban in bans:
        by = f" set by {ban.terms.by}" if ban.terms.by else ""
        why = f": {ban.terms.reason}" if ban.terms.reason else ""
        session.notice(f"Ban {irc_mask(ban.mask)}{by}{ban_end(ban)}{why}")
    session.notice(f"End of bans ({len(bans)})")
