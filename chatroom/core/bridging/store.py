"""The bridge's ledger as a back-end keeps it: :class:`BridgeStore`.

A note (:class:`~chatroom.core.model.changes.bridge.Note`) is written once,
through the back-end's one write, on the premise that its book has none
under its key (:class:`~chatroom.core.model.changes.bridge.Unnoted`); a
note past its time is none. The local back-end keeps the notes in memory
and in ``--db`` (:mod:`chatroom.backends.local.bridge`); Redis keeps each
as a key of its own with its time to live (:mod:`chatroom.backends.redis.bridge`).
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.model.changes.base import DecidedChange

#: The homeserver's transactions relayed (their ids).
TRANSACTIONS = "txn"
#: The Matrix events relayed (their ids).
EVENTS = "event"
#: A room's portal: room key → Matrix room id.
PORTALS = "portal"
#: A portal's room: Matrix room id → room key.
PORTAL_ROOMS = "room"
#: How long a transaction's or an event's id is kept: a day.
SEEN_SECONDS = 24 * 3600


class BridgeStore(Protocol):
    """The bridge's notes."""

    async def apply(self, change: DecidedChange) -> None:
        """A change of the ledger: its notes written, if every book it
        rests on has none under the key
        (:class:`~chatroom.core.model.changes.base.FactsChangedError`
        otherwise, and nothing is written)."""

    async def noted(self, book: str, key: str) -> str | None:
        """The note under ``key`` in ``book`` (None: none, or past its time)."""
        ...
