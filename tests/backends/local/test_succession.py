"""A room's succession against the in-process back-end
(``tests/backends/contracts/succession.py``): its wait is a restored room's
grace period, over when the grace timer fires."""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.local_backend import LocalBackend
from tests.backends.contracts.succession import CONFIG, SuccessionContract
from tests.support import local_backend, local_server


class LocalSuccessionTests(SuccessionContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)

    @property
    def backend(self) -> LocalBackend:
        return local_backend(self.server)

    def owner_away(self, room: str, owner: str, until: int) -> defer.Deferred[None]:
        """As a restart leaves a restored room its owner has not rejoined."""
        where = self.backend.rooms.by_key[room]
        where.owner, where.absent_owner = None, owner
        where.restored, where.waits_until = True, until
        return defer.succeed(None)

    def wait_over(self, room: str, due: int) -> defer.Deferred[None]:
        """The grace timer fires at ``due``."""
        self.clock.advance(due / 1000 - self.clock.seconds())
        self.backend._grace_over()
        return defer.succeed(None)
