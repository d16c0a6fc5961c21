"""Mail for what an account missed, in one process: the registry and the
rule on one ``task.Clock`` (``tests/backends/contracts/missed_mail.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.mailbox import KeptLetters
from tests.backends.contracts.missed_mail import CONFIG, MissedMailContract
from tests.support import local_server


class LocalMissedMailTests(MissedMailContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.mail_sender = KeptLetters()
        self.server = local_server(CONFIG, self.clock, mailer=self.mail_sender)
        self.addCleanup(self.server.stop)

    def pass_time(self, seconds: float) -> None:
        self.clock.advance(seconds)
