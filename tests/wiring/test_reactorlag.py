"""How late the reactor runs its timers (:mod:`chatroom.wiring.reactorlag`),
on ``task.Clock``: an operator sees on ``/metrics`` that a node's turns
got long."""

from __future__ import annotations

from prometheus_client.exposition import generate_latest
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.metrics import REGISTRY
from chatroom.wiring.reactorlag import REACTOR_LAG_LONGEST, ReactorLag


def lag_sample(name: str, bucket: str | None = None) -> float:
    """A sample of the lateness histogram (0 if none yet)."""
    labels = {} if bucket is None else {"le": bucket}
    return REGISTRY.get_sample_value(name, labels) or 0.0


class ReactorLagTests(unittest.TestCase):
    """A timer every 0.1 s on a test clock; a busy turn is one jump of it."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.lag = ReactorLag(self.clock, interval=0.1)
        self.addCleanup(REACTOR_LAG_LONGEST.set, 0)
        self.count = lag_sample("chatroom_reactor_lag_seconds_count")
        self.quick = lag_sample("chatroom_reactor_lag_seconds_bucket", "0.001")
        self.total = lag_sample("chatroom_reactor_lag_seconds_sum")
        self.late = self.count - lag_sample(
            "chatroom_reactor_lag_seconds_bucket", "1.0"
        )

    def test_turns_on_time_are_not_late(self) -> None:
        """A reactor whose timers run when due: ten samples a second, each
        in the quickest bucket, and nothing is counted late."""
        self.lag.startService()
        self.clock.pump([0.1] * 10)
        self.lag.stopService()
        self.assertEqual(self.lag.samples, 10)
        self.assertEqual(
            lag_sample("chatroom_reactor_lag_seconds_count"), self.count + 10
        )
        self.assertEqual(
            lag_sample("chatroom_reactor_lag_seconds_bucket", "0.001"), self.quick + 10
        )
        self.assertEqual(self.lag.longest, 0.0)

    def test_a_busy_turn_is_seen(self) -> None:
        """A turn of 1.5 s: the sample due in it runs 1.4 s late, which
        ``/metrics`` shows as the longest and in the histogram's tail;
        the samples after it are on time again."""
        self.lag.startService()
        self.clock.pump([0.1] * 3)
        self.clock.advance(1.5)
        self.clock.pump([0.1] * 3)
        self.lag.stopService()
        self.assertAlmostEqual(self.lag.longest, 1.4)
        self.assertAlmostEqual(
            lag_sample("chatroom_reactor_lag_seconds_sum") - self.total, 1.4
        )
        late = lag_sample("chatroom_reactor_lag_seconds_count") - lag_sample(
            "chatroom_reactor_lag_seconds_bucket", "1.0"
        )
        # One more sample past a second (the registry is the process's: a
        # server started earlier in it may have had a long turn of its own).
        self.assertEqual(late - self.late, 1)
        scraped = generate_latest(REGISTRY).decode().splitlines()
        (longest,) = [
            line.split()[1]
            for line in scraped
            if line.startswith("chatroom_reactor_lag_longest_seconds ")
        ]
        self.assertAlmostEqual(float(longest), 1.4)

    def test_stop_leaves_no_timer(self) -> None:
        """Stopped, it leaves nothing on the clock."""
        self.lag.startService()
        self.clock.advance(0.25)
        self.lag.stopService()
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_chores_ride_on_the_samples_wake(self) -> None:
        """A chore of the same pace is called after every sample, on the
        sample's own timer (one pending call on the clock for both); one
        that raises is logged and the samples and other chores go on."""
        done: list[float] = []

        def broken() -> None:
            raise ZeroDivisionError("broken chore")

        self.lag.chores.extend([broken, lambda: done.append(self.clock.seconds())])
        self.lag.startService()
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.pump([0.1] * 5)
        self.lag.stopService()
        self.assertEqual(self.lag.samples, 5)
        self.assertEqual(len(done), 5)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 5)
