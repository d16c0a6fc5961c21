"""A message's and a read marker's premises, on the in-process back-end."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.say_premises import CONFIG, SayPremisesContract
from tests.support import local_server


class LocalSayPremisesTests(SayPremisesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
