"""The line protocol's read markers: ``/read ROOM ID`` (``/read @USER ID``
for a private conversation), ``/unread`` and ``/conversations``.

A handler of :data:`chatroom.doors.line.session.COMMANDS` each, with their
arguments and replies; the core keeps the markers
(:mod:`chatroom.core.accounts.markers`). ``READ`` is also what the account's other
devices are told when one moves a marker
(:class:`chatroom.doors.line.protocol.LineProtocol`).
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core.accounts.markers import Unread
from chatroom.core.messages.private import Conversation
from chatroom.core.model import errors
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line


def parse_read(args: str) -> tuple[str, int]:
    """``/read ROOM ID`` (or ``@USER``): where, and the id of the newest
    event (or private message) read."""
    words = args.split()
    if len(words) != 2 or words[0] == "@":
        raise errors.usage("/read ROOM|@USER ID")
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


def render_conversations(conversations: Sequence[Conversation]) -> bytes:
    """``/conversations``' reply: ``CONVERSATION user unread last time``
    each, the newest first, then ``CONVERSATIONS_END count``."""
    lines = [
        format_line("CONVERSATION", c.user, str(c.unread), str(c.last_id), c.last_time)
        for c in conversations
    ]
    return b"".join(lines) + format_line("CONVERSATIONS_END", str(len(lines)))


async def do_conversations(session: CommandContext, args: str) -> None:
    """``/conversations`` → a ``CONVERSATION`` line per conversation of the
    account, newest first, then ``CONVERSATIONS_END``."""
    if args:
        raise errors.usage("/conversations")
    listed = await session.registry.markers.conversations(session.member)
    session.send(render_conversations(listed))


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
