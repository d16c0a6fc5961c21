"""Reports of messages as a back-end keeps them (the rules that file and
close them are :mod:`chatroom.core.messages.abuse_reports`')."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class MessageReport:
    """MessageReport ``number``: message ``event_id`` of ``room`` (its name as
    shown), said by ``author`` as ``text``, reported by ``reporter`` at
    ``time`` for ``reason``; closed once ``closed_by`` is set, with
    ``note``."""

    number: int
    room: str
    event_id: int
    author: str
    text: str
    reporter: str
    reason: str
    time: str
    closed_by: str = ""
    note: str = ""

    @property
    def is_open(self) -> bool:
        return not self.closed_by

    def closed(self, by: str, note: str) -> MessageReport:
        return replace(self, closed_by=by, note=note)

    def encoded(self) -> str:
        """How a back-end keeps it (it reads nothing inside)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decoded(cls, kept: str) -> MessageReport:
        return cls(**json.loads(kept))


def filed_key(reporter: str, room: str, event_id: int) -> str:
    """What says that ``reporter`` (an account or name key) reported message
    ``event_id`` of room ``room`` (its key): one report each."""
    return f"{reporter} {room} {event_id}"


@dataclass(frozen=True)
class ReportFacts:
    """What a report's decision reads: the last number given, whether the
    reporter reported that message already, and the report asked about
    (None: no such report)."""

    last: int
    filed: bool
    report: MessageReport | None


class ReportStore(Protocol):
    """Where a back-end keeps the server's reports (one queue for all rooms,
    every node reading the same), read. A report filed or closed is a
    :class:`~chatroom.core.model.changes.moderation.ServerReports` change the back-end's
    :meth:`~chatroom.core.backend.Backend.apply` applies (a refusal
    brings no facts: the core reads them again)."""

    async def facts(self, filed: str, number: int) -> ReportFacts:
        """The last number given, whether ``filed`` (a :func:`filed_key`;
        "": not asked) is kept, and report ``number`` (0: not asked)."""
        ...

    async def open_reports(self) -> list[MessageReport]:
        """The reports not closed, oldest first."""
        ...
