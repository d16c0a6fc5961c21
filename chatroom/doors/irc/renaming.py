"""IRCv3 ``draft/channel-rename``: the ``RENAME`` command, and the burst of
a channel renamed under a client without the capability.

``RENAME #old #new [:reason]`` renames a room as the line door's
``/rename`` does (its owner, or an admin). Every member hears it: a client
with ``draft/channel-rename`` as ``RENAME #old #new :reason``; one without
as the specification's fallback, ``PART #old`` then ``JOIN #new`` and what
a join shows (the topic, ``NAMES``), unless only the name's case changed
(:meth:`chatroom.doors.irc.session.IRCSession.room_renamed`). Refusals as
the specification's standard replies, or the numerics it prefers:
``FAIL RENAME CHANNEL_NAME_IN_USE`` for a name taken, ``FAIL RENAME
CANNOT_RENAME`` for a name that is no channel's, ``482`` for a user who
may not.
"""

from __future__ import annotations

from chatroom.core.errors import ChatError
from chatroom.doors.irc.commands import plain_text, send_names, send_topic
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, room_of


def _fail(session: IRCSession, code: str, old: str, new: str, text: str) -> None:
    session.send(build(session.me, "FAIL", "RENAME", code, old, new, text))


async def rename(session: IRCSession, params: tuple[str, ...]) -> None:
    """``RENAME #old #new [:reason]``."""
    old, new = params[0], params[1]
    reason = plain_text(params[2]) if len(params) > 2 else ""
    room, name = room_of(old), room_of(new)
    if room is None or name is None:
        _fail(session, "CANNOT_RENAME", old, new, "Only a channel can be renamed")
        return
    try:
        await session.registry.rooms.rename_room(session.member, room, name, reason)
    except ChatError as refused:
        if refused.code == "ROOM_EXISTS":
            text = "The channel name is already taken"
            _fail(session, "CHANNEL_NAME_IN_USE", old, new, text)
        elif refused.code in ("BAD_NAME", "BAD_ARGS"):
            _fail(session, "CANNOT_RENAME", old, new, refused.text)
        else:
            raise


async def rejoined(session: IRCSession, room: str) -> None:
    """What a join shows after the fallback's ``JOIN``: the topic (``332``,
    ``333``) and the names (``353``, ``366``)."""
    details = await session.registry.rooms.room_details(room)
    send_topic(session, details)
    await send_names(session, details.room)
