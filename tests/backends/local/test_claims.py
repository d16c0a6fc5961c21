"""A name's claim against the in-process back-end
(``tests/backends/contracts/claims.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.claims import CONFIG, ClaimsContract
from tests.support import local_server


class LocalClaimsTests(ClaimsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
