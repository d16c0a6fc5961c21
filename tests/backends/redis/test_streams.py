"""A bot's event streams in a real redis-server, counted over every node:
the contract on one node, then a second node's streams, which count at
the first, and its death, which frees them (at once when its heartbeat
is gone, and from Redis when it is harvested); and a node's resume,
which writes its own streams again."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.streams import (
    STREAMS_CONFIG,
    StreamsContract,
    counted,
    opened,
)
from tests.cluster.support import RedisRegistryTestCase, TwoNodeRegistryTestCase
from tests.support import redis_backend, redis_command


class RedisStreamsTests(RedisRegistryTestCase, StreamsContract):
    config = STREAMS_CONFIG

    def key(self, kind: str) -> str:
        return redis_backend(self.server).calls.prefix + kind

    @defer.inlineCallbacks
    def test_a_resume_writes_the_nodes_streams_again(
        self,
    ) -> Generator[Any, Any, None]:
        """Redis lost the node's two streams (a harvest while it was out
        of touch, a Redis started again) and kept one it no longer has:
        the node's resume writes its own again, forgets the other, and
        the bot is at its limit as before."""
        first = yield opened(self.server)
        yield opened(self.server)
        yield self.ended(self.server, first)
        yield opened(self.server)
        yield redis_command(self.server, "DEL", self.key("streams:robot"))
        yield redis_command(
            self.server, "HSET", self.key("streams:robot"), "gone", "contract"
        )
        yield redis_command(
            self.server, "HSET", self.key("streams:other"), "gone", "contract"
        )
        yield redis_command(
            self.server, "SADD", self.key("node-streams:contract"), "other"
        )
        redis_backend(self.server).streams.republish()
        for _ in range(200):
            if (yield counted(self.server, "other")) == 0:
                break
            yield self.wait()
        kept = yield redis_command(self.server, "HKEYS", self.key("streams:robot"))
        self.assertEqual(len(kept), 2)
        self.assertNotIn(b"gone", kept)
        self.assertNotIn(first.encode(), kept)
        yield self.refused(self.server)


class RedisStreamsOnTwoNodesTests(TwoNodeRegistryTestCase, StreamsContract):
    config = STREAMS_CONFIG

    def key(self, kind: str) -> str:
        return redis_backend(self.server).calls.prefix + kind

    @defer.inlineCallbacks
    def test_a_stream_on_each_node_is_the_limit(self) -> Generator[Any, Any, None]:
        """One stream at node contract, one at node two: a third is
        refused at either; the one at two ended, contract opens one."""
        yield opened(self.server)
        there = yield opened(self.other_server)
        self.assertEqual((yield counted(self.server)), 2)
        yield self.refused(self.server)
        yield self.refused(self.other_server)
        yield self.ended(self.other_server, there)
        yield opened(self.server)
        yield self.refused(self.other_server)

    @defer.inlineCallbacks
    def test_two_asking_for_the_last_place_at_once(
        self,
    ) -> Generator[Any, Any, None]:
        """With one stream open, a stream asked for at each node at once:
        exactly one opens, the other is refused, and two are counted."""
        yield opened(self.server)
        asked = [opened(self.server), opened(self.other_server)]
        answers = yield defer.DeferredList(asked, consumeErrors=True)
        refusals = [result.value.code for ok, result in answers if not ok]
        self.assertEqual(refusals, ["TOO_MANY_DEVICES"])
        self.assertEqual((yield counted(self.server)), 2)

    @defer.inlineCallbacks
    def test_a_dead_nodes_streams_are_freed(self) -> Generator[Any, Any, None]:
        """Node two holds both of robot's streams and dies (its beats stop,
        its links close, its key lapses): they count no more at contract,
        which opens two at once; two's harvest forgets them in Redis."""
        yield opened(self.other_server)
        yield opened(self.other_server)
        yield self.refused(self.server)
        two = redis_backend(self.other_server)
        two.node._heartbeat.stop()
        yield defer.gatherResults([link.stopService() for link in two.calls.links()])
        yield redis_command(self.server, "DEL", self.key("alive:two"))
        self.assertEqual((yield counted(self.server)), 0)
        yield opened(self.server)
        yield opened(self.server)
        yield self.refused(self.server)
        survivor = redis_backend(self.server)
        forgotten = yield defer.Deferred.fromCoroutine(
            survivor.harvest("two", False, 0)
        )
        self.assertTrue(forgotten)
        kept = yield redis_command(self.server, "HVALS", self.key("streams:robot"))
        self.assertEqual(kept, [b"contract", b"contract"])
        index = yield redis_command(self.server, "EXISTS", self.key("node-streams:two"))
        self.assertEqual(index, 0)

    @defer.inlineCallbacks
    def test_a_node_that_leaves_frees_its_streams(
        self,
    ) -> Generator[Any, Any, None]:
        """Node two, holding both streams, stops as a server does: its
        departure forgets them, and contract opens two."""
        yield opened(self.other_server)
        yield opened(self.other_server)
        yield self.stop_other()
        self.assertEqual((yield counted(self.server)), 0)
        kept = yield redis_command(self.server, "EXISTS", self.key("streams:robot"))
        self.assertEqual(kept, 0)
        yield opened(self.server)
        yield opened(self.server)
