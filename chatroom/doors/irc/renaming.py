"""IRCv3 ``draft/channel-rename``: the ``RENAME`` command, and the burst of
a channel renamed under a client without the capability.

``RENAME #old #new [:reason]`` renames a room as the line door's
``/rename`` does (its owner, or an admin). Every member hears it: a client
with ``draft/channel-rename`` as ``RENAME #old #new :reason``; one without
as the specification's fallback, ``PART #old :renamed to #new by alice:
why`` then ``JOIN #new``, what a join shows (the topic, ``NAMES``) and a
``NOTICE #new :alice renamed #old to #new: why``, unless only the name's
case changed (:meth:`chatroom.doors.irc.session.IRCSession.room_renamed`):
irssi closes the old channel's window on the ``PART``, reason and all, so
only words in the new channel reach its user. Refusals as
the specification's standard replies, or the numerics it prefers:
``FAIL RENAME CHANNEL_NAME_IN_USE`` for a name taken, ``FAIL RENAME
CANNOT_RENAME`` for a name that is no channel's, ``482`` for a user who
may not.
"""

from __future__ import annotations

from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import RoomRenamed
from chatroom.doors.irc.commands import plain_text, send_names, send_topic
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, channel, room_of


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


def renamed_notice(renamed: RoomRenamed) -> str:
    """``alice renamed #old to #new: more spice`` (without the reason when
    none was given)."""
    said = f"{renamed.by} renamed {channel(renamed.room)} to {channel(renamed.new)}"
    return f"{said}: {renamed.reason}" if renamed.reason else said


async def rejoined(session: IRCSession, renamed: RoomRenamed) -> None:
    """What a join shows after the fallback's ``JOIN``: the topic (``332``,
    ``333``) and the names (``353``, ``366``); then, in the new channel's
    window (irssi closed the old one on the ``PART``, reason and all), a
    ``NOTICE`` saying who renamed which channel and why."""
    details = await session.registry.rooms.room_details(renamed.new)
    send_topic(session, details)
    await send_names(session, details.room)
    session.send(
        build(session.me, "NOTICE", channel(details.room), renamed_notice(renamed))
    )
