"""The server's reports of messages in Redis: the cluster's :class:`ReportStore`.

Four keys in the prefix's slot, read the same by every node: ``P reports``
(number → the report as the core encoded it, closed ones too),
``P reports:open`` (the open numbers, oldest first), ``P reports:filed``
(what each report was filed under: a reporter, a room, a message) and
``P reports:last`` (the last number given). ``REPORTS_APPLY`` checks a
change's premises and stores it in one script, deciding nothing, with the
moderation log entry it carries (the report filed or closed) where that
log shares the server's slot: the server's log (a private message's
report) in either layout, a room's where rooms are with the rest.

With rooms apart a room's log is in the room's slot, and a report cannot
be there with it: the reports are one queue for the whole server,
numbered by it (``/report close N`` names a number, ``/reports`` lists
every room's), so they stay in the server's slot, and no script may
write two slots. So the entry takes two calls, made safe: ``REPORTS_APPLY``
stores the report and keeps its entries beside it, in the same step
(``P reports:unlogged``: ``N filed`` or ``N closed`` → the room and the
entries), and answers every entry still to copy; the node then copies
each to its room's log (``MODLOG_COPY``, which adds a line the log does
not hold already, so a copy made twice is made once) and forgets those
copied (``REPORTS_LOGGED``). The report is acknowledged once stored: a
copy that fails (the room's shard unavailable, the node lost) leaves the
entries kept, and the next report filed or closed, on any node, copies
them (after the entries written since: a log's entries are in the order
they reached it).
"""

from __future__ import annotations

import json

from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.modlog import carried
from chatroom.backends.redis.prelude import Script
from chatroom.core.errors import ChatError
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.moderation import (
    CloseReport,
    FileReport,
    NotReported,
    ReportOpen,
    ReportsNumbered,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.modlog import MODLOG_KEEP, SERVER_LOG
from chatroom.core.report_store import MessageReport, ReportFacts

#: ARGV: P, the last number as read, the key not filed yet, the number
#: open ('': no such premise), then the number, the report, '1' (filing
#: it) or '0' (closing it), the key it is filed under; then the log its
#: entries go to ('': none here), the most entries a log keeps and the
#: entries (:func:`.modlog.carried`); then, with rooms apart, the room
#: whose log they go to instead, kept until copied ('': none).
#: ``PREMISE`` when one fails, else ``OK``, and with a room given, every
#: entry kept to copy (field, ``[room, entries]``, ...).
REPORTS_APPLY = Script("reports-apply")

#: ARGV: P, r, the most entries a log keeps, the entries: each added to
#: room r's log unless it holds that line already. ``OK``.
MODLOG_COPY = Script("modlog-copy", room_at=2)

#: ARGV: P, the fields of ``P reports:unlogged`` copied. ``OK``.
REPORTS_LOGGED = Script("reports-logged")

#: ARGV: P, a key, a number. The last number, whether the key is filed,
#: that report ('' for none).
REPORTS_FACTS = Script("reports-facts")

#: ARGV: P. The open reports, oldest first.
REPORTS_OPEN = Script("reports-open")


class RedisReports:
    """The server's reports, kept in Redis (one round trip each; with
    rooms apart, a report about a room two more: its entries copied to the
    room's log, then forgotten)."""

    log = Logger()

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
        # a room's log is in the room's slot with rooms apart: kept, copied
        apart = self.calls.rooms_apart and log not in ("", SERVER_LOG)
        logged = ("" if apart else log, *carried(change, log), log if apart else "")
        reply: object = None
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
        if apart and isinstance(reply, list):
            await self._copy(reply[1:])

    async def _copy(self, unlogged: list[bytes]) -> None:
        """Copy the entries kept (``REPORTS_APPLY``'s reply: field, then
        ``[room, entries]``) to their rooms' logs, and forget those copied.
        A copy that fails is logged and left for the next report's."""
        copied = []
        pairs = zip(unlogged[::2], unlogged[1::2], strict=True)
        for field, kept in sorted(pairs, key=_in_order):
            room, entries = json.loads(kept)
            try:
                await self.calls.eval(
                    MODLOG_COPY, room, MODLOG_KEEP, *json.loads(entries)
                )
            except ChatError as why:
                self.log.warn(
                    "report entries for {room} not copied yet: {why}",
                    room=room,
                    why=why.text,
                )
                continue
            copied.append(field)
        if copied:
            try:
                await self.calls.eval(REPORTS_LOGGED, *copied)
            except ChatError as why:  # copied again, once, by the next
                self.log.warn(
                    "report entries copied, not forgotten: {why}", why=why.text
                )


def _in_order(kept: tuple[bytes, bytes]) -> tuple[int, bool]:
    """Where a kept entry's field (``N filed``, ``N closed``) comes: by
    the report's number, its filing before its closing (a hash's fields
    come in no order)."""
    number, kind = kept[0].split()
    return int(number), kind == b"closed"
