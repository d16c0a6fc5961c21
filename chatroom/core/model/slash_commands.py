"""What a room's slash command is, and where a back-end keeps it (its
:class:`CommandStore`).

The rules, the calls and the answers are
:mod:`chatroom.core.rooms.slash_commands`'; this leaf is what the
back-ends, the change vocabulary and the doors share.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True)
class SlashCommand:
    """One of a room's outgoing slash commands: its name as added (``/NAME``
    calls it), the URL it posts to, the token sent with every call (so the
    receiver knows the call is the room's), and who added it."""

    name: str
    url: str
    token: str
    by: str

    def encoded(self) -> str:
        """As a back-end keeps it: a JSON object of its fields."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decoded(cls, kept: str | bytes) -> SlashCommand | None:
        """A command kept as :meth:`encoded` (or as Redis's Lua wrote the
        same object again), None for bytes that are not one."""
        try:
            data = json.loads(kept)
            return cls(
                str(data["name"]), str(data["url"]), str(data["token"]), str(data["by"])
            )
        except (ValueError, TypeError, KeyError):
            return None


class CommandStore(Protocol):
    """Where a back-end keeps the rooms' slash commands (its ``commands``),
    read: in the ``--db`` file, or in Redis for a cluster. A room's
    commands go with the room and follow its renames. They are added and
    removed by changes of a
    :class:`~chatroom.core.model.changes.messages.RoomCommands`, through
    the back-end's :meth:`~chatroom.core.backend.Backend.apply`."""

    async def of_room(self, room: str) -> list[SlashCommand]:
        """Room ``room``'s commands (by any spelling of its name), by name."""
        ...


@dataclass(frozen=True)
class Ephemeral:
    """A slash command's answer for the one device that typed it: said as
    if by ``user`` (``NAME[bot]``) in ``room`` at ``time``, never stored
    nor shown to anyone else (the line door's ``EPHEMERAL``, one for each
    of its ``lines``: nothing keeps them together as a stored message's
    tags do)."""

    room: str
    user: str
    time: str
    lines: tuple[str, ...]
