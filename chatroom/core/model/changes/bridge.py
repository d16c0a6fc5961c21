"""The Matrix bridge's ledger: what it has seen and what it keeps
(:mod:`chatroom.core.bridging`).

Everything the bridge must find again after a restart, or on another node,
is one note in a book: the homeserver's transactions and events already
relayed (``txn``, ``event``: kept a day, so a push sent again relays
nothing twice), a room's portal (``portal``: room key → Matrix room id, and
``room``: back), how far each room's events were sent to Matrix, the id
maps of the events that crossed, and the sender's lease. A
note is written once: :class:`Unnoted` is the premise a change of the
ledger rests on, so two nodes pushed the same transaction at once, or two
deliveries of one event, meet at the store, and one of them notes it (and
relays it) while the other's change fails its premise.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Premise, Subject, declare


@dataclass(frozen=True)
class BridgeLedger(Subject):
    """The bridge's notes, in every book."""


@dataclass(frozen=True)
class Unnoted(Premise):
    """Book ``book`` has no note under ``key`` (or only one past its time),
    or else one that reads ``but`` (when ``but`` is given: a lease its
    holder keeps)."""

    book: str
    key: str
    but: str = ""


@dataclass(frozen=True)
class Note(Operation):
    """Note ``value`` under ``key`` in book ``book``, for ``seconds`` (0:
    for as long as the store lasts)."""

    book: str
    key: str
    value: str
    seconds: int = 0


declare(BridgeLedger, operations=(Note,), premises=(Unnoted,))
