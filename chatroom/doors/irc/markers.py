"""Read markers as ``draft/read-marker`` names them: by a message's time.

The core keeps a marker as an event id
(:meth:`~chatroom.core.services.reading.Markings.mark_read`); IRC as the ``time`` of
the newest message read. These translate one into the other over the
registry's ``room_history``,
for ``MARKREAD`` (:mod:`chatroom.doors.irc.readmarker`) and for ``JOIN``
(:func:`chatroom.doors.irc.commands.join`), which sends the marker before
``366``. The time a client set is remembered for its connection
(``IRCSession.read_stamps``) and shown while the core's marker is still
the one it set, so a client gets back exactly what it said.
"""

from __future__ import annotations

from chatroom.core.model.events import StoredEvent, said_at
from chatroom.core.model.text import name_key
from chatroom.core.policy.rules import HISTORY_PAGE_MAX
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build_words, channel

#: ``MARKREAD``'s "no marker" (none set, or its message no longer kept).
NO_MARKER = "*"
#: How far back a time is looked for: pages of the largest size, as
#: ``CHATHISTORY`` looks for a ``timestamp=``.
_PAGES = 10


async def send_marker(session: IRCSession, room: str) -> None:
    """``MARKREAD #room timestamp=T`` (or ``*``): the marker in force."""
    marker = await session.registry.markers.read_marker(session.member, room)
    remembered = session.read_stamps.get(name_key(room))
    if marker is None:
        stamp = None
    elif remembered is not None and remembered[0] == marker:
        stamp = remembered[1]
    else:
        stamp = await stamp_of_marker(session, room, marker) if marker else None
    shown = f"timestamp={stamp}" if stamp else NO_MARKER
    session.send(build_words(session.me, "MARKREAD", channel(room), shown))


async def mark(session: IRCSession, room: str, wanted: str) -> None:
    """Move the marker in ``room`` forward to the newest message said at
    ``wanted`` or before, remembering ``wanted`` while it is the marker."""
    read = await newest_said_by(session, room, wanted)
    key = name_key(room)
    remembered = session.read_stamps.get(key)
    newer = remembered is None or remembered[0] != read or remembered[1] < wanted
    if newer:  # before the account's other sessions are told the marker
        session.read_stamps[key] = (read, wanted)
    shown = session.read_stamps.get(key)
    said = shown[1] if shown is not None and shown[0] == read else ""
    marker = await session.registry.markers.mark_read(session.member, room, read, said)
    if newer and marker.event_id != read:  # it was past: as it was
        if remembered is None:
            session.read_stamps.pop(key, None)
        else:
            session.read_stamps[key] = remembered


def mark_nick(session: IRCSession, nick: str, wanted: str | None) -> str:
    """A private conversation's marker, kept by this connection only
    (forward only); its ``MARKREAD`` parameter."""
    key = "@" + name_key(nick)
    remembered = session.read_stamps.get(key)
    if wanted is not None and (remembered is None or remembered[1] < wanted):
        session.read_stamps[key] = remembered = (0, wanted)
    return f"timestamp={remembered[1]}" if remembered else NO_MARKER


async def newest_said_by(session: IRCSession, room: str, wanted: str) -> int:
    """The id of the newest stored message said at ``wanted`` or before
    (0: none among the newest :data:`_PAGES` pages)."""
    before: int | None = None
    for _ in range(_PAGES):
        page = await _page(session, room, before)
        if not page:
            return 0
        for event in reversed(page):
            said = said_at(event)
            if said is not None and said <= wanted:
                return int(event.id)
        before = int(page[0].id)
    return 0


async def stamp_of_marker(session: IRCSession, room: str, marker: int) -> str | None:
    """The time of the newest message at or before event ``marker`` (which
    may be a reaction or an edit), or None if the page before it keeps none."""
    for event in reversed(await _page(session, room, marker + 1)):
        said = said_at(event)
        if said is not None:
            return said
    return None


async def _page(
    session: IRCSession, room: str, before: int | None
) -> list[StoredEvent]:
    """The largest page of stored events before id ``before`` (or the
    newest), oldest first."""
    if before is not None and before <= 1:
        return []
    registry, member = session.registry, session.member
    return await registry.messages.room_history(member, room, HISTORY_PAGE_MAX, before)
