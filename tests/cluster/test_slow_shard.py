"""A Redis Cluster shard that answers slowly is not a dead one; a frozen one
still is.

A node on the shared Redis Cluster of three primaries
(``tests/cluster/redis_cluster.py``), each room in a slot of its own (its
calls routed by slot, :mod:`chatroom.backends.redis.routing`), with a
``--redis-timeout`` of 1 s. The room ``busy`` is served by a primary
other than the server slot's: what happens to it is that shard's alone.
As ``test_redis_stalled.py`` does for one Redis, the shard is kept busy
by the node's own scripts, each spinning for 0.15 s: Redis reads 16 KiB
of a client a turn, so it runs two or three of them a turn and answers
those, and the last wait past the timeout while the replies before them
keep coming on that shard's link.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from twisted.internet import defer
from twisted.trial import unittest

from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.routing import RoutedCalls
from chatroom.redisclient.deadlines import HEARD_TIMEOUTS, CallDeadlines, PendingCall
from chatroom.redisclient.slots import key_slot
from tests.cluster import redis_cluster
from tests.cluster.redis_cluster import emptied_three_primaries
from tests.cluster.support import ClusterTestCase
from tests.cluster.test_redis_stalled import answered_together, spinning
from tests.support import log_lines, redis_backend, until

#: The room kept busy, and a key of its slot (7634: the second primary's).
ROOM = "busy"
ROOM_KEY = "{chatroom/busy}:room"

#: A room's script that keeps its shard busy for ``ms`` milliseconds
#: (``room`` is the room; ``padding`` makes the call long).
SPIN = Script("spin", spinning("args.ms"), room_at="room")


#: The node's ``--redis-timeout``, in seconds.
TIMEOUT = 1


def deadlines_watched(
    case: unittest.TestCase, deadlines: CallDeadlines
) -> list[PendingCall]:
    """Every call ``deadlines`` watches from now until ``case`` ends: its
    ``began`` and ``deadline`` (in the time the node listened) say which
    deadline timed it out, its first or one it was given while its Redis
    answered."""
    watched: list[PendingCall] = []
    watch = deadlines.watch

    def recorded(*args: Any, **kwargs: Any) -> PendingCall:
        pending = watch(*args, **kwargs)
        watched.append(pending)
        return pending

    deadlines.watch = recorded  # type: ignore[method-assign]
    case.addCleanup(delattr, deadlines, "watch")
    return watched


class SlowShardTests(ClusterTestCase):
    """One shard of three busy, or frozen, under a node's routed calls."""

    timeout = 60

    @defer.inlineCallbacks
    def start_redis(self):
        self.ports = yield emptied_three_primaries()
        self.redis_url = "cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    @defer.inlineCallbacks
    def busy_room_node(self):
        """A node (:data:`TIMEOUT`), its back-end, alice in ``busy``, and
        the port of the primary serving ``busy`` (not the server slot's)."""
        node = yield self.node("--redis-timeout", str(TIMEOUT))
        backend = redis_backend(node.server)
        calls = backend.calls
        assert isinstance(calls, RoutedCalls)
        slots = calls.shards.map
        assert slots is not None
        room_primary = slots.primary_of(key_slot(ROOM_KEY))
        assert room_primary is not None
        self.assertNotEqual(room_primary, slots.primary_of(calls.server_slot))
        alice = yield self.client(node, "alice")
        alice.say(f"/create {ROOM}")
        yield alice.expect_line(f"JOINED {ROOM} ")
        return backend, alice, room_primary[1]

    @defer.inlineCallbacks
    def test_busy_shard_keeps_its_links_and_the_node_serves(self):
        """16 scripts sent at once to the room's shard, each keeping it
        busy 0.15 s: every one answered, the last past the 1 s timeout;
        the shard's commands link is the same connection, no link of the
        node was lost, the node never stopped serving, and alice chats on."""
        backend, alice, _port = yield self.busy_room_node()
        calls = backend.calls
        assert isinstance(calls, RoutedCalls)
        link = calls.shards.link_for(key_slot(ROOM_KEY))
        assert link is not None
        connection = link.connection
        lost = []
        down = calls.shards.on_down

        def dropped():
            lost.append("a link")
            down()

        calls.shards.on_down = calls.subscribers.on_down = dropped
        log = log_lines(self)
        replies, longest = yield answered_together(
            calls.eval(SPIN, {"room": ROOM, "ms": 150, "padding": "x" * 6000})
            for _ in range(16)
        )
        self.assertEqual(replies, [1] * 16)
        self.assertGreater(longest, 1.0)  # the case this test is about
        self.assertIs(link.connection, connection)
        self.assertEqual(lost, [])
        self.assertEqual([line for line in log if "in time" in line], [])
        self.assertTrue(backend.node.available)
        alice.say("still here")
        said = yield alice.expect_line(f"MSG {ROOM} alice ")
        self.assertIn("still here", said)

    @defer.inlineCallbacks
    def test_frozen_shard_is_found(self):
        """The room's primary frozen (SIGSTOP), the other two answering:
        alice's message there is refused (``ERR UNAVAILABLE``) once the
        node has listened for the timeout, the node stops serving, and
        serves again, alice chatting, once that primary runs."""
        backend, alice, port = yield self.busy_room_node()
        log = log_lines(self)
        (pid,) = [
            server.pid
            for server, each in zip(
                redis_cluster._three, redis_cluster._three_ports, strict=True
            )
            if each == port
        ]
        watched = deadlines_watched(self, backend.calls.deadlines)
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(os.kill, pid, signal.SIGCONT)
        alice.say("into the void")
        refused = yield alice.expect_line("ERR ")
        self.assertIn("UNAVAILABLE", refused)
        # Refused at the call's own deadline, not kept while the other
        # shards answer (up to HEARD_TIMEOUTS): judged in the time the
        # node listened, which a loaded machine does not stretch (the
        # wall clock's time to the ERR, it does). Given more time once
        # at most: a reply on its way as the shard froze. Else (seen once
        # in CI, under load, not understood) another call found the shard
        # frozen first, and the log says so by then.
        late = [watch for watch in watched if watch.timed_out]
        if not late:
            self.assertRegex("\n".join(log), r"did not answer|unavailable|gone")
        for watch in late:
            self.assertLess(watch.deadline - watch.began, 3 * TIMEOUT)
        self.assertLess(3, HEARD_TIMEOUTS)
        yield until(lambda: defer.succeed(not backend.node.available), 5, "unavailable")
        self.assertRegex("\n".join(log), r"did not answer \S* ?in time")
        os.kill(pid, signal.SIGCONT)
        yield backend.when_available()
        alice.say("hello again")
        yield alice.expect_line(f"MSG {ROOM} alice ")
