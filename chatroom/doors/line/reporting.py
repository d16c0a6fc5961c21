"""The line protocol's reports: ``/report``, ``/report close`` and ``/reports``.

Handlers of :data:`chatroom.doors.line.session.COMMANDS`; the core decides
(:mod:`chatroom.core.messages.abuse_reports`), and moderators hear ``REPORT`` and
``REPORT_CLOSED`` as every notice to them is delivered
(:mod:`chatroom.doors.line.rendering`).
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core.messages.abuse_reports import PRIVATE
from chatroom.core.model import errors
from chatroom.core.model.events import ReportClosed, ReportFiled
from chatroom.core.moderation.report_store import MessageReport
from chatroom.doors.line.arguments import parse_event_id
from chatroom.doors.line.context import CommandContext
from chatroom.wire.lines import format_line


def render_report(report: MessageReport | ReportFiled) -> bytes:
    """``REPORT n room id reporter reason``, then ``REPORT_TEXT n author
    text``: what was reported, and what the message said."""
    number = str(report.number)
    head = format_line(
        "REPORT",
        number,
        report.room,
        str(report.event_id),
        report.reporter,
        text=report.reason,
    )
    return head + format_line("REPORT_TEXT", number, report.author, text=report.text)


def render_closed(event: ReportClosed) -> bytes:
    return format_line("REPORT_CLOSED", str(event.number), event.by, text=event.note)


def render_reports(reports: Sequence[MessageReport]) -> bytes:
    """``/reports``' reply: each open report (:func:`render_report`),
    oldest first, then ``REPORTS_END count``."""
    listed = b"".join(render_report(report) for report in reports)
    return listed + format_line("REPORTS_END", str(len(reports)))


async def do_report(session: CommandContext, args: str) -> None:
    """``/report ID [REASON]`` in a room (``REPORTED id``), ``/report @USER
    ID [REASON]`` of a private conversation (the admins hear it), or
    ``/report close N [NOTE]`` (every moderator of its room hears
    ``REPORT_CLOSED``)."""
    word, _, rest = args.strip().partition(" ")
    if word == "close":
        number, _, note = rest.strip().partition(" ")
        if not number.isdigit():
            raise errors.usage("/report close N [NOTE]")
        await session.registry.abuse_reports.close(session.member, int(number), note)
        return
    if not word:
        raise errors.usage("/report [@USER] ID [REASON]")
    if word.startswith(PRIVATE):
        room = word
        word, _, rest = rest.strip().partition(" ")
        if not word:
            raise errors.usage("/report @USER ID [REASON]")
    else:
        room = session.current_room()
    event_id = parse_event_id(word)
    await session.registry.abuse_reports.report(
        session.member, room, event_id, rest.strip()
    )
    session.send(format_line("REPORTED", str(event_id)))


async def do_reports(session: CommandContext, args: str) -> None:
    """``/reports [ROOM]``: the open reports this user may handle."""
    if " " in args.strip():
        raise errors.usage("/reports [ROOM]")
    reports = await session.registry.abuse_reports.queue(session.member, args.strip())
    session.send(render_reports(reports))
