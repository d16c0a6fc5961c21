"""A moderation log: what a room's moderation, or the server's admins,
did, recorded as entries (:mod:`chatroom.core.moderation.modlog`).

An entry records a step applied already, so a log's change rests on no
premise; an action that is logged carries its entries in its own change
(:class:`RecordEntries` among its operations), applied with it or not at
all.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Subject, declare
from chatroom.core.model.modentry import ModEntry


@dataclass(frozen=True)
class ModerationLogOf(Subject):
    """Moderation log ``log``: a room's (its name key) or the server's
    (:data:`~chatroom.core.moderation.modlog.SERVER_LOG`). Its entries record steps
    applied already, so a change of it rests on no premise."""

    log: str


@dataclass(frozen=True)
class RecordEntries(Operation):
    """Add ``entries`` to the log, oldest first; the oldest beyond
    :data:`~chatroom.core.moderation.modlog.MODLOG_KEEP` go. In a change of another
    subject (a moderation, a pin, a redaction, a rename, a report, a
    server ban, a lockdown) they are that action's own, applied with it or
    not at all, in the log named ``log`` (a room's key, or the server's
    :data:`~chatroom.core.moderation.modlog.SERVER_LOG`:
    :func:`chatroom.core.moderation.modlog.
    recording`); "" is the change's own log (a
    :class:`ModerationLogOf`'s, a room moderation's room's)."""

    entries: tuple[ModEntry, ...]
    log: str = ""


declare(ModerationLogOf, operations=(RecordEntries,))
