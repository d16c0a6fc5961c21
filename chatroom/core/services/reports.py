"""Where what a back-end reports of its own accord reaches the core.

A back-end is handed :class:`CoreReports` as it starts
(:meth:`~chatroom.core.backend.Backend.start`), once every part that
decides on what it reports has been built over its stores. Each report goes
to the part that decides: an ended session to the core's release
(:meth:`~chatroom.core.services.names.Names.end_session`), a room shown by another
node's device and a device another node's ``/logout ID`` ends to
:class:`~chatroom.core.services.devices.Devices`, the rooms
sessions' ends leave to :class:`~chatroom.core.rooms.departures.Departures`,
rooms whose wait is over to :class:`~chatroom.core.rooms.settling.Settling`,
names devices elsewhere hold when their own session ended to the heir
:func:`~chatroom.core.services.claims.handed_over` chooses, a room's rename
and a departure decided on another node to the rooms' calls
(:class:`~chatroom.core.calls.service.Calls`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.facts import Ending, HeldElsewhere, WaitingFacts
from chatroom.core.model.member import Member
from chatroom.core.rooms.departures import Departures
from chatroom.core.rooms.settling import Settling
from chatroom.core.services.claims import handed_over


class RoomsFollowed(Protocol):
    """What of the rooms' calls (:class:`~chatroom.core.calls.service.
    Calls`) follows a room's rename and a departure decided elsewhere."""

    def room_renamed(self, old: str, new: str) -> None: ...

    def departed_elsewhere(self, room: str, user: str) -> None: ...


class CoreReports:
    """The core's :class:`~chatroom.core.backend.Reports`."""

    def __init__(
        self,
        end_session: Callable[[Member, str], None],
        shown: Callable[[Member, str], None],
        departures: Departures,
        settling: Settling,
        logged_out: Callable[[Member, int, str], None],
        calls: RoomsFollowed,
        stand: Callable[[tuple[str, ...]], None],
    ) -> None:
        """Args:
        end_session: ends a session from the shared side (its rooms hear
            why, then its door closes it).
        shown: told a room another node's device of an account entered.
        departures: decides the departures of sessions' ends.
        settling: decides the successions of rooms whose wait is over.
        logged_out: ends a device of a seat here that another node's
            ``/logout ID`` ended.
        calls: the rooms' calls, which follow a room's rename and take out
            a participant here whose account left the room elsewhere.
        stand: stands here the accounts a stopping node hands over (the
            core's :meth:`~chatroom.core.rooms.standing.StandingMembers.
            stand_all`).
        """
        self._end_session = end_session
        self._shown = shown
        self._departures = departures
        self._settling = settling
        self._logged_out = logged_out
        self._calls = calls
        self._stand = stand

    def stand_here(self, names: tuple[str, ...]) -> None:
        self._stand(names)

    def device_logged_out(self, seat: Member, number: int, reason: str) -> None:
        self._logged_out(seat, number, reason)

    def session_ended(self, member: Member, reason: str) -> None:
        self._end_session(member, reason)

    def room_shown(self, seat: Member, key: str) -> None:
        self._shown(seat, key)

    def room_renamed(self, old: str, new: str) -> None:
        self._calls.room_renamed(old, new)

    def departed_elsewhere(self, room: str, user: str) -> None:
        self._calls.departed_elsewhere(room, user)

    async def sessions_ended(self, ending: Ending) -> None:
        await self._departures.sessions_ended(ending)

    async def rooms_waited(self, waiting: list[WaitingFacts], due: int) -> None:
        await self._settling.rooms_waited(waiting, due)

    def heirs(self, held: list[HeldElsewhere]) -> list[DecidedChange]:
        return handed_over(held)
