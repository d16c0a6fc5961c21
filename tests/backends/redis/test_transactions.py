"""``/txn`` (issue 81) against the Redis registry (a real redis-server)."""

from __future__ import annotations

from twisted.internet import defer, reactor

from chatroom.backends.redis.replicas import ReplicaWait
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


class RedisHeldKeyedTellTests(RedisRegistryTestCase, KeyedTellContract):
    """The same as behind ``--redis-replicas``: each message held beside
    its key by ``keep-key``, then told by ``publish-held`` once the node's
    ``WAIT`` confirmed it (for no replica: this Redis has none, and ``WAIT
    0`` answers at once), and confirmed again (docs/scaling.md, *The
    Sentinel constraint*; tests/cluster/test_sentinel_keys.py has a
    replica)."""

    config = CONFIG

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        backend = self.registry.backend
        timeout = backend.cluster.redis_timeout
        wait = ReplicaWait(backend.calls, reactor, 0, timeout)
        backend.conversations.replication = wait
