"""The line protocol's renderings of shared events: bytes, once per event.

Each function turns a :mod:`chatroom.core.events` object into protocol lines
(``docs/protocol.md``); the line door calls them through
:meth:`~chatroom.core.events.Encodable.encoded`, so each object is rendered once
however many members receive it. ``Event`` itself renders with
:func:`chatroom.core.events.to_line`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chatroom.core.events import (
    Encoder,
    Listing,
    LobbyChanges,
    RoomGone,
    RoomInfo,
    Welcome,
    live_id_line,
    live_line,
    live_rich_line,
    replay_line,
)
from chatroom.core.presence import quiet_notice
from chatroom.wire.lines import format_line


def render_room(info: RoomInfo) -> bytes:
    """``ROOM name members capacity topic``."""
    return format_line(
        "ROOM", info.name, str(info.members), str(info.capacity), text=info.topic
    )


def render_listing(listing: Listing) -> bytes:
    """``ROOMS n`` and a ``ROOM`` line per room, as one write."""
    return format_line("ROOMS", str(len(listing.rooms))) + b"".join(
        info.encoded(render_room) for info in listing.rooms
    )


def render_lobby_changes(changes: LobbyChanges) -> bytes:
    """A ``ROOM`` line per changed room, ``ROOM_GONE`` per removed one."""
    return b"".join(
        format_line("ROOM_GONE", change.name)
        if isinstance(change, RoomGone)
        else change.encoded(render_room)
        for change in changes.changes
    )


def render_welcome(welcome: Welcome, render: Encoder = replay_line) -> bytes:
    """``JOINED``, ``MEMBERS`` (a big room's: with a ``NOTICE`` saying
    whom it lists), ``GAP`` if a resume left some out, the
    history oldest first (rendered by ``render``: with ``@ID`` or not), then
    ``TOPIC``."""
    room = welcome.room
    lines = [
        format_line("JOINED", room, str(welcome.count), str(welcome.capacity)),
        format_line("MEMBERS", room, *welcome.members),
    ]
    if welcome.total is not None:  # a big room: the members shown, and why
        lines.append(format_line("NOTICE", room, text=quiet_notice(welcome.total)))
    if welcome.gap:
        lines.append(format_line("GAP", room, welcome.gap))
    lines.extend(event.encoded(render) for event in welcome.history)
    if welcome.topic:
        lines.append(format_line("TOPIC", room, welcome.topic_by, text=welcome.topic))
    return b"".join(lines)


@dataclass(frozen=True)
class LineOutput:
    """How a line session's output reaches the wire: as lines (the line
    door) or one WebSocket text frame per line (the web door)."""

    #: Which door (``/metrics`` labels, logs).
    door: str
    #: The session's own lines (bytes ending in CRLF) → what is written;
    #: None writes them as they are.
    frame: Callable[[bytes], bytes] | None
    #: Room events as delivered, without and with ``@ID`` (``/caps ids``):
    #: each is rendered once per event for every session of the door.
    events: Encoder
    events_with_ids: Encoder
    #: ... and with ``@ID;tags`` and the rich events (``/caps rich``).
    events_rich: Encoder


#: The line door's output: lines as they are.
AS_LINES = LineOutput("line", None, live_line, live_id_line, live_rich_line)
