"""A node too busy to read for longer than ``--redis-timeout`` (one
reactor turn of accepting a storm of connections, or the CPU taken by the
machine's other nodes) does not take Redis for dead while Redis answers;
a Redis that really does not answer is still found.

The stall is a turn of the test's reactor (the node's) kept busy for
twice the timeout, as a turn of thousands of accepts keeps it.
"""

from __future__ import annotations

import os
import signal
import time

from twisted.internet import defer, reactor, task

from chatroom.core.model.errors import ChatError
from tests.cluster.support import ClusterTestCase
from tests.support import log_lines, redis_backend, until

#: The nodes' --redis-timeout here, and the stall: twice as long.
TIMEOUT = 0.5
STALL = 2 * TIMEOUT


def stall() -> None:
    """Keep the reactor busy, reading nothing, for :data:`STALL` seconds."""
    until = time.monotonic() + STALL
    while time.monotonic() < until:
        pass


class BusyNodeTests(ClusterTestCase):
    """Calls in flight across a stall of the node's own reactor."""

    @defer.inlineCallbacks
    def test_stalled_node_keeps_redis_that_answers(self):
        """Commands in flight while the node stalls, one begun in the
        stalled turn (sent only at its end), one whose reply waits in the
        socket through the stall: both answered, the link kept, the node
        serving throughout, and alice's message goes out."""
        node = yield self.node("--redis-timeout", str(TIMEOUT))
        backend = redis_backend(node.server)
        alice = yield self.client(node, "alice")
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        log = log_lines(self)
        link = backend.calls.commands.connection

        begun_in_the_stall = defer.ensureDeferred(backend.calls.command("PING"))
        stall()
        self.assertEqual((yield begun_in_the_stall), b"PONG")

        waiting = defer.ensureDeferred(backend.calls.command("PING"))
        yield task.deferLater(reactor, 0, stall)  # the PING sent by then, or now
        self.assertEqual((yield waiting), b"PONG")

        self.assertIs(backend.calls.commands.connection, link)
        self.assertTrue(backend.node.available)
        alice.say("still here")
        said = yield alice.expect_line("MSG general alice ")
        self.assertIn("still here", said)
        self.assertEqual([line for line in log if "in time" in line], [])

    @defer.inlineCallbacks
    def test_stalled_node_keeps_its_subscriber_link(self):
        """A subscription asked for just before the node stalls (as a room
        created in the turn does): made, and the subscriber link kept."""
        node = yield self.node("--redis-timeout", str(TIMEOUT))
        backend = redis_backend(node.server)
        link = backend.calls.subscriber.connection
        subscribing = defer.ensureDeferred(backend.calls.subscribe(b"busy-channel"))
        stall()
        yield subscribing
        self.assertIs(backend.calls.subscriber.connection, link)
        self.assertTrue(backend.node.available)

    @defer.inlineCallbacks
    def test_frozen_redis_is_found_after_a_stall(self):
        """Redis frozen (SIGSTOP) while the node stalls: the call is
        refused once the node has listened for the timeout, the node stops
        serving, and serves again once Redis runs."""
        node = yield self.node("--redis-timeout", str(TIMEOUT))
        backend = redis_backend(node.server)
        log = log_lines(self)
        os.kill(self.redis.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.redis.pid, signal.SIGCONT)
        unanswered = defer.ensureDeferred(backend.calls.command("PING"))
        stall()
        yield self.assertFailure(unanswered, ChatError)
        yield until(lambda: defer.succeed(not backend.node.available), 5, "unavailable")
        # The first call the freeze catches says so: the PING, or a call the
        # node's start-up still had in flight (its accounts' re-keying).
        self.assertRegex("\n".join(log), r"Redis did not answer \S+ in time")
        os.kill(self.redis.pid, signal.SIGCONT)
        yield backend.when_available()
