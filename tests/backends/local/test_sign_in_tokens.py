"""Device sessions against the in-process back-end on a SQLite file
(``tests/backends/contracts/sign_in_tokens.py``)."""

from __future__ import annotations

from twisted.internet import defer

from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.sign_in_tokens import SignInTokensContract
from tests.support import NOW, StoreFileTestCase


class LocalSignInTokensTests(SignInTokensContract, StoreFileTestCase):
    """Every reply arrives within the call that sent the line; a restart
    is a second server on the same file, once what was written is
    flushed."""

    config = CONFIG

    def setUp(self) -> None:
        super().setUp()
        self.clock.advance(NOW)
        self.server = self.start()

    def restarted(self) -> defer.Deferred[DoorHub]:
        return defer.succeed(self.start())

    def later(self, seconds: float) -> None:
        self.clock.advance(seconds)
