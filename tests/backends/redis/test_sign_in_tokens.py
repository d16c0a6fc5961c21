"""Device sessions against the Redis back-end on a real redis-server
(``tests/backends/contracts/sign_in_tokens.py``): their premises are
checked by the script that applies each change, a restart is a new node
on the same Redis, and the node's clock is one the test moves on."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.interfaces import IReactorTime

from chatroom.doors.base.hub import DoorHub
from chatroom.wiring.registries import redis_registry
from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.sign_in_tokens import SignInTokensContract
from tests.cluster.support import RedisRegistryTestCase, SteppedReactor


class RedisSignInTokensTests(RedisRegistryTestCase, SignInTokensContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    def node_clock(self) -> IReactorTime:
        self.clock = SteppedReactor()
        return self.clock

    def later(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @defer.inlineCallbacks
    def restarted(self) -> Generator[Any, Any, DoorHub]:
        yield self._stop()
        cluster = self.cluster_config()
        self.registry = redis_registry(self.config, cluster, self.clock)
        server = DoorHub(self.config, clock=self.clock, registry=self.registry)
        server.start()
        yield self.registry.backend.when_available()
        return server
