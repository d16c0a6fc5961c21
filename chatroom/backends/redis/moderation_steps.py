"""A moderation's change as a node stores it: one slot per step.

A moderation command is decided by :func:`chatroom.core.policy.moderation.decide`
on facts read apart (``TARGET``, the server's keys; ``FACTS``, the
room's), and the change its outcome is (:func:`chatroom.core.policy.moderation.
change_of`) is stored in up to three scripts, in the order
of docs/scaling.md's rule (the index first, the room second; out in the
other order):

1. the server's step (``MODERATING``), only when the target was read
   connected but not in the room: its session still holds it
   (``CHANGED`` if not), which the room cannot say of a non-member;
2. the room's step (``MODERATE``): the room's facts and the target's
   membership checked (a member by the room's copy of who holds it), the
   policy and the events stored; a kick's departure published with a head
   naming the kicked session (:class:`~chatroom.core.model.nodemessages.KickHead`),
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

from typing import Any

from chatroom.backends.redis import moderation_scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.replies import key_of
from chatroom.backends.redis.room_steps import leaves_an_index
from chatroom.core.infra.seats import Session
from chatroom.core.model import codec
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.moderation import KickMember, TellUser
from chatroom.core.model.nodemessages import KickHead
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import MODLOG_KEEP


class ModerationSteps:
    """A moderation's outcome: the server's step, the room's, the server's
    after."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def apply(self, session: Session | None, change: DecidedChange) -> None:
        """``change``, decided on the facts of its room by ``session`` (None:
        by a server admin, a room given), stored in its steps; ``CHANGED``
        raised as :class:`~chatroom.core.backend.FactsChangedError` for the
        core to decide again."""
        operands: dict[str, Any] = {
            "change": change,
            "heads": [
                codec.entry_head(KickHead(kick.session))
                for kick in change.of(KickMember)
            ],
            "keep": MODLOG_KEEP,
        }
        if session is not None:
            operands.update(user=key_of(session), token=session.token)
        if self.calls.rooms_apart:
            await self.calls.step(
                moderation_scripts.MODERATING, {"change": change}, refusals={}
            )
            operands["step"] = "room"
        await self.calls.call(
            moderation_scripts.MODERATE, operands, refusals=MEMBERS_ONLY
        )
        left = [kick.leave for kick in change.of(KickMember)]
        left = [leaving for leaving in left if leaves_an_index(leaving)]
        told = change.of(TellUser)
        if left or told:
            await self.calls.step(
                moderation_scripts.MODERATED,
                {
                    "changes": left,
                    "user": name_key(told[0].user) if told else "",
                    "told": codec.encode(told[0].event) if told else "",
                },
                refusals={},
            )
