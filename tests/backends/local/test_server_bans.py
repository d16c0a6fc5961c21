"""Server bans as decided changes against the in-process back-end
(``tests/backends/contracts/server_bans.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.server_bans import CONFIG, ServerBanChangesContract
from tests.support import local_server


class LocalServerBanChangesTests(ServerBanChangesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
