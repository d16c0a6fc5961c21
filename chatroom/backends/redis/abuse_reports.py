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

from chatroom.backends.redis.calls import NONE, RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.moderation import ServerReports
from chatroom.core.model.errors import ChatError
from chatroom.core.moderation.modlog import MODLOG_KEEP
from chatroom.core.moderation.report_store import MessageReport, ReportFacts

#: Operands: ``change`` (the server's reports': a report filed or closed,
#: the entries it records, resting on the last number as read, the key not
#: filed yet, the report open), ``keep`` (the most entries a log keeps),
#: ``apart`` (rooms apart: a room's entries are kept until copied to its
#: log, in its own slot). ``{'CHANGED', the failed premise's place}``;
#: else ``OK``, and with a room's entries kept, every entry kept to copy
#: (field, ``[room, entries]``, ...).
REPORTS_APPLY = Script("reports-apply", subjects=(ServerReports,))

#: Operands: room, keep (the most entries a log keeps), entries: each added
#: to the room's log unless it holds that entry already. ``OK``.
MODLOG_COPY = Script("modlog-copy", room_at="room")

#: Operands: fields (of ``P reports:unlogged``, copied). ``OK``.
REPORTS_LOGGED = Script("reports-logged")

#: Operands: filed (a key), number. The last number, whether the key is
#: filed, that report ('' for none).
REPORTS_FACTS = Script("reports-facts")

#: The open reports, oldest first.
REPORTS_OPEN = Script("reports-open")


class RedisReports:
    """The server's reports, kept in Redis (one round trip each; with
    rooms apart, a report about a room two more: its entries copied to the
    room's log, then forgotten)."""

    log = Logger()

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def facts(self, filed: str, number: int) -> ReportFacts:
        read = {"filed": filed, "number": str(number)}
        last, is_filed, kept = await self.calls.eval(REPORTS_FACTS, read)
        report = MessageReport.decoded(kept.decode()) if kept else None
        return ReportFacts(int(last), bool(int(is_filed)), report)

    async def open_reports(self) -> list[MessageReport]:
        kept = await self.calls.eval(REPORTS_OPEN, NONE)
        return [MessageReport.decoded(each.decode()) for each in kept if each]

    @applies(ServerReports)
    async def apply(self, change: DecidedChange) -> None:
        apart = self.calls.rooms_apart
        operands = {"change": change, "keep": MODLOG_KEEP, "apart": apart}
        reply = await self.calls.eval(REPORTS_APPLY, operands)
        if isinstance(reply, list) and reply[0] == b"CHANGED":
            raise PremiseFailedError(None, change.premises[int(reply[1]) - 1])
        if isinstance(reply, list):
            await self._copy(reply[1:])

    async def _copy(self, unlogged: list[bytes]) -> None:
        """Copy the entries kept (``REPORTS_APPLY``'s reply: field, then
        ``[room, entries]``) to their rooms' logs, and forget those copied.
        A copy that fails is logged and left for the next report's."""
        copied = []
        pairs = zip(unlogged[::2], unlogged[1::2], strict=True)
        for field, kept in sorted(pairs, key=_in_order):
            room, entries = json.loads(kept)
            if isinstance(entries, str):  # as an older node kept them
                entries = json.loads(entries)
            copy = {"room": room, "keep": MODLOG_KEEP, "entries": entries}
            try:
                await self.calls.eval(MODLOG_COPY, copy)
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
                await self.calls.eval(REPORTS_LOGGED, {"fields": copied})
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
