"""A room's call through a room's rename and a participant's ``/nick``
with the in-process registry (the calls in this process's memory)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.calls import CallsContract
from tests.backends.contracts.handler import CONFIG
from tests.support import local_server


class LocalRegistryCallsTests(CallsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
