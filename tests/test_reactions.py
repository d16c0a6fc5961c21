"""Reactions, typing and the moderation log (issue 22) with the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.config import ServerConfig
from chatroom.wiring.server import ChatServer
from tests.reaction_contract import REACTION_CONFIG, ReactionContract
from tests.support import FakeClient


class LocalRegistryReactionTests(ReactionContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = ChatServer(REACTION_CONFIG, clock=self.clock)
