"""Messages to a room's operators (IRC ``STATUSMSG``) with the in-process
registry; the same contract runs on Redis in
``tests/backends/redis/test_operators.py``."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.operators import OperatorsContract
from tests.support import local_server


class LocalRegistryOperatorsTests(OperatorsContract, unittest.TestCase):
    """Every delivery arrives within the call that made it."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
