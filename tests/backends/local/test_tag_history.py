"""Tags-only messages kept and played back, against the in-process registry."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.tag_history import CONFIG, TagHistoryContract
from tests.support import NOW, local_server


class LocalTagHistoryTests(TagHistoryContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)
        self.server = local_server(CONFIG, self.clock)
