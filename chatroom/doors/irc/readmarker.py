"""``MARKREAD`` (IRCv3 ``draft/read-marker``): the core's read markers at IRC.

https://ircv3.net/specs/extensions/read-marker (work in progress). The
core keeps a marker as the id of the newest event read in a room
(:meth:`~chatroom.core.registry.Registry.mark_read`, the line door's
``/read``); IRC names it by the ``time`` of the newest message read. So:

- ``MARKREAD #room timestamp=T`` moves the marker (forward only) to the
  newest stored message said at T or before, and is answered with the
  marker in force, as the time of its message (a newer one, if the marker
  was already past T);
- ``MARKREAD #room`` is answered with the marker in force;
- after a ``JOIN`` a client with the capability gets the room's marker
  before ``366``.

A marker is shown as ``*`` when there is none, and when no message at or
before it is kept any more (its time is then unknown). Only rooms keep
markers: a nick is always ``*`` (private conversations have none in the
core), and a room you are not in is ``FAIL MARKREAD INVALID_PARAMS``.
"""

from __future__ import annotations

from chatroom.core.errors import ChatError
from chatroom.core.text import name_key
from chatroom.doors.irc.chathistory import BadRequestError, timestamp
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.markers import NO_MARKER, newest_said_by, send_marker
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build_words, room_of


async def markread(session: IRCSession, params: tuple[str, ...]) -> None:
    """``MARKREAD target [timestamp=T]``: set (forward only) or get."""
    if not params or not params[0]:
        fail(session, "MARKREAD", "NEED_MORE_PARAMS", "Missing parameters")
        return
    target = params[0]
    room = room_of(target)
    if room is None:  # a nick: private conversations keep no markers
        session.send(build_words(session.me, "MARKREAD", target, NO_MARKER))
        return
    if name_key(room) not in session.rooms:
        fail(session, "MARKREAD", "INVALID_PARAMS", target, "Not in that channel")
        return
    room = session.rooms[name_key(room)]
    if len(params) > 1:
        kind, _, value = params[1].partition("=")
        try:
            if kind != "timestamp":
                raise BadRequestError("INVALID_PARAMS")
            wanted = timestamp(value)
        except BadRequestError:
            fail(session, "MARKREAD", "INVALID_PARAMS", params[1], "Invalid timestamp")
            return
        try:
            read = await newest_said_by(session, room, wanted)
            await session.registry.mark_read(session.member, room, read)
        except ChatError:
            text = "The read timestamp could not be set"
            fail(session, "MARKREAD", "INTERNAL_ERROR", target, text)
            return
    await send_marker(session, room)
