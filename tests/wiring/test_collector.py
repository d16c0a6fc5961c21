"""The garbage collector kept out of the latency tail (chatroom.wiring.collector).

Freezing long-lived objects is only safe if a closed connection needs no
cyclic collection to be freed: these tests hold every door to that, and
check that the server times each collection and freezes after a burst.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.core.model.metrics import REGISTRY
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.wiring.collector import GC_LONGEST, CollectorService, PauseTimer
from chatroom.wiring.reactorlag import REACTOR_LAG_LONGEST, ReactorLag
from tests.doors.irc.test_irc import IRCClient
from tests.support import ProtocolTestCase

#: The classes one connection is made of, whichever the door.
CONNECTION_PARTS = {
    "LineProtocol",
    "IRCProtocol",
    "Connection",
    "LineSession",
    "IRCSession",
    "SendQueue",
    "FloodGate",
    "TokenBucket",
}


@contextmanager
def cyclic_garbage() -> Iterator[list[str]]:
    """Names of chatroom's types the cyclic collector alone would have
    freed among what the ``with`` block dropped (only chatroom's: a
    ``sqlite3.Connection`` an earlier test let go of is also called
    ``Connection``, and is not a door's).

    What was alive before the block is held meanwhile: an earlier test's
    connection, left open and kept only by the log's buffer of recent
    events, would otherwise drop out of that buffer during the block and
    be counted as its garbage."""
    found: list[str] = []
    gc.collect()
    before = [thing for thing in gc.get_objects() if _ours(thing)]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found.extend(type(thing).__name__ for thing in gc.garbage if _ours(thing))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        del before
        if was_enabled:
            gc.enable()


def _ours(thing: object) -> bool:
    module = type(thing).__module__  # a property on a few odd types
    return isinstance(module, str) and module.startswith("chatroom.")


class ClosedConnectionTests(ProtocolTestCase):
    """A closed connection is freed by reference counting alone."""

    def test_line_connection_leaves_no_cycle(self) -> None:
        """A line user who joined, spoke and left is freed without the
        collector: frozen, it would otherwise stay in memory for good."""
        stays = self.connect("stays")
        stays.send("/join general")
        with cyclic_garbage() as garbage:
            leaves = self.connect("leaves")
            leaves.send("/join general")
            leaves.send("hello")
            leaves.lose(Failure(ConnectionDone()))
            del leaves
        self.assertEqual(sorted(set(garbage) & CONNECTION_PARTS), [])
        self.assertIn("hello", "".join(stays.received()))

    def test_irc_connection_leaves_no_cycle(self) -> None:
        """The same for an IRC user in a channel."""
        factory = IRCFactory(self.server)
        with cyclic_garbage() as garbage:
            client = IRCClient(factory)
            client.send("NICK leaver", "USER leaver 0 * :Leaver", "JOIN #general")
            client.send("PRIVMSG #general :bye")
            client.session.connectionLost(Failure(ConnectionDone()))
            del client
        self.assertEqual(sorted(set(garbage) & CONNECTION_PARTS), [])


class PauseTimerTests(unittest.TestCase):
    """Every collection is timed; the longest is kept and exported."""

    def test_longest_pause_and_histogram(self) -> None:
        """Pauses of 3 ms (generation 0) and 12 ms (generation 2) give a
        longest pause of 12 ms in generation 2, and both are in /metrics;
        the CPU is read for generation 2's alone."""
        now = [0.0]
        cpu_reads = []

        def cpu() -> float:
            cpu_reads.append(now[0])
            return now[0] / 2

        timer = PauseTimer(lambda: now[0], cpu)
        before = REGISTRY.get_sample_value(
            "chatroom_gc_pause_seconds_count", {"generation": "2"}
        )
        for generation, pause in ((0, 0.003), (2, 0.012)):
            timer("start", {"generation": generation})
            now[0] += pause
            timer("stop", {"generation": generation})
        self.assertEqual(timer.collections, 2)
        self.assertAlmostEqual(timer.longest, 0.012)
        self.assertEqual(timer.longest_generation, 2)
        self.assertAlmostEqual(timer.longest_cpu, 0.006)
        # the youngest generation's collections read no CPU clock (a
        # system call each, thousands a second in a storm of connections)
        self.assertEqual(cpu_reads, [0.003, 0.015])
        after = REGISTRY.get_sample_value(
            "chatroom_gc_pause_seconds_count", {"generation": "2"}
        )
        self.assertEqual((after or 0) - (before or 0), 1)
        GC_LONGEST.set(0)


class CollectorServiceTests(unittest.TestCase):
    """The service freezes after start-up and after a burst, and unfreezes."""

    def test_freezes_after_start_and_after_a_burst(self) -> None:
        """Start-up's objects are frozen at once; objects that survive into
        the oldest generation past the threshold are frozen on the next
        check; stopping unfreezes them all and logs the longest pause."""
        clock = Clock()
        service = CollectorService(clock, threshold=5_000)
        service.startService()
        try:
            frozen = gc.get_freeze_count()
            self.assertGreater(frozen, 0)
            burst = [[n] for n in range(20_000)]
            gc.collect()  # the burst survives into the oldest generation
            clock.advance(0.1)
            self.assertGreater(gc.get_freeze_count(), frozen + len(burst) - 1)
            self.assertEqual(service.freezer.freezes, 2)
            # /metrics shows what the freezes moved, the burst with them.
            self.assertEqual(
                REGISTRY.get_sample_value("chatroom_gc_frozen_objects"),
                service.freezer.frozen,
            )
            self.assertGreaterEqual(service.freezer.frozen, frozen + len(burst))
            self.assertGreater(service.pauses.collections, 0)  # the second freeze
        finally:
            with capturedLogs() as events:
                service.stopService()
        self.assertEqual(gc.get_freeze_count(), 0)
        self.assertEqual(REGISTRY.get_sample_value("chatroom_gc_frozen_objects"), 0)
        self.assertNotIn(service.pauses, gc.callbacks)
        messages = [formatEvent(event) for event in events]
        self.assertTrue(any("longest pause" in m for m in messages), messages)

    def test_the_oldest_generation_counted_only_after_a_collection(self) -> None:
        """Counting the oldest generation walks it all, ten times a second on
        every node: a check looks only once a collection of generation 1 or
        2 may have moved objects there. Survivors that came while the hook
        was away (as no collection can make them) stay unfrozen until a
        collection has run; then the next check freezes them."""
        clock = Clock()
        service = CollectorService(clock, threshold=5_000)
        service.startService()
        try:
            clock.advance(0.1)
            service.freezer.remove()
            burst = [[n] for n in range(20_000)]
            gc.collect()  # into the oldest generation, unseen by the hook
            service.freezer.install()
            clock.advance(0.1)
            self.assertEqual(service.freezer.freezes, 1)  # start-up's alone
            gc.collect(1)
            clock.advance(0.1)
            self.assertEqual(service.freezer.freezes, 2)
            self.assertGreaterEqual(service.freezer.frozen, len(burst))
        finally:
            service.stopService()
        self.assertNotIn(service.freezer, gc.callbacks)

    def test_a_scrape_never_counts_the_frozen_crowd(self) -> None:
        """The frozen-object figure is what each freeze moved, not a count
        taken when /metrics is read: CPython counts its frozen objects only
        by walking them all (68 ms with 460,000, a node of 20,000 idle
        connections), which would stop the reactor at every scrape. So a
        burst frozen and then freed is still in the figure, where the
        collector's own count has let it go."""
        clock = Clock()
        service = CollectorService(clock, threshold=5_000)
        service.startService()
        try:
            burst = [[n] for n in range(20_000)]
            gc.collect()  # the burst survives into the oldest generation
            clock.advance(0.1)
            self.assertEqual(service.freezer.freezes, 2)
            with_burst = gc.get_freeze_count()
            del burst
            self.assertLess(gc.get_freeze_count(), with_burst - 19_000)
            self.assertGreaterEqual(
                REGISTRY.get_sample_value("chatroom_gc_frozen_objects") or 0,
                with_burst,
            )
        finally:
            service.stopService()
        self.assertEqual(REGISTRY.get_sample_value("chatroom_gc_frozen_objects"), 0)

    def test_check_rides_on_the_lag_samplers_wake(self) -> None:
        """Given the reactor-lag sampler's chores, the service keeps no timer
        of its own: the node's clock holds one pending call for both, and
        a burst is frozen at the sampler's next wake; stopping takes the
        check off the sampler."""
        clock = Clock()
        lag = ReactorLag(clock, interval=0.1)
        self.addCleanup(REACTOR_LAG_LONGEST.set, 0)
        service = CollectorService(clock, threshold=5_000, chores=lag.chores)
        service.startService()
        lag.startService()
        try:
            self.assertEqual(len(clock.getDelayedCalls()), 1)
            frozen = gc.get_freeze_count()
            burst = [[n] for n in range(20_000)]
            gc.collect()  # the burst survives into the oldest generation
            clock.advance(0.1)
            self.assertGreater(gc.get_freeze_count(), frozen + len(burst) - 1)
            self.assertEqual(service.freezer.freezes, 2)
        finally:
            lag.stopService()
            service.stopService()
        self.assertEqual(lag.chores, [])
        self.assertEqual(gc.get_freeze_count(), 0)
