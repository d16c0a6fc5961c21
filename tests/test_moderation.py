"""Accounts, moderation and admins against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.server import ChatServer
from tests.moderation_contract import CONFIG, ModerationContract


class LocalModerationTests(ModerationContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = ChatServer(CONFIG, clock=self.clock)
