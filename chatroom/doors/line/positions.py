"""The line protocol's positions: ``/caps``, ``/join ... since ID``, ``/history``,
``/read`` and ``/unread``.

Parsing of the commands' arguments and rendering of their replies (and the
handlers of ``/read`` and ``/unread``, which need nothing else), kept out
of :mod:`chatroom.doors.line.session` so the session module stays readable. An
event id on the wire is a decimal number (the event's position in its
room); anything else is refused with ``BAD_ARGS``, never guessed at.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core import errors
from chatroom.core.markers import Unread
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

#: What ``/caps`` can turn on: ``@ID`` on stored events; many rooms at once;
#: tags, replies, edits and deletions (``rich``, which turns ``ids`` on too).
CAPABILITIES = ("ids", "multi", "rich")

CAPS_USAGE = "/caps ids|multi|rich ..."


def parse_event_id(value: str) -> int:
    """An id as the server showed it (``@ID``), or ``BAD_ARGS``."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise errors.bad_event_id(value)
    return int(value)


def parse_caps(args: str) -> list[str]:
    """``/caps NAME [NAME...]``: the capabilities asked for, each one known
    (an unknown one refuses them all)."""
    wanted = args.split()
    if not wanted:
        raise errors.usage(CAPS_USAGE)
    unknown = [cap for cap in wanted if cap not in CAPABILITIES]
    if unknown:
        raise errors.bad_args(f"no capability {unknown[0]!r}; usage: {CAPS_USAGE}")
    return wanted


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
    """``/unread``'s reply: ``UNREAD room count mentions`` each, then the end."""
    lines = [
        format_line("UNREAD", c.room, str(c.count), str(c.mentions)) for c in counts
    ]
    return b"".join(lines) + format_line("UNREAD_END")


def parse_join(args: str) -> tuple[str, str | None, int | None]:
    """``/join ROOM [KEY] [since ID]``: the room, its key and the id."""
    words = args.split()
    since = None
    if len(words) >= 3 and words[-2].lower() == "since":
        since = parse_event_id(words[-1])
        words = words[:-2]
    if len(words) == 1:
        return words[0], None, since
    if len(words) == 2 and words[1].lower() != "since":
        return words[0], words[1], since
    raise errors.usage("/join NAME [KEY] [since ID]")


async def do_read(session: CommandContext, args: str) -> None:
    """``/read ROOM ID`` → ``READ ROOM ID``, the marker now in force."""
    room, event_id = parse_read(args)
    marker = await session.registry.mark_read(session.member, room, event_id)
    session.send(render_marker(marker.room, marker.event_id))


async def do_unread(session: CommandContext, args: str) -> None:
    """``/unread`` → an ``UNREAD`` line per room with news, ``UNREAD_END``."""
    if args:
        raise errors.usage("/unread")
    counts = await session.registry.unread(session.member, list(session.places.rooms))
    session.send(render_unread(counts))
