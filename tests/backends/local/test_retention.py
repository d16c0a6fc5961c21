"""A room's history kept by age, on the in-process registry and its
SQLite store (``tests/backends/contracts/retention.py``)."""

from __future__ import annotations

from chatroom.backends.local.store import AGE_TRIM_INTERVAL
from tests.backends.contracts.retention import RETENTION_CONFIG, RetentionContract
from tests.support import NOW, StoreFileTestCase


class LocalRetentionTests(RetentionContract, StoreFileTestCase):
    """Every reply arrives within the call that sent the line; the store
    writes on the test's clock."""

    config = RETENTION_CONFIG

    def setUp(self) -> None:
        super().setUp()
        self.clock.advance(NOW)
        self.server = self.start()

    def stored(self) -> None:
        """The store's next flush, and its next trim by age (one a minute
        at most), come round."""
        self.clock.advance(AGE_TRIM_INTERVAL + 1)

    def moved_on(self, seconds: float) -> None:
        self.clock.advance(seconds)
