"""One process has no other nodes: the local :class:`OtherNodes`.

An account's devices in one process share one seat
(:mod:`chatroom.core.infra.seats`), which numbers, lists and ends them itself;
nothing is held, counted or listed anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.core.infra.seats import Session
from chatroom.core.model.facts import WelcomeFacts
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Metadata, Presence
from chatroom.core.server.bus import DeviceRow


class NoOtherNodes:
    """The devices of this process are all the devices there are."""

    async def held_elsewhere(
        self, member: Member, session: Session
    ) -> list[str] | None:
        """One process: an account's devices here share one seat already."""
        return None

    async def show(
        self, member: Member, session: Session, key: str, since: int | None
    ) -> WelcomeFacts | None:
        """A room the account is in here is the seat's already."""
        return None

    async def number(self, account: str, limit: int = 0) -> int | None:
        return None

    async def listed(self, account: str, token: str) -> list[DeviceRow]:
        return []

    async def end(self, account: str, token: str, number: int, reason: str) -> bool:
        return False


class NoPresence:
    """Every IRC user of one process is its door's own: nothing to keep."""

    async def read(self, keys: Sequence[str]) -> dict[str, Presence]:
        return {}

    async def metadata(self, keys: Sequence[str]) -> dict[str, Metadata]:
        return {}
