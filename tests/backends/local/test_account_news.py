"""Account news for IRC clients against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.account import CONFIG, AccountNewsContract
from tests.support import local_server


class LocalAccountNewsTests(AccountNewsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
