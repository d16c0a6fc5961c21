"""The Matrix bridge against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.bridge import BridgeContract, BridgeLifeContract
from tests.backends.contracts.handler import CONFIG
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryBridgeTests(RedisRegistryTestCase, BridgeContract):
    config = CONFIG


class RedisRegistryBridgeLifeTests(RedisRegistryTestCase, BridgeLifeContract):
    config = CONFIG
