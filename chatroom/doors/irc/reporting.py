"""IRC's reports of messages (:mod:`chatroom.core.messages.abuse_reports`), as server
``NOTICE`` s: no IRC specification or draft has them.

- ``REPORT #room ID [:REASON]`` reports message ID (the ``msgid`` a
  client was shown), answered ``NOTICE nick :REPORTED ID``;
- ``REPORT nick MSGID [:REASON]`` reports a message of the account's
  conversation with ``nick``, found by its ``msgid`` as ``CHATHISTORY``
  finds it (only the server's admins hear of it);
- ``REPORT CLOSE N [:NOTE]`` closes report N;
- ``REPORTS [#room]`` lists the open reports, each as the live notice
  says it, then ``REPORTS_END <count>``.

A room's owner and operators and the server's admins hear each report
and each closing as a ``NOTICE`` to their nick (the renderer's
:meth:`~chatroom.doors.irc.rendering.IRCRenderer.personal`).
"""

from __future__ import annotations

from chatroom.core.messages.abuse_reports import PRIVATE
from chatroom.core.model import errors
from chatroom.doors.irc.chathistory_private import conversation
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
    if len(params) < 2:
        raise errors.usage("REPORT <#room|nick> <msgid> [:<reason>]")
    room = room_of(params[0])
    if room is None:
        await _report_private(session, params)
        return
    if not (params[1].isascii() and params[1].isdigit()):
        raise errors.bad_event_id(params[1])
    reason = params[2] if len(params) > 2 else ""
    await session.registry.abuse_reports.report(
        session.member, room, int(params[1]), reason
    )
    session.notice(f"REPORTED {params[1]}")


async def _report_private(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REPORT nick MSGID [:REASON]``: the message of the conversation
    with ``nick`` whose ``msgid`` is MSGID."""
    nick, msgid = params[0], params[1]
    found = [
        event
        for event in await conversation(session, nick)
        if session.renderer.msgid(event) == msgid
    ]
    if not found:
        raise errors.ChatError("NO_SUCH_MESSAGE", f"{nick} has no message {msgid}")
    reason = params[2] if len(params) > 2 else ""
    await session.registry.abuse_reports.report(
        session.member, PRIVATE + nick, int(found[-1].id), reason
    )
    session.notice(f"REPORTED {msgid}")


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
