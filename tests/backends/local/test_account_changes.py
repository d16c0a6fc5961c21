"""Account changes against the in-process back-end
(``tests/backends/contracts/account_changes.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.account_changes import CONFIG, AccountChangesContract
from tests.support import local_server


class LocalAccountChangesTests(AccountChangesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
