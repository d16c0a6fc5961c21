"""When a dead node's users are parted: once its heartbeat key lapses,
at the next beat of a node that looks, on that node's clock.

The rule has two halves. A node's heartbeat key lives ``--node-ttl`` on
Redis's clock (the node asks Redis for that lifetime at each beat), and
every node beats each third of ``--node-ttl`` on its own clock: the beat
that finds a node's key gone and none of its connections left harvests
it then, with no further wait. So a dead node's users leave within
``--node-ttl`` and a beat of its death, however slowly a loaded machine
delivers the lines. ``tests/cluster/test_failures.py`` kills a real
process and waits for the ``PART``; this test holds the timing.

Node ``contract`` (the survivor, alice on it) runs on a ``task.Clock``:
its beats come when the test moves that clock. Node ``two`` (carol on
it) runs on the reactor and dies as a killed process does to Redis: its
beats stop and its connections close. Both on a real ``redis-server``.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer, reactor, task

from chatroom.core.model.config import ClusterConfig
from tests.backends.contracts.handler import CONFIG
from tests.cluster.support import TwoNodeRegistryTestCase, nodes_quiet
from tests.support import redis_backend, redis_command, until

#: Both nodes' ``--node-ttl``: a beat each half second.
NODE_TTL = 1.5

#: The survivor's heartbeat interval (a third of ``--node-ttl``).
BEAT = NODE_TTL / 3


class HarvestTimingTests(TwoNodeRegistryTestCase):
    """alice (node contract, on a test clock) and carol (node two) in tea."""

    config = CONFIG

    def node_clock(self) -> task.Clock:
        self.clock = task.Clock()
        return self.clock

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=NODE_TTL)

    def wait(self) -> defer.Deferred[None]:
        """The survivor's zero-delay calls run (as a reactor would run
        them), then the reactor brings Redis's replies; its clock stands."""
        task.Clock.advance(self.clock, 0)
        return task.deferLater(reactor, 0.005, lambda: None)

    def key(self, kind: str) -> str:
        return redis_backend(self.server).calls.prefix + kind

    def ask(self, *command: Any) -> defer.Deferred[Any]:
        """A command of the test's, on the survivor's link to Redis."""
        return redis_command(self.server, *command)

    @defer.inlineCallbacks
    def two_dies(self) -> Generator[Any, Any, None]:
        """Node two stops beating and its connections close, as the kernel
        closes a killed process's; until Redis has let its key lapse and
        holds none of its connections."""
        backend = redis_backend(self.other_server)
        backend.node._heartbeat.stop()
        yield defer.gatherResults(
            [link.stopService() for link in backend.calls.links()]
        )

        @defer.inlineCallbacks
        def dead() -> Generator[Any, Any, bool]:
            alive = yield self.ask("EXISTS", self.key("alive:two"))
            listing = yield self.ask("CLIENT", "LIST", "TYPE", "normal")
            return not alive and b"node:two" not in listing

        yield until(dead, 30, "two's key lapsed and its connections closed")

    @defer.inlineCallbacks
    def test_a_dead_nodes_users_leave_at_the_next_beat(
        self,
    ) -> Generator[Any, Any, None]:
        """two's key, as its beat sets it, lives --node-ttl. Once it has
        lapsed and two's connections are gone, the survivor's clock moved
        to just before its next beat harvests nothing (carol still in
        tea, two still a node); moved to that beat, alice sees carol
        leave, and two is forgotten, without the clock moving further."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        carol = yield self.on_two("carol")
        carol.say("/join tea")
        yield self.expect(alice, "JOIN tea carol")
        yield redis_backend(self.other_server).node._beat()  # a beat of two's
        lifetime = yield self.ask("PTTL", self.key("alive:two"))
        self.assertGreater(lifetime, 0)
        self.assertLessEqual(lifetime, NODE_TTL * 1000)

        yield self.two_dies()
        survivor = redis_backend(self.server)
        self.clock.advance(BEAT - 0.01)
        yield nodes_quiet([survivor], self.clock)
        self.assertIsNone(alice.take("PART "))
        self.assertTrue((yield self.ask("SISMEMBER", self.key("nodes"), "two")))

        self.clock.advance(0.01)
        part = yield self.expect(alice, "PART tea carol")
        self.assertEqual(part, "PART tea carol server two went away")
        yield until(
            lambda: self.ask("SISMEMBER", self.key("nodes"), "two").addCallback(
                lambda held: not held
            ),
            30,
            "two forgotten",
        )
        self.assertEqual(self.clock.seconds(), BEAT)
