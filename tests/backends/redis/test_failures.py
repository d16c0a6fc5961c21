"""Failures counted under a back-off in a real redis-server, shared by
every node: the contract (:mod:`tests.backends.contracts.failures`)."""

from __future__ import annotations

from chatroom.core.throttle import SharedFailures
from tests.backends.contracts.failures import FailuresContract
from tests.backends.contracts.handler import CONFIG
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend


class RedisFailuresTests(RedisRegistryTestCase, FailuresContract):
    config = CONFIG

    def counter(self) -> SharedFailures:
        return redis_backend(self.server)
