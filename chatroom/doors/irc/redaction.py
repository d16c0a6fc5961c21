"""``REDACT`` (IRCv3 ``draft/message-redaction``): deleting a message from IRC.

``REDACT #room msgid [:reason]`` is the line door's ``/redact ID
[REASON]``: the ``msgid`` names the stored event's id
(:mod:`chatroom.doors.irc.msgids`), and who may delete what is the core's
rule (the author, the room's owner and operators, admins). The shared
side's ``REDACT`` comes back to every IRC member with the capability as
``:by!by@host REDACT #room msgid [:reason]``
(:class:`chatroom.doors.irc.rendering.Variant`); refusals are the
specification's ``FAIL REDACT`` replies. Specification:
https://ircv3.net/specs/extensions/message-redaction (work in progress).

``REDACT nick msgid [:reason]`` deletes a private message of the
account's conversation with ``nick`` (its sender only: the core's
:meth:`~chatroom.core.messages.private.PrivateMessages.redact`), found by its
digest ``msgid`` as ``CHATHISTORY`` finds it; both parties then get
``:sender REDACT recipient msgid [:reason]``.
"""

from __future__ import annotations

from chatroom.core.model.errors import ChatError
from chatroom.doors.irc.chathistory_private import conversation
from chatroom.doors.irc.commands import plain_text
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import CHANNEL_PREFIX, room_of


async def redact(session: IRCSession, params: tuple[str, ...]) -> None:
    """``REDACT target msgid [:reason]``: a channel you are in
    (``INVALID_TARGET`` before the message id is looked at, as the
    specification's tests expect), or a nick (:func:`_redact_private`)."""
    target, msgid = params[0], params[1]
    reason = plain_text(params[2]) if len(params) > 2 else ""
    room = room_of(target)
    if room is None and not target.startswith(CHANNEL_PREFIX):
        await _redact_private(session, target, msgid, reason)
        return
    if room is None or session.in_channel(room) is None:
        fail(session, "REDACT", "INVALID_TARGET", target, _cannot(target))
        return
    event_id = session.renderer.msgids.event_id(room, msgid)
    if event_id is None:
        fail(session, "REDACT", "UNKNOWN_MSGID", target, msgid, _unknown())
        return
    try:
        await session.registry.messages.redact(session.member, room, event_id, reason)
    except ChatError as refused:
        if refused.code in ("NOT_IN_ROOM", "NO_SUCH_ROOM"):
            fail(session, "REDACT", "INVALID_TARGET", target, _cannot(target))
        elif refused.code == "NOT_ALLOWED":
            text = "You are not authorised to delete this message"
            fail(session, "REDACT", "REDACT_FORBIDDEN", target, msgid, text)
        elif refused.code == "NO_SUCH_MESSAGE":
            fail(session, "REDACT", "UNKNOWN_MSGID", target, msgid, _unknown())
        else:
            raise


async def _redact_private(
    session: IRCSession, nick: str, msgid: str, reason: str
) -> None:
    """``REDACT nick msgid``: the message of the conversation with ``nick``
    whose digest is ``msgid``, deleted by the core (which tells ``nick``);
    the sender's own ``REDACT`` is the command's answer."""
    found = [
        event
        for event in await conversation(session, nick)
        if session.renderer.msgid(event) == msgid
    ]
    if not found:
        fail(session, "REDACT", "UNKNOWN_MSGID", nick, msgid, _unknown())
        return
    try:
        event = await session.registry.messages.redact_private(
            session.member, nick, int(found[-1].id), reason
        )
    except ChatError as refused:
        if refused.code == "NOT_ALLOWED":
            text = "You are not authorised to delete this message"
            fail(session, "REDACT", "REDACT_FORBIDDEN", nick, msgid, text)
        elif refused.code in ("NO_SUCH_MESSAGE", "NO_SUCH_USER"):
            fail(session, "REDACT", "UNKNOWN_MSGID", nick, msgid, _unknown())
        else:
            raise
        return
    session.send(event.encoded(session.render))


def _cannot(target: str) -> str:
    return f"You cannot delete messages from {target}"


def _unknown() -> str:
    return "This message does not exist or is too old"
