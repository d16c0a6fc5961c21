"""The line protocol's commands on messages with a life (``/caps rich``).

``/reply`` (and, as they come, the other commands of issue 22) live here,
apart from :mod:`chatroom.doors.line.session`, which mixes
:class:`MessageCommands` in: each handler parses its arguments and calls
the :class:`~chatroom.core.registry.Registry`; the rules are the core's.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.core.events import Encoder, replay_id_line, to_rich_line
from chatroom.core.registry import Member, Registry
from chatroom.doors.line.positions import parse_event_id
from chatroom.doors.line.rendering import LineOutput

_IN_ROOM = frozenset({"room"})

#: command → (handler name, states it is allowed in), for ``COMMANDS``.
MESSAGE_COMMANDS: dict[str, tuple[str, frozenset[str]]] = {
    "reply": ("do_reply", _IN_ROOM),
    "edit": ("do_edit", _IN_ROOM),
    "redact": ("do_redact", _IN_ROOM),
}


def id_and_text(args: str, usage: str) -> tuple[int, str]:
    """``ID TEXT``: a message id and the text after it, or ``BAD_ARGS``."""
    event_id, _, text = args.partition(" ")
    if not event_id or not text:
        raise errors.usage(usage)
    return parse_event_id(event_id), text


class MessageCommands:
    """The handlers, mixed into the line session (which provides these)."""

    __slots__ = ()

    member: Member
    render: Encoder
    events: Encoder
    output: LineOutput

    @property
    def registry(self) -> Registry:
        raise NotImplementedError

    def _current_room(self) -> str:
        raise NotImplementedError

    @property
    def rich(self) -> bool:
        """Whether this session asked for ``/caps rich``."""
        return self.render is to_rich_line

    def show_ids(self, rich: bool) -> None:
        """From now on stored events carry ``@ID`` (``/caps ids``), with
        their tags and the rich events if ``rich`` (``/caps rich``)."""
        self.render = to_rich_line if rich else replay_id_line
        self.events = self.output.events_rich if rich else self.output.events_with_ids

    async def do_reply(self, args: str) -> None:
        event_id, text = id_and_text(args, "/reply ID TEXT")
        await self.registry.reply(self.member, self._current_room(), event_id, text)

    async def do_edit(self, args: str) -> None:
        event_id, text = id_and_text(args, "/edit ID TEXT")
        await self.registry.edit(self.member, self._current_room(), event_id, text)

    async def do_redact(self, args: str) -> None:
        event_id, _, reason = args.partition(" ")
        if not event_id:
            raise errors.usage("/redact ID [REASON]")
        await self.registry.redact(
            self.member, self._current_room(), parse_event_id(event_id), reason.strip()
        )
