"""Every room's history by age in Redis: a sweep's steps.

The core hands a sweep (:mod:`chatroom.core.messages.retention`) as one change of
every room's kept events
(:class:`~chatroom.core.model.changes.messages.StoredHistories`): the oldest time kept
(:class:`~chatroom.core.model.changes.messages.AgeOut`) and the lease it rests on
(:class:`~chatroom.core.model.changes.messages.SweepLease`). A room's history is in its
room's slot and the rooms are listed in the server's, so it goes in steps, each bounded
whatever the chat's size: ``AGE_SWEEP`` (the server's slot) checks and renews the lease
and reads the next chunk of the rooms' index (``P rooms``, ``HSCAN``); then ``AGE_OUT``
trims each of those rooms' history in its own slot, as ``SAY`` does the room spoken
in (the prelude's ``age_out``: at most ``AGE_LOOKS`` entries a call, so a
long-quiet room's takes a few, each going on from where the last stopped:
a run of entries that carry no time, however long, never stops the trim
short of the dated entries after it). Applied in part, by a node that
stopped half-way, the sweep leaves rooms untrimmed and nothing wrong: the
next one trims them.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.messages import StoredHistories

#: The most rooms one ``AGE_SWEEP`` reads of the rooms' index (``HSCAN``'s
#: ``COUNT``, a hint it keeps to closely on a large hash): each chunk's
#: call, and the trims that follow it, stay the same size as the chat grows.
SWEEP_CHUNK = 100

#: Operands: ``change`` (the sweep: resting on its lease, which the holder
#: takes or keeps for its time), cursor ('0' to start), count (the
#: chunk's size). ``{'CHANGED', the failed premise's place}`` and nothing
#: changed while another node holds the sweep's lease (``P ageing``); else
#: ``{'OK', next cursor ('0': the last chunk), room keys}``: the next chunk
#: of the rooms' index.
AGE_SWEEP = Script("age-sweep", subjects=(StoredHistories,))

#: Operands: ``change`` (the sweep), room, from (the entry to look from, 0:
#: the front). The room's kept events said before the sweep's oldest time
#: go, of every kind, from the front (the prelude's ``age_out``, as ``SAY``
#: applies ``Append.oldest``; an entry that carries no time goes with the
#: first dated one after it that goes). Answers how many went, 1 if the
#: trim is done, 0 if more may be left (the call looked as far as one
#: may), and the entry the next call looks from.
AGE_OUT = Script("age-out", room_at="room")


class HistoryAgeing:
    """Every room's history trimmed by age, one bounded step at a time."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(StoredHistories)
    async def apply(self, change: DecidedChange) -> None:
        """The sweep ``change``: :class:`~chatroom.core.model.changes.base.
        PremiseFailedError` (no facts) if another node holds its lease."""
        cursor: bytes | str = "0"
        while True:
            operands = {"change": change, "cursor": cursor, "count": SWEEP_CHUNK}
            reply = await self.calls.eval(AGE_SWEEP, operands)
            if reply[0] != b"OK":
                raise PremiseFailedError(None, change.premises[int(reply[1]) - 1])
            cursor, rooms = reply[1], reply[2]
            for room in rooms:
                await self._trimmed(change, room)
            if cursor == b"0":
                return

    async def _trimmed(self, change: DecidedChange, room: bytes) -> None:
        """Room ``room``'s events said before the sweep's oldest time gone,
        a bounded call at a time until its trim is done: each looks on from
        where the last stopped, past entries that carry no time and wait
        for a dated one after them."""
        start = 0
        while True:
            operands = {"change": change, "room": room, "from": start}
            _dropped, done, start = await self.calls.eval(AGE_OUT, operands)
            if done:
                return
