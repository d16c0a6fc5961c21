"""A node on a Redis Cluster, each room in a slot of its own (its calls
routed by slot, :mod:`chatroom.backends.redis.routing`), too busy to read
for longer than ``--redis-timeout``: it keeps the shard links whose Redis
answers, and still finds a Redis that does not.

As ``test_busy_node.py`` for one Redis, on the one-server Redis Cluster
the contract tests share (``tests/cluster/redis_cluster.py``): the stall
is a turn of the test's reactor (the node's) kept busy for twice the
timeout, as a turn of thousands of accepts keeps it.
"""

from __future__ import annotations

import os
import signal

from twisted.internet import defer, reactor, task

from chatroom.backends.redis.routing import RoutedCalls
from chatroom.core.model.errors import ChatError
from chatroom.redisclient.slots import key_slot
from tests.cluster import redis_cluster
from tests.cluster.redis_cluster import emptied_cluster_server
from tests.cluster.support import ClusterTestCase
from tests.cluster.test_busy_node import TIMEOUT, stall
from tests.support import log_lines, redis_backend, until

#: A room's key, in the room's own slot.
ROOM_KEY = "{chatroom/busy}:room"


class BusyClusterNodeTests(ClusterTestCase):
    """A room's calls in flight on its shard's links across a stall of the
    node's own reactor."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.cluster_port = yield emptied_cluster_server()
        self.redis_url = f"cluster://127.0.0.1:{self.cluster_port}"

    @defer.inlineCallbacks
    def routed_node(self):
        """A node on the cluster, rooms apart, its --redis-timeout short,
        and its routed calls."""
        node = yield self.node("--redis-timeout", str(TIMEOUT))
        backend = redis_backend(node.server)
        self.assertIsInstance(backend.calls, RoutedCalls)
        return node, backend

    @defer.inlineCallbacks
    def test_stalled_node_keeps_shards_that_answer(self):
        """A room's command begun in the stalled turn (sent only at its
        end), then one whose reply waits in the socket through the stall:
        both answered on the room's shard link, which is kept; the node
        serves throughout, and alice's message in a room goes out."""
        node, backend = yield self.routed_node()
        alice = yield self.client(node, "alice")
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        log = log_lines(self)
        shard = backend.calls.shards.link_for(key_slot(ROOM_KEY))
        assert shard is not None
        link = shard.connection

        begun_in_the_stall = defer.ensureDeferred(
            backend.calls.keyed("SET", ROOM_KEY, "set")
        )
        stall()
        self.assertEqual((yield begun_in_the_stall), b"OK")

        waiting = defer.ensureDeferred(backend.calls.keyed("GET", ROOM_KEY))
        yield task.deferLater(reactor, 0, stall)  # the GET sent by then, or now
        self.assertEqual((yield waiting), b"set")

        self.assertIs(shard.connection, link)
        self.assertTrue(backend.node.available)
        alice.say("still here")
        said = yield alice.expect_line("MSG general alice ")
        self.assertIn("still here", said)
        self.assertEqual([line for line in log if "in time" in line], [])

    @defer.inlineCallbacks
    def test_stalled_node_keeps_its_shard_subscriber(self):
        """A room's subscription (``SSUBSCRIBE`` on its shard's subscriber
        link) asked for just before the node stalls, as a room created in
        the turn asks: made, and that link kept."""
        _node, backend = yield self.routed_node()
        slot = key_slot(b"{chatroom/busy}")
        subscriber = backend.calls.subscribers.link_for(slot)
        assert subscriber is not None
        link = subscriber.connection
        subscribing = defer.ensureDeferred(
            backend.calls.subscribe(b"{chatroom/busy}:chan")
        )
        stall()
        yield subscribing
        self.assertIs(subscriber.connection, link)
        self.assertTrue(backend.node.available)

    @defer.inlineCallbacks
    def test_frozen_cluster_is_found_after_a_stall(self):
        """The cluster's Redis frozen (SIGSTOP) while the node stalls: a
        room's command is refused once the node has listened for the
        timeout, the node stops serving, and serves again once it runs."""
        _node, backend = yield self.routed_node()
        log = log_lines(self)
        pid = redis_cluster._shared.pid  # type: ignore[union-attr]
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(os.kill, pid, signal.SIGCONT)
        unanswered = defer.ensureDeferred(backend.calls.keyed("GET", ROOM_KEY))
        stall()
        yield self.assertFailure(unanswered, ChatError)
        yield until(lambda: defer.succeed(not backend.node.available), 5, "unavailable")
        self.assertRegex("\n".join(log), r"did not answer \S* ?in time")
        os.kill(pid, signal.SIGCONT)
        yield backend.when_available()
