"""E-mail addresses and resets by mail against the in-process back-end
(``tests/backends/contracts/mailbox.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.mailbox import MailboxContract
from tests.support import local_server


class LocalMailboxTests(MailboxContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
