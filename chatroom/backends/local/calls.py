"""Rooms' calls in one process: the local :class:`~chatroom.core.model.calls.CallStore`.

Kept in memory only, and only while a call is on: nothing of a call is
stored (no ``--db`` table), and a restart has none, as every connection in
one was closed. Nothing here waits, so a change (:meth:`LocalCalls.apply`)
checks its premises and performs its operations in one call.
"""

from __future__ import annotations

from dataclasses import replace

from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.calls import (
    CallFacts,
    CallIs,
    EndCall,
    JoinCall,
    LeaveCall,
    Participants,
    RenameParticipant,
    RoomCall,
    StartCall,
)


class LocalCalls:
    """Room key → its call."""

    def __init__(self) -> None:
        self.by_room: dict[str, CallFacts] = {}

    async def call_of(self, room: str) -> CallFacts | None:
        return self.by_room.get(room)

    def call_in(self, room: str) -> CallFacts | None:
        """Room ``room``'s call now, for its join reply (read in the join's
        step, as the Redis back-end's join script answers it)."""
        return self.by_room.get(room)

    def moved(self, old: str, new: str, name: str) -> None:
        """Room ``old`` (its key) is now called ``name`` (key ``new``): its
        call, if one is on, goes on under that name."""
        call = self.by_room.pop(old, None)
        if call is not None:
            self.by_room[new] = replace(call, room=name)

    @applies(RoomCall)
    async def apply(self, change: DecidedChange) -> None:
        room = change.room
        call = self.by_room.get(room)
        for premise in change.premises:
            if isinstance(premise, CallIs):
                holds = (call.call if call is not None else "") == premise.call
            elif isinstance(premise, Participants):
                users = tuple(p.user for p in call.participants) if call else ()
                holds = users == premise.users
            else:
                raise TypeError(f"not a premise of a room's call: {premise!r}")
            if not holds:
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, StartCall):
                call = CallFacts(op.name, op.call, op.since, (op.by,))
            elif isinstance(op, JoinCall) and call is not None:
                call = replace(call, participants=(*call.participants, op.participant))
            elif isinstance(op, LeaveCall) and call is not None:
                staying = tuple(p for p in call.participants if p.user != op.user)
                call = replace(call, participants=staying)
            elif isinstance(op, RenameParticipant) and call is not None:
                renamed = tuple(
                    op.participant if p.user == op.user else p
                    for p in call.participants
                )
                call = replace(call, participants=renamed)
            elif isinstance(op, EndCall):
                call = None
            else:
                raise TypeError(f"not an operation on a room's call: {op!r}")
        if call is None:
            self.by_room.pop(room, None)
        else:
            self.by_room[room] = call
