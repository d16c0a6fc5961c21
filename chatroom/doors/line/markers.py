"""The line protocol's read markers: ``/read ROOM ID`` and ``/unread``.

A handler of :data:`chatroom.doors.line.session.COMMANDS` each, with their
arguments and replies; the core keeps the markers
(:mod:`chatroom.core.markers`). ``READ`` is also what the account's other
devices are told when one moves a marker
(:class:`chatroom.doors.line.protocol.LineProtocol`).
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core import errors
from chatroom.core.markers import Unread
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line


def parse_read(args: str) -> tuple[str, int]:
    """``/read ROOM ID``: the room and the id of the newest event read."""
    words = args.split()
    if len(words) != 2:
        raise errors.usage("/read ROOM ID")
    return words[0], parse_event_id(words[1])


def render_marker(room: str, event_id: int | None) -> bytes:
    """``READ room ID``, or ``READ room *`` when there is no marker."""
    return format_line("READ", room, "*" if event_id is None else str(event_id))


def render_unread(counts: Sequence[Unread]) -> bytes:
    """``/unread``'s reply: ``UNREAD room count mentions`` each, with
    ``thread ROOT COUNT`` after it for each followed thread with news, then
    the end."""
    lines = [
        format_line(
            "UNREAD",
            c.room,
            str(c.count),
            str(c.mentions),
            *(word for root, n in c.threads for word in ("thread", str(root), str(n))),
        )
        for c in counts
    ]
    return b"".join(lines) + format_line("UNREAD_END")


async def do_read(session: CommandContext, args: str) -> None:
    """``/read ROOM ID`` → ``READ ROOM ID``, the marker now in force."""
    room, event_id = parse_read(args)
    marker = await session.registry.markers.mark_read(session.member, room, event_id)
    session.send(render_marker(marker.room, marker.event_id))


async def do_unread(session: CommandContext, args: str) -> None:
    """``/unread`` → an ``UNREAD`` line per room with news, ``UNREAD_END``."""
    if args:
        raise errors.usage("/unread")
    counts = await session.registry.markers.unread(
        session.member, list(session.places.rooms)
    )
    session.send(render_unread(counts))
