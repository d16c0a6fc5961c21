"""Events counted in a sliding window in a real redis-server, shared by
every node: the contract (:mod:`tests.backends.contracts.windows`)."""

from __future__ import annotations

from chatroom.core.infra.throttle import SharedWindows
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.windows import WindowsContract
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend


class RedisWindowsTests(RedisRegistryTestCase, WindowsContract):
    config = CONFIG

    def counter(self) -> SharedWindows:
        return redis_backend(self.server)
