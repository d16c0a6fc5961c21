"""Bot accounts against the Redis back-end on a real redis-server
(``tests/backends/contracts/bots.py``): their premises are checked
by the script that applies the change, and a restart is a new node on the
same Redis."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor

from chatroom.doors.base.hub import DoorHub
from chatroom.wiring.registries import redis_registry
from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.bots import BotsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisBotsTests(RedisRegistryTestCase, BotsContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def restarted(self) -> Generator[Any, Any, DoorHub]:
        yield self._stop()
        cluster = self.cluster_config()
        self.registry = redis_registry(self.config, cluster, reactor)
        server = DoorHub(self.config, clock=reactor, registry=self.registry)
        server.start()
        yield self.registry.backend.when_available()
        return server
