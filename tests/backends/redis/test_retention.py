"""A room's history kept by age, on the Redis registry on a real
redis-server (``tests/backends/contracts/retention.py``)."""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from tests.backends.contracts.retention import RETENTION_CONFIG, RetentionContract
from tests.cluster.support import RedisRegistryTestCase, SteppedReactor


class RedisRetentionTests(RedisRegistryTestCase, RetentionContract):
    """Replies come once Redis has answered; the node's clock is the
    reactor's, moved on by the test."""

    config = RETENTION_CONFIG

    def node_clock(self) -> IReactorTime:
        self.clock = SteppedReactor()
        return self.clock

    def moved_on(self, seconds: float) -> None:
        self.clock.advance(seconds)
