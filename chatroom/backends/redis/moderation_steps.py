"""A moderation's change as a node stores it: one slot per step.

A moderation command is decided by :func:`chatroom.core.moderation.decide`
on facts read apart (``TARGET``, the server's keys; ``FACTS``, the
room's), and the change its outcome is (:func:`chatroom.core.moderation.
change_of`) is stored in up to three scripts, in the order
of docs/scaling.md's rule (the index first, the room second; out in the
other order):

1. the server's step (``MODERATING``), only when the target was read
   connected but not in the room: its session still holds it
   (``CHANGED`` if not), which the room cannot say of a non-member;
2. the room's step (``MODERATE``): the room's facts and the target's
   membership checked (a member by the room's copy of who holds it), the
   policy and the events stored; a kick's departure published with a head
   naming the kicked session (:class:`~chatroom.core.nodemessages.KickHead`),
   by which the node that has that session gives it ``Kicked`` at that very
   event (:meth:`~.delivery.NodeRooms.kicked_by`), whichever link or
   catch-up brings it;
3. the server's step after (``MODERATED``), when the kick took the room
   out of an index (``index_last``) or the target is invited (told on
   every node).

A node that dies between the steps leaves the room as it was (after step
1), or the room's index naming the room one time too many (after step 2:
u's rooms, which go with its name), or an invitation untold.
"""

from __future__ import annotations

from chatroom.backends.redis import decided, moderation_scripts, outcomes
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.modlog import carried
from chatroom.backends.redis.outcomes import Change
from chatroom.backends.redis.replies import moderation_args
from chatroom.backends.redis.room_steps import leaves_an_index
from chatroom.core import codec
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.moderation import KickMember, SessionIs, TellUser
from chatroom.core.model.changes.rooms import Emit, Present
from chatroom.core.nodemessages import KickHead
from chatroom.core.seats import Session


class ModerationSteps:
    """A moderation's outcome: the server's step, the room's, the server's
    after."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def apply(self, key: str, session: Session, change: DecidedChange) -> None:
        """``change``, decided on the facts of room ``key`` by ``session``
        (:func:`chatroom.core.moderation.change_of`), stored in its steps;
        ``CHANGED`` raised as :class:`~chatroom.core.backend.FactsChangedError`
        for the core to decide again."""
        changes = [_kicking(kick) for kick in change.of(KickMember)]
        target = next((p for p in change.premises if isinstance(p, SessionIs)), None)
        present = next((p for p in change.premises if isinstance(p, Present)), None)
        if target is not None and target.session and present and not present.users:
            await self.calls.step(
                moderation_scripts.MODERATING,
                target.user,
                target.session,
                refusals={},
            )
        await self.calls.call(
            moderation_scripts.MODERATE,
            *moderation_args(key, session, change),
            outcomes.encoded(changes),
            *carried(change, key),
            *(codec.encode(op.event) for op in change.of(Emit)),
            refusals=MEMBERS_ONLY,
        )
        left = [leaving for leaving in changes if leaves_an_index(leaving)]
        told = change.of(TellUser)
        if target is not None and (left or told):
            invited = codec.encode(told[0].event) if told else b""
            await self.calls.step(
                moderation_scripts.MODERATED,
                target.user,
                outcomes.encoded(left),
                invited,
                refusals={},
            )


def _kicking(kick: KickMember) -> Change:
    """A kick's departure as the core decided it (its premises, the heir,
    the room's fate), the departure published with a head naming the
    kicked session; the room's newest event marked before it."""
    leaving = decided.encoded(kick.leave, marked="before")
    shown = codec.encode(kick.departure).decode()
    head = codec.entry_head(KickHead(kick.session))
    leaving["ops"] = [
        ["emit", head + shown] if step == ["emit", shown] else step
        for step in leaving["ops"]
    ]
    return leaving
