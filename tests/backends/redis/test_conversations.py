"""Private conversations that stay, against the Redis back-end on a real
redis-server (``tests/backends/contracts/conversations.py``), on one
server and with rooms spread over a Redis Cluster's shards."""

from __future__ import annotations

from tests.backends.contracts.conversations import CONFIG, ConversationsContract
from tests.cluster.redis_cluster import RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase


class RedisConversationsTests(RedisRegistryTestCase, ConversationsContract):
    config = CONFIG


class RedisClusterConversationsTests(RoomsApartRegistryTestCase, ConversationsContract):
    config = CONFIG
