"""The line protocol's commands on messages with a life (``/caps rich``).

``/paste``, ``/reply``, ``/edit``, ``/redact``, ``/react``, ``/unreact``, ``/typing``,
``/modlog`` and ``/search``: handlers of :data:`chatroom.doors.line.session.COMMANDS`
kept apart from :mod:`chatroom.doors.line.session`, as plain functions
taking the session (a :class:`~chatroom.doors.line.context.CommandContext`);
each parses its arguments and calls the
:class:`~chatroom.core.registry.Registry`; the rules are the core's.
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.moderation.modlog import MODLOG_DEFAULT, SERVER_LOG
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.doors.line.rendering import render_found, render_modlog
from chatroom.wire.lines import format_line


def id_and_text(args: str, usage: str) -> tuple[int, str]:
    """``ID TEXT``: a message id and the text after it, or ``BAD_ARGS``."""
    event_id, _, text = args.partition(" ")
    if not event_id or not text:
        raise errors.usage(usage)
    return parse_event_id(event_id), text


async def do_paste(session: CommandContext, args: str) -> None:
    """``/paste TEXT``: one message of several lines (the core unescapes
    and bounds them)."""
    await session.registry.messages.paste(session.member, session.current_room(), args)


async def do_reply(session: CommandContext, args: str) -> None:
    event_id, text = id_and_text(args, "/reply ID TEXT")
    await session.registry.messages.reply(
        session.member, session.current_room(), event_id, text
    )


async def do_edit(session: CommandContext, args: str) -> None:
    event_id, text = id_and_text(args, "/edit ID TEXT")
    await session.registry.messages.edit(
        session.member, session.current_room(), event_id, text
    )


async def do_redact(session: CommandContext, args: str) -> None:
    event_id, _, reason = args.partition(" ")
    if not event_id:
        raise errors.usage("/redact ID [REASON]")
    await session.registry.messages.redact(
        session.member, session.current_room(), parse_event_id(event_id), reason.strip()
    )


async def do_react(session: CommandContext, args: str) -> None:
    event_id, reaction = id_and_text(args, "/react ID EMOJI")
    await session.registry.messages.react(
        session.member, session.current_room(), event_id, reaction, True
    )


async def do_unreact(session: CommandContext, args: str) -> None:
    event_id, reaction = id_and_text(args, "/unreact ID EMOJI")
    await session.registry.messages.react(
        session.member, session.current_room(), event_id, reaction, False
    )


async def do_typing(session: CommandContext, args: str) -> None:
    await session.registry.messages.typing(session.member, session.current_room(), args)


async def do_modlog(session: CommandContext, args: str) -> None:
    """``/modlog [N]`` of the current room; ``/modlog server [N]`` the
    server's (admins), whose lines name the room ``*``."""
    server = args.split(" ", 1)[0].lower() == "server"
    if server:
        args = args[len("server") :].strip()
    if args and not (args.isascii() and args.isdigit()):
        raise errors.usage("/modlog [server] [N]")
    count = int(args) if args else MODLOG_DEFAULT
    if server:
        entries = await session.registry.moderation.server_modlog(session.member, count)
        session.send(render_modlog(SERVER_LOG, entries))
        return
    room = session.current_room()
    entries = await session.registry.moderation.modlog(session.member, room, count)
    session.send(render_modlog(room, entries))


async def do_search(session: CommandContext, args: str) -> None:
    """``/search TEXT`` over every room the session is in: ``FOUND`` lines,
    newest first, then ``FOUND_END <count>``."""
    found = await session.registry.messages.search(
        session.member, list(session.places.rooms), args
    )
    lines = [render_found(result) for result in found]
    session.send(b"".join(lines) + format_line("FOUND_END", str(len(found))))
