"""``MARKREAD`` (IRCv3 ``draft/read-marker``): the core's read markers at IRC.

https://ircv3.net/specs/extensions/read-marker (work in progress). The
core keeps a marker as the id of the newest event read in a room
(:meth:`~chatroom.core.services.reading.Markings.mark_read`, the line door's
``/read``); IRC names it by a time (:mod:`chatroom.doors.irc.markers`):

- ``MARKREAD #room timestamp=T`` (T no later than now) moves the core's
  marker forward to the newest stored message said at T or before, and is
  answered with the marker in force: T itself while the marker is the one
  T set, else the time of the marker's message (a newer one, if the
  marker was already past T);
- ``MARKREAD #room`` is answered with the marker in force;
- after a ``JOIN`` a client with the capability gets the room's marker
  before ``366``.

``*`` is no marker (or its message no longer kept). A nick's marker is
kept by the connection only (private conversations have no core
markers); a channel you are not in is ``*``, and setting one is
``FAIL MARKREAD INVALID_PARAMS``.
"""

from __future__ import annotations

from chatroom.core.model.errors import ChatError
from chatroom.doors.irc.chathistory import BadRequestError, timestamp
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.markers import NO_MARKER, mark, mark_nick, send_marker
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build_words, room_of


async def markread(session: IRCSession, params: tuple[str, ...]) -> None:
    """``MARKREAD target [timestamp=T]``: set (forward only) or get."""
    if not params or not params[0]:
        fail(session, "MARKREAD", "NEED_MORE_PARAMS", "Missing parameters")
        return
    target = params[0]
    wanted: str | None = None
    if len(params) > 1:
        kind, _, value = params[1].partition("=")
        try:
            if kind != "timestamp":
                raise BadRequestError("INVALID_PARAMS")
            wanted = min(timestamp(value), session.renderer.now())  # not ahead
        except BadRequestError:
            fail(session, "MARKREAD", "INVALID_PARAMS", params[1], "Invalid timestamp")
            return
    room = room_of(target)
    if room is None:  # a nick: this connection keeps the marker
        shown = mark_nick(session, target, wanted)
        session.send(build_words(session.me, "MARKREAD", target, shown))
        return
    joined = session.in_channel(room)  # its name as the client entered it
    if joined is None:
        if wanted is None:  # nothing to show outside the room
            session.send(build_words(session.me, "MARKREAD", target, NO_MARKER))
        else:
            fail(session, "MARKREAD", "INVALID_PARAMS", target, "Not in that channel")
        return
    room = joined
    if wanted is not None:
        try:
            await mark(session, room, wanted)
        except ChatError:
            text = "The read timestamp could not be set"
            fail(session, "MARKREAD", "INTERNAL_ERROR", target, text)
            return
    await send_marker(session, room)
