"""Every premise failing, on the in-process back-end
(:class:`~chatroom.backends.local.local_backend.LocalBackend`): its checks
in Python on its own state (``tests/backends/contracts/premise_matrix.py``)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.premise_matrix import CONFIG, PremiseMatrixContract
from tests.support import local_server


class LocalPremiseMatrixTests(PremiseMatrixContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())
