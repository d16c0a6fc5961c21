"""The line protocol's pins: ``/pin ID``, ``/unpin ID`` and ``/pins``.

Handlers of :data:`chatroom.doors.line.session.COMMANDS`; the core decides
(:mod:`chatroom.core.messages.pins`), and the members hear ``PIN``/``UNPIN`` as
every room event is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core.model import errors
from chatroom.core.model.events import Message
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line


def render_pins(room: str, messages: Sequence[Message]) -> bytes:
    """``/pins``' reply: ``PINNED room id user time text`` each, oldest
    first, then ``PINS_END room count``."""
    lines = [
        format_line("PINNED", room, m.id, m.user, m.time, text=m.text) for m in messages
    ]
    return b"".join(lines) + format_line("PINS_END", room, str(len(messages)))


async def _pin(session: CommandContext, args: str, pinned: bool) -> None:
    if not args or " " in args:
        raise errors.usage(f"/{'pin' if pinned else 'unpin'} ID")
    event_id = parse_event_id(args)
    await session.registry.pins.pin(
        session.member, session.current_room(), event_id, pinned
    )


async def do_pin(session: CommandContext, args: str) -> None:
    await _pin(session, args, True)


async def do_unpin(session: CommandContext, args: str) -> None:
    await _pin(session, args, False)


async def do_pins(session: CommandContext, args: str) -> None:
    if args:
        raise errors.usage("/pins")
    room, messages = await session.registry.pins.pinned(
        session.member, session.current_room()
    )
    session.send(render_pins(room, messages))
