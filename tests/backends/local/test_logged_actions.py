"""Moderation actions logged in their own change, with the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.logged_actions import CONFIG, LoggedActionsContract
from tests.support import local_server


class LocalLoggedActionsTests(LoggedActionsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
