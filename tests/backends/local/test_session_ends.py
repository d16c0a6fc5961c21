"""Sessions' ends against the in-process back-end
(``tests/backends/contracts/session_ends.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.session_ends import CONFIG, SessionEndsContract
from tests.support import local_server


class LocalSessionEndsTests(SessionEndsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
