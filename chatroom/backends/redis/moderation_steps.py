"""A moderation's outcome as a node stores it: one slot per step.

A moderation command is decided by :func:`chatroom.core.moderation.decide`
on facts read apart (``TARGET``, the server's keys; ``FACTS``, the
room's), and its outcome is stored in up to three scripts, in the order
of docs/scaling.md's rule (the index first, the room second; out in the
other order):

1. the server's step (``MODERATING``), when the target was read connected
   or is kicked: the target's session still holds it (``CHANGED`` if
   not), and a kicked member's node told ``kicked seq`` first, seq being
   the number the kick's departure is to take in the room;
2. the room's step (``MODERATE``): the room's facts and the target's
   membership checked, the policy and the events stored, the kick's
   departure (``CHANGED`` if another event came first, so that it would
   not take the number told);
3. the server's step after (``MODERATED``), when the kick took the room
   out of an index (``index_last``) or the target is invited (told on
   every node).

A member told of a kick whose room's step then refused it is not
kicked: its node keeps the kick until the room's event of that number
comes, and acts on it only if it is that kick
(:meth:`~.delivery.NodeRooms.kicked`); the command is decided again
(``CHANGED``). A node that dies between the steps leaves the room as it
was (after step 1), or the room's index naming the room one time too many
(after step 2: u's rooms, which go with its name), or an invitation
untold.
"""

from __future__ import annotations

from chatroom.backends.redis import moderation_scripts, outcomes
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.outcomes import Change
from chatroom.backends.redis.replies import moderation_args
from chatroom.backends.redis.room_steps import leaves_an_index
from chatroom.core import codec
from chatroom.core.backend import DecisionFacts
from chatroom.core.events import Departure
from chatroom.core.moderation import Outcome
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
        told = ""
        if outcome.kick is not None and outcome.events:
            kick = outcome.events[-1]
            read = await self.calls.eval(
                moderation_scripts.KICK_SEATING, key, outcome.kick.key
            )
            room = outcomes.seated(read[0][0])
            # the outcome's other events first, then the kick's departure
            told = str(int(read[1]) + len(outcome.events))
            if isinstance(kick, Departure):
                changes = [outcomes.leaving(key, room, [(outcome.kick.key, kick)])]
        token = target.session if target is not None else ""
        if target is not None and (token or told):
            kicked = codec.encode(outcome.kicked) if outcome.kicked is not None else b""
            await self.calls.step(
                moderation_scripts.MODERATING,
                target.key,
                token,
                told,
                kicked,
                refusals={},
            )
        await self.calls.call(
            moderation_scripts.MODERATE,
            *moderation_args(
                key, session, facts, outcome, told, outcomes.encoded(changes)
            ),
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
