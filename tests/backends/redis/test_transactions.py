"""``/txn`` (issue 81) against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.transactions import (
    KeyedTellContract,
    TransactionContract,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryTransactionTests(RedisRegistryTestCase, TransactionContract):
    config = CONFIG


class RedisKeyedTellTests(RedisRegistryTestCase, KeyedTellContract):
    config = CONFIG
