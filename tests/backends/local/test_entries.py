"""Joins, creates and leaves against the in-process back-end
(``tests/backends/entries_contract.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.entries import CONFIG, EntriesContract
from tests.support import local_server


class LocalEntriesTests(EntriesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
