"""Private conversations that stay, against the in-process back-end
(``tests/backends/contracts/conversations.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.conversations import CONFIG, ConversationsContract
from tests.support import local_server


class LocalConversationsTests(ConversationsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
