"""A room's succession against the Redis back-end on a real redis-server
(``tests/backends/contracts/succession.py``): its wait is a room a node
left empty when it went, over when a heartbeat finds it due; the premises
are checked by the script that applies the change."""

from __future__ import annotations

from twisted.internet import defer

from tests.backends.contracts.succession import CONFIG, SuccessionContract
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_command


class RedisSuccessionTests(RedisRegistryTestCase, SuccessionContract):
    config = CONFIG

    def owner_away(self, room: str, owner: str, until: int) -> defer.Deferred[None]:
        """As a node that went leaves a room: owned by a user it no longer
        seats, waiting (``keep_until``) for its members."""
        key = f"{self.registry.backend.calls.prefix}room:{room}"
        setting = redis_command(
            self.server, "HSET", key, "owner", owner, "keep_until", until
        )
        return setting.addCallback(lambda _: None)

    def wait_over(self, room: str, due: int) -> defer.Deferred[None]:
        """A heartbeat finds the wait due at ``due``."""
        return defer.ensureDeferred(self.registry.backend.settle([room], due))
