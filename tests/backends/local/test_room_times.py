"""Room and topic times at the IRC door against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.room_times import CONFIG, RoomTimesContract
from tests.support import NOW, local_server


class LocalRoomTimesTests(RoomTimesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)  # a room made at 0 has no known time
        self.server = local_server(CONFIG, self.clock)
