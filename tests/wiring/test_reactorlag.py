"""How late the reactor runs its timers (:mod:`chatroom.wiring.reactorlag`),
on ``task.Clock`` and on the server's turn loop: an operator sees on
``/metrics`` that a node's turns got long, and an idle node is not woken
to find out."""

from __future__ import annotations

from prometheus_client.exposition import generate_latest
from twisted.internet.epollreactor import EPollReactor
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.metrics import REGISTRY
from chatroom.net.pollcap import cap_events_per_poll
from chatroom.wiring.reactorlag import REACTOR_LAG_LONGEST, ReactorLag


def lag_sample(name: str, bucket: str | None = None) -> float:
    """A sample of the lateness histogram (0 if none yet)."""
    labels = {} if bucket is None else {"le": bucket}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped_longest() -> float:
    """The longest lateness, as a scrape of ``/metrics`` reads it."""
    scraped = generate_latest(REGISTRY).decode().splitlines()
    (longest,) = [
        line.split()[1]
        for line in scraped
        if line.startswith("chatroom_reactor_lag_longest_seconds ")
    ]
    return float(longest)


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
        self.assertAlmostEqual(scraped_longest(), 1.4)

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


class Sleeper:
    """A poller that reports nothing and lets ``sleep`` seconds of the
    test's clock pass in each poll, as a reactor asleep in ``epoll_wait``."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sleep = 0.0

    def poll(self, timeout: float = -1, maxevents: int = -1) -> list[tuple[int, int]]:
        self.clock.advance(self.sleep)
        return []


class TurnLagTests(unittest.TestCase):
    """On a reactor that takes its turns in the server's turn loop (a real
    epoll reactor, never run, on a test clock): no timer wakes it; a turn
    is one jump of the clock between two iterations, a sleep one inside
    the poll."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.reactor = EPollReactor()
        self.addCleanup(self.reactor._poller.close)
        self.addCleanup(self.reactor.waker.connectionLost, None)
        self.reactor.seconds = self.clock.seconds
        self.assertTrue(cap_events_per_poll(self.reactor))
        self.sleeper = Sleeper(self.clock)
        self.reactor.doIteration.poller = self.sleeper  # type: ignore[attr-defined]
        self.lag = ReactorLag(self.reactor, interval=0.1)
        self.addCleanup(REACTOR_LAG_LONGEST.set, 0)

    def turn(self, working: float = 0.0, sleeping: float = 0.0) -> None:
        """A turn that works ``working`` seconds, then its end and a poll
        that sleeps ``sleeping``."""
        self.clock.advance(working)
        self.sleeper.sleep = sleeping
        self.reactor.doIteration(0)

    def test_an_idle_reactor_is_not_woken(self) -> None:
        """Started, it sets no timer: a reactor with nothing to do sleeps
        in its poll (seconds at a time here), and sleeping is not lateness."""
        self.lag.startService()
        self.addCleanup(self.lag.stopService)
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        for _ in range(3):
            self.turn(sleeping=5.0)
        self.turn(working=0.001)
        self.assertEqual(self.lag.longest, 0.0)
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_a_long_turn_is_seen_at_its_end(self) -> None:
        """A turn of 1.5 s: the sample due 0.1 s into it is taken at its
        end, 1.4 s late, the longest ``/metrics`` shows; the quick turns
        after it are on time."""
        self.lag.startService()
        self.addCleanup(self.lag.stopService)
        self.turn()
        self.turn(working=1.5)
        self.assertAlmostEqual(self.lag.longest, 1.4)
        for _ in range(5):
            self.turn(working=0.1)
        self.assertAlmostEqual(self.lag.longest, 1.4)
        self.assertAlmostEqual(scraped_longest(), 1.4)

    def test_a_long_turn_after_a_sleep_is_seen(self) -> None:
        """The reactor slept 5 s, then worked 1.5 s in one turn: the samples
        due in the sleep would have run on time, and the first due after
        the wake waited for the turn's end, about 1.4 s."""
        self.lag.startService()
        self.addCleanup(self.lag.stopService)
        self.turn(sleeping=5.0)
        self.turn(working=1.5)
        self.assertAlmostEqual(self.lag.longest, 1.4, delta=0.11)

    def test_chores_at_a_turns_end_once_an_interval(self) -> None:
        """The chores are called at the end of a turn once an interval has
        passed since they last were, whether the reactor worked or slept
        meanwhile, not at every turn; a chore that raises is logged."""
        done: list[float] = []

        def broken() -> None:
            raise ZeroDivisionError("broken chore")

        self.lag.chores.extend([broken, lambda: done.append(self.clock.seconds())])
        self.lag.startService()
        self.addCleanup(self.lag.stopService)
        for _ in range(10):  # 0.3 s of turns: chores at 0.12 s and 0.24 s
            self.turn(working=0.03)
        self.turn(sleeping=3.0)
        self.turn(working=0.001)
        self.assertEqual(len(done), 3)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 3)

    def test_stopped_it_leaves_the_turns_alone(self) -> None:
        """Stopped, the turn loop no longer calls it."""
        self.lag.startService()
        self.lag.stopService()
        self.assertIsNone(self.reactor.doIteration.after_each)  # type: ignore[attr-defined]
        self.turn(working=2.0)
        self.assertEqual(self.lag.longest, 0.0)
