"""Pinned messages against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.pins import PinsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryPinsTests(RedisRegistryTestCase, PinsContract):
    config = CONFIG
