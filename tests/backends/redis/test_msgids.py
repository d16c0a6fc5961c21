"""IRC ``msgid``\\ s against the Redis registry, and Redis's epoch.

The contract of ``tests/doors/irc/test_irc_msgids.py``
(``tests/backends/contracts/msgid.py``) on a real redis-server; then the
epoch a cluster's msgids carry: every node's is the one kept in Redis (a
node started later finds it), and a Redis that comes back without its data,
whose rooms' ids start again, gets a new one, which every node then uses.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor, task

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.msgid import MsgidContract
from tests.cluster.support import ClusterTestCase, RedisRegistryTestCase
from tests.support import redis_backend


class RedisMsgidTests(RedisRegistryTestCase, MsgidContract):
    """Replies come once Redis has answered."""

    config = ServerConfig(rate=0, history=5, rooms=())


class RedisEpochTests(ClusterTestCase):
    """One epoch for the cluster, kept in Redis with the ids."""

    timeout = 45

    @defer.inlineCallbacks
    def test_nodes_share_the_epoch_until_redis_loses_its_data(
        self,
    ) -> Generator[Any, Any, None]:
        """Two nodes have the same epoch, and a third started later finds
        it; Redis restarted empty gives both running nodes a new one, the
        same for both."""
        one, two = yield self.start_nodes(2)
        epochs = {redis_backend(n.server).store_epoch for n in (one, two)}
        (first,) = epochs
        self.assertEqual(len(first), 10)
        three = yield self.node()
        self.assertEqual(redis_backend(three.server).store_epoch, first)
        yield self.redis.stop()
        yield self.redis.start()  # same port, no data
        for _ in range(400):
            now = {redis_backend(n.server).store_epoch for n in (one, two, three)}
            if len(now) == 1 and first not in now:
                break
            yield task.deferLater(reactor, 0.05, lambda: None)
        self.assertEqual(len(now), 1)
        self.assertNotIn(first, now)
