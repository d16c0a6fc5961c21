"""``--retention-age``'s sweep on two nodes of one Redis: one sweeps.

Each node runs the core's sweep (:mod:`chatroom.core.messages.retention`) on its
clock; its change rests on the sweep's lease (``P ageing``), so the node
that took it sweeps while it holds it, and the other's sweeps are refused
before they read a room, until the lease lapses. Both nodes read one
:class:`~tests.cluster.support.SteppedReactor`, so they agree on what is
old.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.interfaces import IProtocol
from twisted.internet.protocol import connectionDone

from chatroom.core.messages.retention import RetentionSweep
from chatroom.core.model.config import ClusterConfig
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.handler import ContractBase
from tests.backends.contracts.retention import LATER, RETENTION_CONFIG
from tests.cluster.support import (
    RedisRegistryTestCase,
    SteppedReactor,
    stepped_registry,
)
from tests.support import chat_core, redis_command


class TwoNodesSweepTests(RedisRegistryTestCase, ContractBase):
    """Node one (the contract's server) and node two, on one Redis and one
    clock; alice, on node one, said something in tea long ago."""

    config = RETENTION_CONFIG

    def node_clock(self) -> SteppedReactor:
        self.clock = SteppedReactor()
        return self.clock

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        cluster = ClusterConfig(
            self.cluster_config().redis, node_id="two", prefix=self.prefix
        )
        self.other = stepped_registry(self.config, cluster, self.clock)
        self.other_server = DoorHub(self.config, clock=self.clock, registry=self.other)
        self.other_server.start()
        self.addCleanup(self._stop_other)
        yield self.other.backend.when_available()
        (self.alice,) = yield self.in_room("tea", "alice")
        self.alice.say("old tea")
        yield self.expect(self.alice, "MSG tea alice ")
        self.clock.advance(LATER)

    @property
    def prefix(self) -> str:
        return self.cluster_config().prefix

    def _stop_other(self) -> defer.Deferred[None]:
        self.other_server.stop()
        for connection in list(self.other_server.open_connections):
            IProtocol(connection).connectionLost(connectionDone)
        return self.other.detach()

    def sweeps(self) -> tuple[RetentionSweep, RetentionSweep]:
        return chat_core(self.server).retention, self.other.retention

    @defer.inlineCallbacks
    def history(self) -> Generator[Any, Any, list[str]]:
        """What alice's ``/history`` shows of tea."""
        self.alice.poll()
        before = len(self.alice.lines)
        self.alice.say("/history 10")
        end = yield self.expect(self.alice, "HISTORY_END ")
        return self.alice.lines[before : self.alice.lines.index(end, before)]

    @defer.inlineCallbacks
    def test_one_node_sweeps_while_it_holds_the_lease(
        self,
    ) -> Generator[Any, Any, None]:
        """Node one sweeps first: the old message goes. Node two's sweeps
        are refused (it trims nothing, and says so), node one's next one
        is not: it keeps the lease."""
        one, two = self.sweeps()
        self.assertTrue((yield defer.ensureDeferred(one.sweep())))
        self.assertEqual((yield self.history()), [])
        self.assertFalse((yield defer.ensureDeferred(two.sweep())))
        self.assertTrue((yield defer.ensureDeferred(one.sweep())))
        self.assertFalse((yield defer.ensureDeferred(two.sweep())))
        self.assertEqual((one.sweeps, two.sweeps), (2, 0))
        held = yield redis_command(self.server, "GET", f"{self.prefix}ageing")
        self.assertEqual(held, b"contract")

    @defer.inlineCallbacks
    def test_the_other_node_sweeps_once_the_lease_lapses(
        self,
    ) -> Generator[Any, Any, None]:
        """Node one swept, then stopped sweeping (gone): once its lease
        lapses, node two's sweep is the one applied, and it trims what
        has aged since."""
        one, two = self.sweeps()
        self.assertTrue((yield defer.ensureDeferred(one.sweep())))
        self.alice.say("newer tea")
        yield self.expect(self.alice, "MSG tea alice ")
        self.assertEqual(len((yield self.history())), 1)
        self.clock.advance(LATER)
        self.assertFalse((yield defer.ensureDeferred(two.sweep())))
        # The lease lapses, as it does LEASE_SECONDS after its last renewal.
        yield redis_command(self.server, "DEL", f"{self.prefix}ageing")
        self.assertTrue((yield defer.ensureDeferred(two.sweep())))
        self.assertEqual((yield self.history()), [])
        self.assertFalse((yield defer.ensureDeferred(one.sweep())))
        self.assertEqual((one.sweeps, two.sweeps), (1, 1))
