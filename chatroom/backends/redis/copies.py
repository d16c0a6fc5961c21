"""The rooms' copies of a member, refreshed one room a step.

Each room keeps its own copy of each member's record (who holds it, its
name and account: ``member_record`` and ``copy_record`` in
:mod:`chatroom.backends.redis.prelude`), so that it alone answers who may
act in it. When the record changes on the server's keys (a sign-in, a
rename, a device attached), the script that changed it answers u's rooms
and its new record, and :class:`MemberCopies` writes the record into each
room by a script on that room's keys alone (``ROOM_COPY``): on a Redis
Cluster whose rooms are on several primaries, one slot a script.

Between the server's step and the rooms', a room's copy is the record as
it was. That never lets a session act for longer than the next refresh
that the server says no longer holds u: the server's step of a split
script only adds holders or changes names and accounts (removing one,
a session's end, still changes every copy in the same step, see
docs/scaling.md), so a stale copy at worst refuses, for a moment, a
session just added (a device attaching) or shows the old account.

A rename also moves u's seat in each room from its old key to the new
one, and the room's owner field with it if the core decided so (the
operand the claim carries). Its server step writes first, in the server's
slot, that decision and the keys each room is to move (``P renaming``,
u → the decision, then its former keys), so a node that finishes the
rename applies what was decided, and the last step
(``RENAMED``) drops them once every room has; whatever touches u's rooms
next finishes a rename left half-done by a node that died (or a room's
step that failed): u's next rename moves the former keys too, and a
session's end or a harvest moves them before u leaves (``refused`` in the
prelude), so no room keeps a member nothing would remove.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.backends.redis.calls import RedisCalls, together
from chatroom.backends.redis.prelude import Script

#: Operands: room, user, record (u's: held and seat, ``member_record``),
#: formers: a rename's pending moves as ``P renaming`` has them (none if
#: there is none): whether a room's owner field moves with the seat
#: ('1'/'0', the core's decision:
#: :func:`chatroom.core.rooms.membership.owner_follows_rename`), then the keys u
#: had before. The room's step: those keys' seats moved to u (arrival,
#: quiet, and the owner field if it is to move and still names the key),
#: then u's copy written if u is a member; 1 if it is, else 0.
ROOM_COPY = Script("room-copy", room_at="room")

#: Operands: user, formers (the former keys as ``P renaming`` has them).
#: The rename's last step, once every room of u's moved them: the entry
#: goes, unless a later rename changed it meanwhile.
RENAMED = Script("renamed")


class MemberCopies:
    """A node's refreshes of the rooms' copies of a member: one script per
    room, sent together (independent, so they go out without waiting for
    each other's answers)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def refresh(
        self,
        u: str,
        rooms: Sequence[bytes],
        record: Sequence[bytes],
        formers: Sequence[bytes] = (),
        *,
        always: bool = False,
    ) -> None:
        """Every room of ``rooms`` gets u's ``record`` (and has u's
        ``formers`` moved to u); then, if there were any, the rename is
        done. A failed room's step raises, the rename left pending.
        ``always``: even before the node has resumed (for the resume)."""
        copy = {"user": u, "record": list(record), "formers": list(formers)}
        await together(
            self.calls.eval(ROOM_COPY, {**copy, "room": room}, always=always)
            for room in rooms
        )
        if formers:
            renamed = {"user": u, "formers": b" ".join(formers)}
            await self.calls.eval(RENAMED, renamed, always=always)
