"""Big rooms' joins and parts against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.rooms.big_rooms import joins_quietly
from tests.backends.contracts.big_rooms import CONFIG, BigRoomsContract
from tests.support import local_server


class LocalBigRoomsTests(BigRoomsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class JoinsQuietlyTests(unittest.TestCase):
    """The rule itself."""

    def test_from_the_threshold_on(self) -> None:
        """A room of ``--big-room`` members or more is joined quietly."""
        self.assertFalse(joins_quietly(2, 3))
        self.assertTrue(joins_quietly(3, 3))
        self.assertTrue(joins_quietly(9999, 1000))

    def test_zero_means_never(self) -> None:
        """``--big-room 0`` announces every arrival, however big the room."""
        self.assertFalse(joins_quietly(1_000_000, 0))
