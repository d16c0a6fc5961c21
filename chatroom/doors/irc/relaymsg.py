"""``RELAYMSG #chan NICK :TEXT``: Ergo's ``draft/relaymsg``, a bridge
speaking as someone of another network.

The core decides who may relay and what a relayed nick is
(:mod:`chatroom.core.messages.relaying`); this door answers its refusals
as Ergo does: ``FAIL RELAYMSG PRIVS_NEEDED`` and ``FAIL RELAYMSG
INVALID_NICK`` (standard replies), ``461`` for missing parameters (the
table's count), ``403`` for no such channel and ``442`` for one the
relayer is not on. The relayed line comes back to every member as a
``PRIVMSG`` from ``NICK!~u@HOST`` (:func:`chatroom.doors.irc.wire.hostmask`),
tagged ``draft/relaymsg=<relayer>`` for ``message-tags`` and
``draft/relaymsg`` clients, the relayer included, as at Ergo; the line's
client-only tags go with it to ``message-tags`` clients.
"""

from __future__ import annotations

from chatroom.core.model.errors import ChatError
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.formatting import irc_markdown
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.tags import client_only
from chatroom.doors.irc.wire import room_of

#: The core's refusals that are standard replies here.
FAILS = frozenset({"PRIVS_NEEDED", "INVALID_NICK"})


async def relaymsg(session: IRCSession, params: tuple[str, ...]) -> None:
    target, nick, text = params[0], params[1], params[2]
    room = room_of(target)
    tags = tuple(client_only(session.tags).items())
    try:
        if room is None:
            raise ChatError("NO_SUCH_ROOM", "No such channel")
        await session.registry.messages.relay(
            session.member, room, nick, irc_markdown(text), tags
        )
    except ChatError as refused:
        if refused.code in FAILS:
            fail(session, "RELAYMSG", refused.code, refused.text)
        else:
            session.refuse(refused, "RELAYMSG", target)
