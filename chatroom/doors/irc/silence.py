"""IRC's ``SILENCE``: the account's ignore list (:mod:`chatroom.core.infra.ignoring`),
in the words ircds (UnrealIRCd, InspIRCd, Hybrid) give it.

- ``SILENCE``: ``271 nick MASK`` for each name ignored (as ``NAME!*@*``),
  then ``272 nick :End of Silence List``;
- ``SILENCE +MASK`` ignores the nick the mask names, ``SILENCE -MASK``
  hears it again; each answered ``:you SILENCE +MASK`` (or ``-``), as
  ircds echo it. A bare nick is a mask too.

Every user here has the same user and host, so a mask says no more than a
nick: what it names is read as ``GBAN`` reads a mask
(:func:`~chatroom.doors.irc.moderation.ban_target`). Refusals are notices
(``ACCOUNT_REQUIRED``: ignore lists belong to accounts).
"""

from __future__ import annotations

from chatroom.doors.irc.moderation import ban_target
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build_words

RPL_SILELIST = "271"
RPL_ENDOFSILELIST = "272"


async def silence(session: IRCSession, params: tuple[str, ...]) -> None:
    """``SILENCE [+|-MASK]``."""
    if not params or params[0] in ("", "+", "-"):
        for name in await session.registry.users.ignored(session.member):
            session.numeric(RPL_SILELIST, f"{name}!*@*")
        session.numeric(RPL_ENDOFSILELIST, "End of Silence List")
        return
    mask = params[0]
    adding = not mask.startswith("-")
    target = ban_target(mask.lstrip("+-"))
    await session.registry.users.ignore(session.member, target, adding)
    sign = "+" if adding else "-"
    session.send(build_words(session.source, "SILENCE", f"{sign}{target}!*@*"))
