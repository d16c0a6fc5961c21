"""A moderation's outcome as a node stores it: one slot per step.

A moderation command is decided by :func:`chatroom.core.moderation.decide`
on facts read apart (``TARGET``, the server's keys; ``FACTS``, the
room's), and its outcome is stored in up to three scripts, in the order
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

from chatroom.backends.redis import moderation_scripts, outcomes, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.outcomes import Change
from chatroom.backends.redis.replies import moderation_args
from chatroom.backends.redis.room_steps import leaves_an_index
from chatroom.core import codec
from chatroom.core.backend import DecisionFacts
from chatroom.core.events import Departure
from chatroom.core.moderation import Outcome
from chatroom.core.nodemessages import KickHead
from chatroom.core.sessions import SeatSession


class ModerationSteps:
    """A moderation's outcome: the server's step, the room's, the server's
    after."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def apply(
        self, key: str, session: SeatSession, facts: DecisionFacts, outcome: Outcome
    ) -> None:
        """``outcome``, decided on ``facts`` of room ``key`` by ``session``,
        stored in its steps; ``CHANGED`` raised as
        :class:`~chatroom.core.backend.FactsChangedError` for the core to
        decide again."""
        target = facts.target
        changes: list[Change] = []
        kicked = outcome.kick
        kick = outcome.events[-1] if outcome.events else None
        if kicked is not None and isinstance(kick, Departure):
            read = await self.calls.eval(scripts.SEATINGS, key, kicked.key)
            room = outcomes.seated(read[0])
            head = {kicked.key: codec.entry_head(KickHead(kicked.session))}
            changes = [outcomes.leaving(key, room, [(kicked.key, kick)], heads=head)]
        if target is not None and target.session and not target.present:
            await self.calls.step(
                moderation_scripts.MODERATING,
                target.key,
                target.session,
                refusals={},
            )
        await self.calls.call(
            moderation_scripts.MODERATE,
            *moderation_args(key, session, facts, outcome, outcomes.encoded(changes)),
            refusals=MEMBERS_ONLY,
        )
        left = [change for change in changes if leaves_an_index(change)]
        notify = outcome.notify
        if target is not None and (left or notify is not None):
            invited = codec.encode(notify[1]) if notify is not None else b""
            await self.calls.step(
                moderation_scripts.MODERATED,
                target.key,
                outcomes.encoded(left),
                invited,
                refusals={},
            )
