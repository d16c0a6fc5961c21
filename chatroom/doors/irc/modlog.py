"""``MODLOG #room [N]``: a room's moderation log, read from IRC.

IRC has no command for it, so the door adds one, named as the line door's
``/modlog [N]`` (``docs/irc.md``, *Moderation log*): the same entries, by
the same rule (the room's owner, its operators and server admins:
:meth:`~chatroom.core.services.moderation.ModerationService.modlog`),
each as a ``NOTICE`` from the server to the channel, sent to the asker
alone, whose text reads as the line door's line (``MODLOG tea <time> <by>
<action> <target> <reason>``, ``-`` for no target or reason), then ``MODLOG_END tea
<count>``: the core hands the entries
(:class:`~chatroom.core.moderation.modlog.ModEntry`),
this door writes them (:func:`modlog_notices`). A labeled ``MODLOG``
(``labeled-response``) gets them in its ``labeled-response`` batch.

Refusals are the numerics of every channel command: ``403`` (not a
channel, or none of that name), ``442`` (not in it), ``482`` (not its
owner, an operator or an admin); a count that is not 1-200 is the
standard reply ``FAIL MODLOG INVALID_PARAMS``.
"""

from __future__ import annotations

from chatroom.core.model import errors
from chatroom.core.moderation.modlog import MODLOG_DEFAULT, MODLOG_KEEP, ModEntry
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, room_of

#: What an entry's empty target or reason reads as.
NONE_SHOWN = "-"


def modlog_notices(room: str, entries: list[ModEntry]) -> list[str]:
    """The notices' texts: one per entry, oldest first, then the count."""
    texts = [
        f"MODLOG {room} {entry.time} {entry.by} {entry.action.value} "
        f"{entry.target or NONE_SHOWN} {entry.reason or NONE_SHOWN}"
        for entry in entries
    ]
    texts.append(f"MODLOG_END {room} {len(entries)}")
    return texts


async def modlog(session: IRCSession, params: tuple[str, ...]) -> None:
    """``MODLOG #room [N]`` (N 1-200, default 50)."""
    target = params[0]
    named = room_of(target)
    if named is None:
        raise errors.no_such_room(target)
    room = session.in_channel(named)
    if room is None:
        await session.registry.rooms.room_details(named)  # 403 if there is none
        raise errors.not_in_room(f"you are not in {named}")
    count = MODLOG_DEFAULT
    if len(params) > 1:
        wanted = params[1]
        if not (wanted.isascii() and wanted.isdigit()) or not (
            1 <= int(wanted) <= MODLOG_KEEP
        ):
            text = f"MODLOG shows 1 to {MODLOG_KEEP} entries"
            fail(session, "MODLOG", "INVALID_PARAMS", target, wanted, text)
            return
        count = int(wanted)
    entries = await session.registry.moderation.modlog(session.member, room, count)
    notices = modlog_notices(room, entries)
    session.send(b"".join(build(session.me, "NOTICE", target, t) for t in notices))
