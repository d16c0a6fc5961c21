"""A room's moderation log (``/modlog``): what is recorded, and who may read it.

The core records an entry after each moderation step it applied (kicks,
bans and unbans, ``/set``, operator grants and their removal) and after
each deletion of someone else's message; a back-end keeps a room's newest
:data:`MODLOG_KEEP` entries as long as it keeps the room's history (the
SQLite ``--db`` file, Redis), through a :class:`ModerationLog`, each in
its own stored form (a line of the ``modlog`` table; the cluster's
encoding); ``docs/protocol.md`` lists the action words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from chatroom.core import errors
from chatroom.core.events import (
    BanChanged,
    Departure,
    DepartureKind,
    ModeChanged,
    RoomEvent,
    SettingChanged,
)
from chatroom.core.moderation import shown
from chatroom.wire.lines import format_line

#: Entries a room keeps, and the most one ``/modlog`` shows.
MODLOG_KEEP = 200

#: How many ``/modlog`` shows when not told.
MODLOG_DEFAULT = 50

#: What an empty target or reason is shown as.
EMPTY = "-"


@dataclass(frozen=True)
class ModEntry:
    """One moderation step: when, by whom, what (an action word), to whom
    or what, and why ("" for none)."""

    time: str
    by: str
    action: str
    target: str = ""
    reason: str = ""

    def render(self, room: str) -> bytes:
        """``MODLOG room time by action target reason``."""
        fields = (self.time, self.by, self.action, self.target or EMPTY)
        return format_line("MODLOG", room, *fields, text=self.reason or EMPTY)


def entries_of(events: Iterable[RoomEvent], stamp: str) -> list[ModEntry]:
    """The entries of a moderation outcome's events (an invitation is none)."""
    entries = []
    for event in events:
        if isinstance(event, Departure) and event.kind is DepartureKind.KICK:
            entries.append(ModEntry(stamp, event.by, "kick", event.user, event.reason))
        elif isinstance(event, BanChanged):
            action = "ban" if event.banned else "unban"
            entries.append(ModEntry(stamp, event.by, action, shown(event.mask)))
        elif isinstance(event, ModeChanged):
            action = event.mode.value.lower()
            entries.append(ModEntry(stamp, event.by, action, shown(event.user)))
        elif isinstance(event, SettingChanged):  # one entry per setting of several
            for setting, value in zip(event.settings, event.values, strict=True):
                entries.append(ModEntry(stamp, event.by, "set", f"{setting}={value}"))
    return entries


def check_count(count: int) -> None:
    if not 1 <= count <= MODLOG_KEEP:
        raise errors.bad_args(f"/modlog shows 1 to {MODLOG_KEEP} entries")


def render_log(room: str, entries: list[ModEntry]) -> bytes:
    """The ``/modlog`` reply: the entries oldest first, then ``MODLOG_END``."""
    lines = [entry.render(room) for entry in entries]
    lines.append(format_line("MODLOG_END", room, str(len(entries))))
    return b"".join(lines)


class ModerationLog(Protocol):
    """Where a back-end keeps rooms' moderation logs (its ``modlog``)."""

    async def record(self, room: str, entries: list[ModEntry]) -> None:
        """Add ``entries`` to room ``room``'s log (the oldest beyond
        :data:`MODLOG_KEEP` go)."""
        ...

    async def read(self, room: str, count: int) -> list[ModEntry]:
        """The newest ``count`` entries of room ``room``'s log, oldest first."""
        ...
