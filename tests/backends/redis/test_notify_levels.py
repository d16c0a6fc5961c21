"""Per-room notification levels against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.notify_levels import NotifyLevelsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisNotifyLevelsTests(RedisRegistryTestCase, NotifyLevelsContract):
    config = CONFIG
