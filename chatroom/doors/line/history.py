"""``/history``: a room's, a thread's (``/history thread ROOT``) or
(``/history @USER``) a private conversation's.

A handler of :data:`chatroom.doors.line.session.COMMANDS`, with its
arguments' shape and its reply; a plain function over a
:class:`~chatroom.doors.line.context.CommandContext`. ``/history N [before
ID]`` pages back the current room as before; ``/history @USER N [before
ID]`` pages back the caller's private conversation with USER (allowed in
the lobby too), as the ``PRIVMSG`` lines they were, then ``HISTORY_END
@USER count``; ``/history thread ROOT N [before ID]`` pages back one thread
of the current room, as ``/history`` does the room.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core.model import errors
from chatroom.core.model.events import Encoder, Event
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line

PRIVATE_USAGE = "/history @USER N [before ID]"
THREAD_USAGE = "/history thread ROOT N [before ID]"


def parse_history(args: str) -> tuple[int, int | None]:
    """``/history N [before ID]``: how many, and before which id."""
    words = args.split()
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "before"):
        raise errors.usage("/history N [before ID]")
    if not words[0].isascii() or not words[0].isdigit():
        raise errors.usage("/history N [before ID]")
    return int(words[0]), parse_event_id(words[2]) if len(words) == 3 else None


def render_history(room: str, events: Sequence[Event], render: Encoder) -> bytes:
    """A ``/history`` reply: the events, then ``HISTORY_END room count``."""
    lines = [line for line in (event.encoded(render) for event in events) if line]
    lines.append(format_line("HISTORY_END", room, str(len(lines))))
    return b"".join(lines)


async def do_thread_history(session: CommandContext, args: str) -> None:
    """``/history thread ROOT N [before ID]``: a page of one thread, as
    ``/history`` pages the room (``HISTORY`` lines, ``HISTORY_END``)."""
    if session.room is None:
        raise errors.room_command_only("history")
    root, _, rest = args.partition(" ")
    if not root or not rest:
        raise errors.usage(THREAD_USAGE)
    count, before = parse_history(rest)
    room, events = await session.registry.threads.history(
        session.member, session.current_room(), parse_event_id(root), count, before
    )
    session.send(render_history(room, events, session.render))


async def do_history(session: CommandContext, args: str) -> None:
    word, _, rest = args.partition(" ")
    if word.lower() == "thread":
        await do_thread_history(session, rest)
        return
    if not args.startswith("@"):
        if session.room is None:
            raise errors.room_command_only("history")
        count, before = parse_history(args)
        room = session.current_room()
        events = await session.registry.messages.room_history(
            session.member, room, count, before
        )
        session.send(render_history(room, events, session.render))
        return
    other, _, rest = args[1:].partition(" ")
    if not other or not rest:
        raise errors.usage(PRIVATE_USAGE)
    count, before = parse_history(rest)
    messages = await session.registry.messages.private_history(
        session.member, other, count, before
    )
    session.send(render_history(f"@{other}", messages, session.render))
