"""The line protocol's threads: ``/thread``, ``/threads``, ``/follow`` and
``/unfollow`` (``/history thread`` is :mod:`chatroom.doors.line.history`'s).

Handlers of :data:`chatroom.doors.line.session.COMMANDS`, each parsing its
arguments and calling the core's :class:`~chatroom.core.messages.threads.
MessageThreads`; a thread's messages themselves reach members as every
message does (``MSG``, tagged ``thread=ROOT`` for ``rich`` connections).
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core.messages.threads import ThreadSummary
from chatroom.core.model import errors
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.doors.line.messages import id_and_text
from chatroom.wire.lines import format_line


def render_threads(threads: Sequence[ThreadSummary]) -> bytes:
    """``/threads``' reply: ``THREAD room root count last-id last-time``
    each, newest first, then ``THREADS_END``."""
    lines = [
        format_line(
            "THREAD", t.room, str(t.root), str(t.count), str(t.last_id), t.last_time
        )
        for t in threads
    ]
    return b"".join(lines) + format_line("THREADS_END")


async def do_thread(session: CommandContext, args: str) -> None:
    """``/thread ID TEXT``: TEXT in the thread of message ID."""
    event_id, text = id_and_text(args, "/thread ID TEXT")
    await session.registry.threads.say(
        session.member, session.current_room(), event_id, text
    )


async def do_threads(session: CommandContext, args: str) -> None:
    if args:
        raise errors.usage("/threads")
    threads = await session.registry.threads.threads(
        session.member, session.current_room()
    )
    session.send(render_threads(threads))


async def _follow(session: CommandContext, args: str, following: bool) -> None:
    word = "follow" if following else "unfollow"
    if not args or " " in args:
        raise errors.usage(f"/{word} ROOT")
    room, root = await session.registry.threads.follow(
        session.member, session.current_room(), parse_event_id(args), following
    )
    session.send(format_line(word.upper(), room, str(root)))


async def do_follow(session: CommandContext, args: str) -> None:
    """``/follow ROOT``: ``FOLLOW room root``."""
    await _follow(session, args, True)


async def do_unfollow(session: CommandContext, args: str) -> None:
    """``/unfollow ROOT``: ``UNFOLLOW room root``."""
    await _follow(session, args, False)
