"""Reports of messages against the Redis registry (a real redis-server),
one Redis and rooms apart."""

from __future__ import annotations

from tests.backends.contracts.moderation import CONFIG
from tests.backends.contracts.reports import ReportsContract
from tests.cluster.redis_cluster import RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryReportsTests(RedisRegistryTestCase, ReportsContract):
    config = CONFIG


class RoomsApartReportsTests(RoomsApartRegistryTestCase, ReportsContract):
    """The reports' keys are the server's, beside rooms each in a slot."""

    config = CONFIG
