"""``MODLOG #room [N]``: a room's moderation log, read from IRC.

IRC has no command for it, so the door adds one, named as the line door's
``/modlog [N]`` (``docs/irc.md``, *Moderation log*): the same entries, by
the same rule (the room's owner, its operators and server admins:
:meth:`chatroom.core.registry.Registry.modlog`), each as a ``NOTICE`` from
the server to the channel, sent to the asker alone, whose text is the
line door's own line (``MODLOG tea <time> <by> <action> <target>
<reason>``), then ``MODLOG_END tea <count>``. A labeled ``MODLOG``
(``labeled-response``) gets them in its ``labeled-response`` batch.

Refusals are the numerics of every channel command: ``403`` (not a
channel, or none of that name), ``442`` (not in it), ``482`` (not its
owner, an operator or an admin); a count that is not 1-200 is the
standard reply ``FAIL MODLOG INVALID_PARAMS``.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.core.modlog import MODLOG_DEFAULT, MODLOG_KEEP, render_log
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, room_of


async def modlog(session: IRCSession, params: tuple[str, ...]) -> None:
    """``MODLOG #room [N]`` (N 1-200, default 50)."""
    target = params[0]
    named = room_of(target)
    if named is None:
        raise errors.no_such_room(target)
    room = session.in_channel(named)
    if room is None:
        await session.registry.room_details(named)  # 403 if there is none
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
    entries = await session.registry.modlog(session.member, room, count)
    log = render_log(room, entries).decode("utf-8").split("\r\n")[:-1]
    session.send(b"".join(build(session.me, "NOTICE", target, line) for line in log))
