"""The server's reports of messages in Redis: the cluster's :class:`ReportStore`.

Four keys in the prefix's slot, read the same by every node: ``P reports``
(number → the report as the core encoded it, closed ones too),
``P reports:open`` (the open numbers, oldest first), ``P reports:filed``
(what each report was filed under: a reporter, a room, a message) and
``P reports:last`` (the last number given). ``REPORTS_APPLY`` checks a
change's premises and stores it in one script, deciding nothing, with the
moderation log entry it carries (the report filed or closed) where that
log shares the server's slot: the server's log (a private message's
report) in either layout, a room's where rooms are with the rest. With
rooms apart a room's log is in the room's slot, which no script of the
server's may write: its entry is recorded by a second call once the
report is stored (a node lost between the two leaves the report with no
entry; never an entry with no report).
"""

from __future__ import annotations

import json

from chatroom.backends.redis import life_scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.modlog import carried
from chatroom.backends.redis.prelude import Script
from chatroom.core.changes import (
    CloseReport,
    DecidedChange,
    FileReport,
    NotReported,
    PremiseFailedError,
    RecordEntries,
    ReportOpen,
    ReportsNumbered,
)
from chatroom.core.modlog import SERVER_LOG
from chatroom.core.report_store import MessageReport, ReportFacts

#: ARGV: P, the last number as read, the key not filed yet, the number
#: open ('': no such premise), then the number, the report, '1' (filing
#: it) or '0' (closing it), the key it is filed under; then the log its
#: entries go to ('': none here), the most entries a log keeps and the
#: entries (:func:`.modlog.carried`). ``PREMISE`` when one fails, else
#: ``OK``.
REPORTS_APPLY = Script("reports-apply")

#: ARGV: P, a key, a number. The last number, whether the key is filed,
#: that report ('' for none).
REPORTS_FACTS = Script("reports-facts")

#: ARGV: P. The open reports, oldest first.
REPORTS_OPEN = Script("reports-open")


class RedisReports:
    """The server's reports, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def facts(self, filed: str, number: int) -> ReportFacts:
        last, is_filed, kept = await self.calls.eval(REPORTS_FACTS, filed, str(number))
        report = MessageReport.decoded(kept.decode()) if kept else None
        return ReportFacts(int(last), bool(int(is_filed)), report)

    async def open_reports(self) -> list[MessageReport]:
        kept = await self.calls.eval(REPORTS_OPEN)
        return [MessageReport.decoded(each.decode()) for each in kept if each]

    async def apply(self, change: DecidedChange) -> None:
        numbered = change.premise(ReportsNumbered)
        not_filed = change.premise(NotReported)
        still_open = change.premise(ReportOpen)
        premises = (
            "" if numbered is None else str(numbered.last),
            "" if not_filed is None else not_filed.filed,
            "" if still_open is None else str(still_open.number),
        )
        (log,) = {op.log for op in change.of(RecordEntries)} or {""}
        # a room's log is in the room's slot with rooms apart: after the report
        apart = self.calls.rooms_apart and log not in ("", SERVER_LOG)
        logged = ("" if apart else log, *carried(change, log))
        for op in change.ops:
            if isinstance(op, FileReport):
                stored = (str(op.number), op.kept, "1", op.filed)
            elif isinstance(op, CloseReport):
                stored = (str(op.number), op.kept, "0", "")
            elif isinstance(op, RecordEntries):
                continue
            else:
                raise TypeError(f"no operation {op!r} of the server's reports")
            reply = await self.calls.eval(REPORTS_APPLY, *premises, *stored, *logged)
            if reply == b"PREMISE":
                raise PremiseFailedError(None)
        if apart:
            keep, entries = logged[1:]
            await self.calls.call(
                life_scripts.MODLOG_ADD,
                log,
                keep,
                *json.loads(entries),
                refusals={},
            )
