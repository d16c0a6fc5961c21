"""Renamed rooms' former names in one process: where each leads, and until when.

A rename (:class:`~chatroom.core.model.changes.rooms.RenameRoom`) leaves the room's
former name leading a ``/join`` to it until the grace the core gave it
(``--rename-grace``); meanwhile no room takes that name, and after it the
name is free. Kept in memory (loaded once at start-up) and written
through the back-end's :class:`~chatroom.backends.local.records.Store`
(the SQLite file's ``room_renames`` table with ``--db``), in the same
batch as the rename's other rows.
"""

from __future__ import annotations

from chatroom.backends.local.records import Store
from chatroom.core.model.text import name_key


class FormerNames:
    """former name key → (the name it leads to, until when: Unix seconds)."""

    def __init__(self, store: Store) -> None:
        self.by_key: dict[str, tuple[str, float]] = {
            old: (name, until) for old, name, until in store.load_renames()
        }

    def leads_to(self, key: str, now: float) -> str:
        """The name former name ``key`` leads to at ``now`` ("" for none)."""
        name, until = self.by_key.get(key, ("", 0.0))
        return name if now < until else ""

    def moved(self, key: str, name: str, until: float) -> None:
        """Room ``key`` is called ``name``: its former names (``key`` among
        them, until ``until``) lead there, and ``name`` is a former name no
        more."""
        new_key = name_key(name)
        self.by_key.pop(new_key, None)
        for old, (was, kept) in list(self.by_key.items()):
            if name_key(was) == key:
                self.by_key[old] = (name, kept)
        self.by_key[key] = (name, until)
