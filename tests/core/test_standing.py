"""Members with no connection (chatroom.core.rooms.standing): a Matrix
user's device ends on a node once it is in no room there, as when the
user left its last portal through another node; a bot's does not (its
API calls and event streams need it, in a room or not)."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.rooms.standing import StandingMember, StandingMembers


class RoomlessTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.released: list[tuple[str, str]] = []

        async def claim(member: Any, name: str, key: str) -> None:
            return None

        async def arrive(member: Any) -> None:
            member.rooms.add("general")  # its remembered room, entered again

        def release(member: Any, reason: str) -> None:
            self.released.append((member.name, reason))

        self.standing = StandingMembers(self.clock, claim, arrive, release)

    def stood(self, name: str) -> StandingMember:
        return self.successResultOf(Deferred.fromCoroutine(self.standing.stand(name)))

    def test_a_matrix_user_who_left_elsewhere_goes_here(self) -> None:
        """Its last room left through another node: its device here ends
        in the next turn, its rooms told it left."""
        member = self.stood("mxcat:example.org")
        member.left_elsewhere("general", None)
        self.assertIs(self.standing.find("mxcat:example.org"), member)
        self.clock.advance(0)
        self.assertIsNone(self.standing.find("mxcat:example.org"))
        self.assertEqual(self.released[0], ("mxcat:example.org", "left"))

    def test_a_matrix_user_seated_again_at_once_stays(self) -> None:
        """Back in a room before the turn ends (joined again): it stays."""
        member = self.stood("mxcat:example.org")
        member.left_elsewhere("general", None)
        member.rooms.add("tea")
        self.clock.advance(0)
        self.assertIs(self.standing.find("mxcat:example.org"), member)
        self.assertEqual(self.released, [])

    def test_a_bot_in_no_room_stays(self) -> None:
        """A bot out of its last room still stands: its streams go on."""
        member = self.stood("robot")
        member.left_elsewhere("general", None)
        self.clock.advance(0)
        self.assertIs(self.standing.find("robot"), member)
        self.assertEqual(self.released, [])
