"""Rooms' moderation logs in one process: the local :class:`ModerationLog`.

Kept in memory (loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the SQLite file's
``modlog`` table with ``--db``, an entry a line of it: :func:`stored_line`),
like read markers; a room's log goes with the room.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from chatroom.backends.local.records import Store
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.modlog import ModerationLogOf, RecordEntries
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import MODLOG_KEEP, SERVER_LOG, ModAction, ModEntry

#: How the ``modlog`` table keeps an empty target or reason.
STORED_EMPTY = "-"


def stored_line(entry: ModEntry) -> str:
    """An entry as the ``modlog`` table keeps it: ``time by action target reason``."""
    return " ".join(
        (
            entry.time,
            entry.by,
            entry.action.value,
            entry.target or STORED_EMPTY,
            entry.reason or STORED_EMPTY,
        )
    )


def stored_entry(line: str) -> ModEntry:
    """The entry :func:`stored_line` made."""
    time, by, action, target, reason = line.split(" ", 4)
    return ModEntry(time, by, ModAction(action), _kept(target), _kept(reason))


def _kept(field: str) -> str:
    return "" if field == STORED_EMPTY else field


class StoredModerationLog:
    """room key → its newest :data:`MODLOG_KEEP` entries, oldest first."""

    def __init__(self, store: Store, kept: Callable[[str], bool]) -> None:
        self.store = store
        #: Whether a room (its key) is kept: a log is a kept room's.
        self.kept = kept
        self.by_room: dict[str, deque[ModEntry]] = {}
        for key, line in store.load_modlog():
            self._log(key).append(stored_entry(line))

    def _log(self, key: str) -> deque[ModEntry]:
        log = self.by_room.get(key)
        if log is None:
            log = self.by_room[key] = deque(maxlen=MODLOG_KEEP)
        return log

    @applies(ModerationLogOf)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a :class:`~chatroom.core.model.changes.modlog.ModerationLogOf`:
        its entries added, memory and the store alike (none to a room
        gone)."""
        assert isinstance(change.subject, ModerationLogOf)
        for op in change.of(RecordEntries):
            self.record(change.subject.log, op.entries)

    def record(self, key: str, entries: Iterable[ModEntry]) -> None:
        """``entries`` in the log of ``key`` (the server's, or a room's
        while it is kept: none to a room deleted meanwhile, whose log went
        with it), memory and the store alike: a change's own, or those
        another change carries (applied with it)."""
        if key != SERVER_LOG and not self.kept(key):
            return
        log = self._log(key)
        for entry in entries:
            log.append(entry)
            self.store.add_modlog(key, stored_line(entry))

    async def read(self, room: str, count: int) -> list[ModEntry]:
        log = self.by_room.get(name_key(room), ())
        return list(log)[-count:]

    def moved(self, key: str, new_key: str) -> None:
        """Room ``key`` is called ``new_key`` (the store moves the rows)."""
        if key in self.by_room:
            self.by_room[new_key] = self.by_room.pop(key)

    def forget(self, key: str) -> None:
        """Room ``key`` is gone, and its log with it."""
        self.by_room.pop(key, None)
