"""Records handed as typed changes, against the Redis registry (a real
redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.records import RecordsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRecordsTests(RedisRegistryTestCase, RecordsContract):
    config = CONFIG
