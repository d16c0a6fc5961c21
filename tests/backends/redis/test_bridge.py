"""The Matrix bridge against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.bridge import BridgeContract
from tests.backends.contracts.handler import CONFIG
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryBridgeTests(RedisRegistryTestCase, BridgeContract):
    config = CONFIG
