"""Messages to a room's operators only (IRC's ``STATUSMSG``, ``PRIVMSG @#room``).

Any member may say something to the room's owner and operators alone
("please kick the spammer"), and it is a rule of the room, not of one door:
a line or web user who is an operator must hear it as an IRC operator does,
on any cluster node. So the core decides who hears it and its fan-out keeps
to that:

- the event is an :class:`~chatroom.core.model.events.OperatorMessage` whose
  ``audience`` holds the name keys of the room's owner and operators when
  it was said (the line door shows it as ``OPMSG``, or ``OPNOTICE`` for an
  IRC ``NOTICE``);
- it is relayed as a typing notice is (:meth:`Bus.relay
  <chatroom.core.server.bus.Bus.relay>`: to the room, never stored,
  on both back-ends), since a room's history is read by every member,
  operators or not, now and later;
- :func:`chatroom.core.infra.fanout.fan_out`, through which every delivery of
  both back-ends goes, hands it only to the members its audience names
  (:func:`chatroom.core.infra.fanout.recipients`; the sender too, if an
  operator: a door shows its own as it shows its own messages).
"""

from __future__ import annotations

from chatroom.core.infra.seats import Session
from chatroom.core.model.events import OperatorMessage
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy import rules
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.wire.lines import format_time


async def say_to_operators(
    rooms: RoomStore,
    bus: Bus,
    member: Member,
    session: Session,
    room: str,
    text: str,
    notice: bool,
    now: float,
) -> None:
    """``text`` from ``member`` (who must be in ``room``: ``NOT_IN_ROOM``)
    to the room's owner and operators (``BAD_TEXT`` as any message)."""
    rules.check_text(text)
    where = rooms.joined_room(member, room)
    roster = await rooms.roster(where)
    ops = frozenset(
        name_key(name) for name in (roster.owner, *roster.operators) if name
    )
    stamp = format_time(now)
    event = OperatorMessage(
        where, session.name, stamp, ops, text, notice, account=session.account_name
    )
    await bus.relay(member, session, where, event)
