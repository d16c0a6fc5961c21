"""Many rooms and read markers against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.multi import CONFIG, MultiContract
from tests.support import local_server


class LocalMultiTests(MultiContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
