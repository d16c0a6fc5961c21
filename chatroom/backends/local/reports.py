"""The server's reports of messages in one process: the local :class:`ReportStore`.

Kept in memory (loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the SQLite file's
``reports`` table with ``--db``), closed ones too, so a reporter cannot
report a message again after its report was closed. Nothing here waits,
so a change's premises are checked and its operations applied in one step.
"""

from __future__ import annotations

from chatroom.backends.local.records import Store
from chatroom.core.model.changes.base import (
    DecidedChange,
    Premise,
    PremiseFailedError,
    applies,
)
from chatroom.core.model.changes.moderation import (
    CloseReport,
    FileReport,
    NotReported,
    ReportOpen,
    ReportsNumbered,
    ServerReports,
)
from chatroom.core.moderation.report_store import MessageReport, ReportFacts


class StoredReports:
    """number → report as the core encoded it, and what was filed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.kept: dict[int, str] = {}
        self.filed: set[str] = set()
        self.open: set[int] = set()
        for number, filed, is_open, kept in store.load_reports():
            self.kept[number] = kept
            self.filed.add(filed)
            if is_open:
                self.open.add(number)

    async def facts(self, filed: str, number: int) -> ReportFacts:
        kept = self.kept.get(number)
        report = MessageReport.decoded(kept) if kept else None
        return ReportFacts(max(self.kept, default=0), filed in self.filed, report)

    async def open_reports(self) -> list[MessageReport]:
        return [
            MessageReport.decoded(self.kept[number]) for number in sorted(self.open)
        ]

    @applies(ServerReports)
    async def apply(self, change: DecidedChange) -> None:
        for premise in change.premises:
            if not self._holds(premise):
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, FileReport):
                self.kept[op.number] = op.kept
                self.filed.add(op.filed)
                self.open.add(op.number)
                self.store.save_report(op.number, op.filed, True, op.kept)
            elif isinstance(op, CloseReport):
                self.kept[op.number] = op.kept
                self.open.discard(op.number)
                self.store.save_report(op.number, "", False, op.kept)
            else:
                raise TypeError(f"no operation {op!r} of the server's reports")

    def _holds(self, premise: Premise) -> bool:
        if isinstance(premise, ReportsNumbered):
            return max(self.kept, default=0) == premise.last
        if isinstance(premise, NotReported):
            return premise.filed not in self.filed
        if isinstance(premise, ReportOpen):
            return premise.number in self.open
        raise TypeError(f"no premise {premise!r} of the server's reports")
