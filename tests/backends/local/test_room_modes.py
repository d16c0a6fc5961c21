"""A room's limit, voices and moderation against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.room_modes import CONFIG, RoomModesContract
from tests.support import local_server


class LocalRoomModesTests(RoomModesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
