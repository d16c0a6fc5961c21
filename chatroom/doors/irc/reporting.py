"""IRC's reports of messages (:mod:`chatroom.core.abuse_reports`), as server
``NOTICE`` s: no IRC specification or draft has them.

- ``REPORT #room ID [:REASON]`` reports message ID (the ``msgid`` a
  client was shown), answered ``NOTICE nick :REPORTED ID``;
- ``REPORT CLOSE N [:NOTE]`` closes report N;
- ``REPORTS [#room]`` lists the open reports, each as the live notice
  says it, then ``REPORTS_END <count>``.

A room's owner and operators and the server's admins hear each report
and each closing as a ``NOTICE`` to their nick (the renderer's
:meth:`~chatroom.doors.irc.rendering.IRCRenderer.personal`).
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.doors.irc.rendering import report_notice
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import room_of


def _number(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise errors.usage("REPORT CLOSE <n> [:<note>]")
    return int(value)


async def report(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REPORT #room ID [:REASON]`` or ``REPORT CLOSE N [:NOTE]``."""
    if params[0].upper() == "CLOSE":
        if len(params) < 2:
            raise errors.usage("REPORT CLOSE <n> [:<note>]")
        note = params[2] if len(params) > 2 else ""
        await session.registry.abuse_reports.close(
            session.member, _number(params[1]), note
        )
        return
    room = room_of(params[0])
    if room is None or len(params) < 2:
        raise errors.usage("REPORT <#room> <msgid> [:<reason>]")
    if not (params[1].isascii() and params[1].isdigit()):
        raise errors.bad_event_id(params[1])
    reason = params[2] if len(params) > 2 else ""
    await session.registry.abuse_reports.report(
        session.member, room, int(params[1]), reason
    )
    session.notice(f"REPORTED {params[1]}")


async def reports(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REPORTS [#room]``: the open reports, oldest first."""
    room = ""
    if params:
        named = room_of(params[0])
        if named is None:
            raise errors.no_such_room(params[0])
        room = named
    listed = await session.registry.abuse_reports.queue(session.member, room)
    for each in listed:
        session.notice(report_notice(each))
    session.notice(f"REPORTS_END {len(listed)}")
