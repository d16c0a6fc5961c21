"""A room's moderation log (``/modlog``): what is recorded, and who may read it.

The core records an entry after each moderation step it applied (kicks,
bans and unbans, ``/set``, operator grants and their removal) and after
each deletion of someone else's message; a back-end keeps a room's newest
:data:`MODLOG_KEEP` entries as long as it keeps the room's history (the
SQLite ``--db`` file, Redis), through a :class:`ModerationLog`, each in
its own stored form (a line of the ``modlog`` table; the cluster's
encoding). A reader is handed the entries as values: each door renders
them in its own words (the line door's ``MODLOG`` lines, IRC's notices);
``docs/protocol.md`` lists the actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.modlog import ModerationLogOf, RecordEntries
from chatroom.core.model.events import (
    BanChanged,
    Departure,
    DepartureKind,
    MemberMode,
    ModeChanged,
    RoomEvent,
    SettingChanged,
)
from chatroom.core.model.modentry import ModAction as ModAction
from chatroom.core.model.modentry import ModEntry as ModEntry
from chatroom.core.model.text import name_key
from chatroom.core.policy.moderation import shown

#: Entries a room keeps, and the most one ``/modlog`` shows.
MODLOG_KEEP = 200

#: How many ``/modlog`` shows when not told.
MODLOG_DEFAULT = 50


#: The key the server's own log is kept under, beside the rooms' (no room
#: is named so): what admins read with ``/modlog server``.
SERVER_LOG = "*"


#: A grant given or taken, as the step it is.
GRANTS = {
    MemberMode.OP: ModAction.OP,
    MemberMode.DEOP: ModAction.DEOP,
    MemberMode.VOICE: ModAction.VOICE,
    MemberMode.DEVOICE: ModAction.DEVOICE,
}


def entries_of(events: Iterable[RoomEvent], stamp: str) -> list[ModEntry]:
    """The entries of a moderation outcome's events (an invitation is none)."""
    entries = []
    for event in events:
        if isinstance(event, Departure) and event.kind is DepartureKind.KICK:
            kick = ModAction.KICK
            entries.append(ModEntry(stamp, event.by, kick, event.user, event.reason))
        elif isinstance(event, BanChanged):
            action = ModAction.BAN if event.banned else ModAction.UNBAN
            entries.append(ModEntry(stamp, event.by, action, shown(event.mask)))
        elif isinstance(event, ModeChanged):
            grant = GRANTS[event.mode]
            entries.append(ModEntry(stamp, event.by, grant, shown(event.user)))
        elif isinstance(event, SettingChanged):  # one entry per setting of several
            for setting, value in zip(event.settings, event.values, strict=True):
                target = f"{setting}={value}"
                entries.append(ModEntry(stamp, event.by, ModAction.SET, target))
    return entries


def check_count(count: int) -> None:
    if not 1 <= count <= MODLOG_KEEP:
        raise errors.bad_args(f"/modlog shows 1 to {MODLOG_KEEP} entries")


def recorded(log: str, entries: Iterable[ModEntry]) -> DecidedChange:
    """The change that adds ``entries`` to log ``log`` (a room's name, or
    :data:`SERVER_LOG`), for :meth:`~chatroom.core.backend.Backend.apply`."""
    subject = ModerationLogOf(name_key(log))
    return DecidedChange(subject, (), (RecordEntries(tuple(entries)),))


def recording(log: str, entries: Iterable[ModEntry]) -> RecordEntries:
    """The operation by which a change records its action's ``entries`` in
    log ``log`` (a room's name, or :data:`SERVER_LOG`) as it is applied:
    the action and its entries are applied together or not at all."""
    return RecordEntries(tuple(entries), name_key(log))


class ModerationLog(Protocol):
    """Where a back-end keeps rooms' moderation logs (its ``modlog``): read
    here; entries are added by a change of a
    :class:`~chatroom.core.model.changes.modlog.ModerationLogOf` (:func:`recorded`),
    through :meth:`~chatroom.core.backend.Backend.apply`."""

    async def read(self, room: str, count: int) -> list[ModEntry]:
        """The newest ``count`` entries of room ``room``'s log, oldest first."""
        ...
