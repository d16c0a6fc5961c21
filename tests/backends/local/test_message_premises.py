"""Changes of messages said before, their premises failing, on the
in-process back-end."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.message_premises import MessagePremisesContract
from tests.backends.contracts.say_premises import CONFIG
from tests.support import local_server


class LocalMessagePremisesTests(MessagePremisesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
