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

from chatroom.core.model.events import StoredEvent

#: The homeserver's transactions relayed (their ids).
TRANSACTIONS = "txn"
#: The Matrix events relayed (their ids).
EVENTS = "event"
#: The Matrix events being relayed now (their ids), claimed for
#: :data:`RELAYING_SECONDS` by the node relaying them.
RELAYING = "relaying"
#: A room's portal: room key → Matrix room id.
PORTALS = "portal"
#: A portal's room: Matrix room id → room key.
PORTAL_ROOMS = "room"
#: How far a portal's room was sent to Matrix: room key → the newest id sent.
SENT = "sent"
#: A chatroom event's Matrix event: ``ROOMKEY ID`` → event id (a reaction's:
#: ``ROOMKEY ID USERKEY KEY``).
TO_MATRIX = "mx"
#: A Matrix event's chatroom event: event id → ``ROOMKEY ID``.
FROM_MATRIX = "cr"
#: The Matrix users in a portal, members of its room: room key → their
#: bridged names (JSON).
MATRIX_MEMBERS = "members"
#: The puppets in a portal: room key → their user ids (JSON).
PUPPETS = "puppets"
#: Who sends to Matrix (one node of a cluster): ``sender`` → its node.
LEASE = "lease"
#: How long a transaction's or an event's id is kept: a day.
SEEN_SECONDS = 24 * 3600
#: How long an event's claim lasts while it is relayed: a relay that
#: stopped half-way (its node gone) lets the homeserver's next push of
#: the transaction relay it after this.
RELAYING_SECONDS = 60
#: How long the id maps are kept: as long as a room's history is worth
#: answering, edits and reactions of a month-old message included.
MAP_SECONDS = 30 * 24 * 3600


class BridgeStore(Protocol):
    """The bridge's notes."""

    async def noted(self, book: str, key: str) -> str | None:
        """The note under ``key`` in ``book`` (None: none, or past its time)."""
        ...

    async def kept_notes(self, book: str) -> dict[str, str]:
        """Every note of ``book`` kept for ever (its portals), by key."""
        ...

    async def events_after(
        self, room: str, after: int, count: int
    ) -> tuple[int, list[StoredEvent]]:
        """Room ``room``'s newest id, and up to ``count`` of its kept
        events after id ``after``, oldest first (what its portal has yet
        to be sent; none for a room that is gone)."""
        ...
