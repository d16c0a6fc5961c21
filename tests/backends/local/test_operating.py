"""The operator's commands with the in-process registry; the same contract
runs on Redis in ``tests/cluster/test_operating_redis.py``."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.handler_contract import CONFIG
from tests.operating_contract import OperatingContract
from tests.support import local_server


class LocalRegistryOperatingTests(OperatingContract, unittest.TestCase):
    """Every answer arrives within the call that made it."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
