"""Tags-only messages kept and played back, against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.support import NOW, local_server
from tests.tag_history_contract import CONFIG, TagHistoryContract


class LocalTagHistoryTests(TagHistoryContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)
        self.server = local_server(CONFIG, self.clock)
