"""A room's call: its subject, premises and operations.

A room has at most one call (:mod:`chatroom.core.calls`): started, joined
and left by its members' connections, ended when its last participant
leaves. Nothing of it is stored beyond its life: the back-ends keep it in
memory (one process) or under the room's call key in Redis (a cluster),
and drop it when it ends. The core decides every change on the call as it
read it (:class:`CallIs`, :class:`Participants`); a change that finds
another call, or other participants, is refused and decided again.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Premise, RoomSubject, declare


@dataclass(frozen=True)
class Participant:
    """One participant of a call: its ``name`` as shown, its name key
    ``user``, its session's ``token`` (the node that serves it is the
    token's namespace) and ``connection``, the one connection of the
    session that is in the call, which is its seat's device ``device`` (an
    account's other devices are not in the call; 0: a seat's one device)."""

    name: str
    user: str
    token: str
    connection: str
    device: int = 0


@dataclass(frozen=True)
class CallFacts:
    """A room's call as read: its id, the room's name as shown, when it
    started (Unix seconds) and its participants in the order they joined."""

    room: str
    call: str
    since: int
    participants: tuple[Participant, ...]

    def of(self, user: str) -> Participant | None:
        """The participant whose name key is ``user``, if any."""
        return next((p for p in self.participants if p.user == user), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.participants)


@dataclass(frozen=True)
class RoomCall(RoomSubject):
    """Room ``room``'s call (its name key)."""


# -- premises --------------------------------------------------------------------


@dataclass(frozen=True)
class CallIs(Premise):
    """The room's call is ``call`` ("": no call is on)."""

    call: str


@dataclass(frozen=True)
class Participants(Premise):
    """The call's participants are ``users`` (name keys), in this order."""

    users: tuple[str, ...]


# -- operations ------------------------------------------------------------------


@dataclass(frozen=True)
class StartCall(Operation):
    """A call ``call`` in room ``name`` (as shown), started at ``since``
    (Unix seconds) by ``by``, its first participant."""

    call: str
    name: str
    since: int
    by: Participant


@dataclass(frozen=True)
class JoinCall(Operation):
    """``participant`` joins the call, last."""

    participant: Participant


@dataclass(frozen=True)
class LeaveCall(Operation):
    """The participant whose name key is ``user`` leaves the call."""

    user: str


@dataclass(frozen=True)
class RenameParticipant(Operation):
    """The participant whose name key is ``user`` is ``participant`` from
    now on (its ``/nick``: a new name, the same connection), in its place."""

    user: str
    participant: Participant


@dataclass(frozen=True)
class EndCall(Operation):
    """The call is over: nothing of it is kept."""


declare(
    RoomCall,
    operations=(StartCall, JoinCall, LeaveCall, RenameParticipant, EndCall),
    premises=(CallIs, Participants),
)
