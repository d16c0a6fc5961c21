"""Where what a back-end reports of its own accord reaches the core.

A back-end is built before the parts of the core that decide on what it
reports (they are built on the back-end), so :class:`CoreReports` is
handed to it first and told those parts once they exist
(:meth:`CoreReports.attach`). Each report goes to the part that decides:
a room entered to its member, shown the join reply decided here
(:func:`~chatroom.core.membership.welcome`), an ended session to the
core's release, a room shown by another node's
device and a device another node's ``/logout ID`` ends to
:class:`~chatroom.core.devices.Devices`, the rooms sessions'
ends leave to :class:`~chatroom.core.departures.Departures`, rooms whose
wait is over to :class:`~chatroom.core.settling.Settling`.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core import membership
from chatroom.core.departures import Departures
from chatroom.core.facts import Ending, WaitingFacts, WelcomeFacts
from chatroom.core.member import Member
from chatroom.core.settling import Settling


class CoreReports:
    """The core's :class:`~chatroom.core.backend.Reports`."""

    def __init__(self, end_session: Callable[[Member, str], None]) -> None:
        self._end_session = end_session
        self._shown: Callable[[Member, str], None] = lambda seat, key: None
        self._departures: Departures | None = None
        self._settling: Settling | None = None
        self._logged_out: Callable[[Member, int, str], None] = (
            lambda seat, number, reason: None
        )

    def attach(
        self,
        shown: Callable[[Member, str], None],
        departures: Departures,
        settling: Settling,
        logged_out: Callable[[Member, int, str], None],
    ) -> None:
        """The parts built after the back-end: who is told a room was
        shown, who decides sessions' ends, who settles rooms whose wait
        is over and who ends a device another node logged out."""
        self._shown = shown
        self._departures = departures
        self._settling = settling
        self._logged_out = logged_out

    def device_logged_out(self, seat: Member, number: int, reason: str) -> None:
        self._logged_out(seat, number, reason)

    def session_ended(self, member: Member, reason: str) -> None:
        self._end_session(member, reason)

    def room_shown(self, seat: Member, key: str) -> None:
        self._shown(seat, key)

    def entered(
        self, member: Member, view: WelcomeFacts, since: int | None, bound: int
    ) -> None:
        member.entered(membership.welcome(view, since, bound))

    async def sessions_ended(self, ending: Ending) -> None:
        if self._departures is None:
            raise RuntimeError("sessions reported before the core was built")
        await self._departures.sessions_ended(ending)

    async def rooms_waited(self, waiting: list[WaitingFacts], due: int) -> None:
        if self._settling is None:
            raise RuntimeError("rooms reported before the core was built")
        await self._settling.rooms_waited(waiting, due)
