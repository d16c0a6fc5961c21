"""A node's heartbeat never waits behind ``WAIT`` (issue 35, the chaos
run's cause 4).

With ``--redis-replicas 1`` each message's acknowledgement waits for
Redis's ``WAIT``, which blocks the connection it is sent on for up to half
of ``--redis-timeout`` while the replica lags. A heartbeat on that same
connection waited behind it, the node's heartbeat key expired while it was
alive, and the other nodes harvested its users. Real processes: a primary
and its replica (stopped with ``SIGSTOP``, so every ``WAIT`` runs to its
timeout), two nodes, and a user talking on one of them; and the
heartbeat's own link lost, or its script forgotten by Redis.
"""

from __future__ import annotations

import os
import signal

from twisted.internet import defer, reactor, task

from tests.cluster.sentinels import ReplicatedTestCase, ask
from tests.cluster.support import ClusterTestCase
from tests.cluster.test_sentinel import UNCONFIRMED
from tests.support import log_lines, redis_backend, until

#: How long alice talks with the replica stopped: several times
#: --node-ttl, each heartbeat meanwhile sent while a ``WAIT`` blocks.
TALKING = 6.0


class HeartbeatBehindWaitTests(ReplicatedTestCase):
    """A node whose messages wait for a stopped replica stays in the cluster."""

    # --node-ttl shorter than one WAIT (half of --redis-timeout: 2.5 s), so a
    # heartbeat that waited behind one would let the node's key expire.
    node_options = (
        "--rate", "0",
        "--node-ttl", "1.5",
        "--redis-timeout", "5",
        "--redis-replicas", "1",
    )  # fmt: skip

    @defer.inlineCallbacks
    def test_a_node_waiting_for_its_replica_is_not_harvested(self):
        """With the replica stopped, alice (node1) talks for four
        --node-ttl's, each message refused after its WAIT times out: node2
        never harvests node1, bob never sees alice leave, and both are
        still in the room together afterwards."""
        log = log_lines(self)

        def harvests() -> list[str]:
            return [line for line in log if "harvested node" in line]

        _one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        os.kill(self.replica.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.replica.pid, signal.SIGCONT)
        said = 0

        def talk() -> None:
            nonlocal said
            said += 1
            alice.say(f"tick {said}")

        ticker = task.LoopingCall(talk)
        ticker.start(0.1)
        self.addCleanup(lambda: ticker.stop() if ticker.running else None)
        ends = reactor.seconds() + TALKING
        while reactor.seconds() < ends and not harvests():
            yield task.deferLater(reactor, 0.1, lambda: None)
        ticker.stop()

        self.assertEqual(harvests(), [])
        refused = yield alice.expect_line(UNCONFIRMED)  # each WAIT timed out
        self.assertEqual(refused, UNCONFIRMED + "tick 1")
        self.assertEqual([line for line in bob.lines if line.startswith("PART ")], [])
        bob.say("/who")
        yield bob.expect_line("MEMBERS tea alice bob")
        self.assertFalse(alice.is_closed or bob.is_closed)

    @defer.inlineCallbacks
    def blocked_in_wait(self):
        """Whether a client of the primary is blocked in a ``WAIT``."""
        clients = yield ask(self.primary.port, "CLIENT", "LIST")
        return any(
            b"cmd=wait" in line and b"flags=b" in line for line in clients.split(b"\n")
        )

    @defer.inlineCallbacks
    def test_a_goodbye_does_not_wait_behind_a_wait(self):
        """With the replica stopped, alice's message holds node1's commands
        link in a ``WAIT`` (half of --redis-timeout); carol, on node1 too,
        quits meanwhile: her connection is closed while that ``WAIT``
        still holds, since the census's write that a goodbye waits for
        goes on the heartbeat's link."""
        one, _two, alice, _bob = yield self.alice_and_bob_in("tea")
        carol = yield self.client(one, "carol")
        os.kill(self.replica.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.replica.pid, signal.SIGCONT)
        alice.say("held")
        yield until(self.blocked_in_wait, 5, "alice's WAIT blocked in Redis")
        carol.say("/quit")
        yield carol.closed
        self.assertTrue((yield self.blocked_in_wait()))
        refused = yield alice.expect_line(UNCONFIRMED)
        self.assertEqual(refused, UNCONFIRMED + "held")


class HeartbeatLinkTests(ClusterTestCase):
    """The heartbeat's own connection to Redis, lost and found again."""

    @defer.inlineCallbacks
    def test_the_heartbeat_has_a_connection_of_its_own(self):
        """Each node's heartbeat goes on a third connection, not the one
        its scripts and WAIT go on."""
        one, _two = yield self.start_nodes(2)
        backend = redis_backend(one.server)
        ports = {
            link.connection.transport.getHost().port
            for link in (backend.commands, backend.subscriber, backend.heartbeat)
        }
        self.assertEqual(len(ports), 3)
        clients = yield ask(self.redis.port, "CLIENT", "LIST")
        self.assertEqual(clients.count(b"\n"), 7)  # two nodes, three each; this

    @defer.inlineCallbacks
    def test_a_lost_heartbeat_connection_is_made_again(self):
        """The heartbeat's connection dropped: the node resumes once it is
        back, and alice and bob chat on; nobody is harvested."""
        log = log_lines(self)
        one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        backend = redis_backend(one.server)
        lost = backend.heartbeat.connection
        backend.heartbeat.drop()

        def back() -> defer.Deferred[bool]:
            link = backend.heartbeat.connection
            return defer.succeed(
                backend.available and link is not None and link is not lost
            )

        yield until(back, 10, "node1 back in the cluster")
        alice.say("still here")
        yield bob.expect_line("MSG tea alice ")
        self.assertEqual([line for line in log if "harvested node" in line], [])

    @defer.inlineCallbacks
    def test_heartbeats_go_on_after_redis_forgets_the_scripts(self):
        """SCRIPT FLUSH (as after a failover, which loses the scripts):
        the heartbeat sends its script again (NOSCRIPT), so once longer
        than --node-ttl has passed (every key set before the flush has
        lapsed) both nodes' keys are there, and nobody was harvested."""
        yield self.alice_and_bob_in("tea")
        log = log_lines(self)
        yield ask(self.redis.port, "SCRIPT", "FLUSH")
        yield task.deferLater(reactor, 2.0, lambda: None)  # --node-ttl 1.5

        @defer.inlineCallbacks
        def both_alive():
            keys = [f"chatroom:alive:{node}" for node in ("node1", "node2")]
            return (yield ask(self.redis.port, "EXISTS", *keys)) == 2

        # A key may lapse for a moment on a loaded machine that starves
        # both nodes past --node-ttl (they are then stalled, not gone): it
        # is set again at the next beat, as a heartbeat that fails is not.
        yield until(both_alive, 10, "both nodes' heartbeat keys")
        # Neither a heartbeat failed nor a node was harvested (a node
        # found stalled is told so, and waited for: no failure).
        self.assertEqual(
            [line for line in log if "heartbeat" in line and "stall" not in line], []
        )
        self.assertEqual([line for line in log if "harvested node" in line], [])
