"""One shared timer for every connection's deadline (chatroom.doors.base.deadlines).

The deadlines fire in the order they were set, never before their time and
at most one step (``STEP``) after it, on the injected clock, however many
connections share the one ``DelayedCall``, which wakes at most once a step;
the login, idle and ping timers of the doors keep their meaning
(tests/doors/line/test_hardening.py and tests/doors/irc/test_irc.py hold
those).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.metrics import REGISTRY
from chatroom.doors.base.connection import PING_SPREAD
from chatroom.doors.base.deadlines import BATCH, STEP, Deadlines
from tests.support import NOW, ProtocolTestCase, longest_silence, until_pinged


class Recorder:
    """An owner that notes when it was called, in a shared list."""

    def __init__(self, name: str, calls: list[tuple[str, float]], clock: Clock) -> None:
        self.name = name
        self.calls = calls
        self.clock = clock

    def deadline_due(self, when: float) -> None:
        self.calls.append((self.name, self.clock.seconds()))


class Raising(Recorder):
    """An owner whose deadline fails."""

    def deadline_due(self, when: float) -> None:
        super().deadline_due(when)
        raise ZeroDivisionError("broken owner")


class DeadlinesTests(unittest.TestCase):
    """The heap of deadlines behind one DelayedCall."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.deadlines = Deadlines(self.clock)
        self.calls: list[tuple[str, float]] = []

    def owner(self, name: str) -> Recorder:
        return Recorder(name, self.calls, self.clock)

    def test_exact_times_in_the_order_set(self) -> None:
        """Each owner is called at its own time, not a moment before; owners
        due at the same time are called in the order they were set; all
        of it on one DelayedCall."""
        self.deadlines.at(5, self.owner("a"))
        self.deadlines.at(3, self.owner("b"))
        self.deadlines.at(5, self.owner("c"))
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(2.75)
        self.assertEqual(self.calls, [])
        self.clock.advance(0.25)
        self.assertEqual(self.calls, [("b", 3)])
        self.clock.advance(1.75)
        self.assertEqual(self.calls, [("b", 3)])
        self.clock.advance(0.25)
        self.assertEqual(self.calls, [("b", 3), ("a", 5), ("c", 5)])
        self.assertEqual(len(self.deadlines), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_earlier_deadline_wakes_the_timer_sooner(self) -> None:
        """A deadline set before the earliest pending one moves the timer."""
        self.deadlines.at(10, self.owner("late"))
        self.deadlines.at(1, self.owner("soon"))
        self.clock.advance(1)
        self.assertEqual(self.calls, [("soon", 1)])
        self.clock.advance(9)
        self.assertEqual(self.calls, [("soon", 1), ("late", 10)])

    def test_cancelled_deadline_never_fires_and_lets_go(self) -> None:
        """A cancelled deadline's owner is never called nor kept; the others are."""
        gone = self.deadlines.at(2, self.owner("gone"))
        self.deadlines.at(4, self.owner("kept"))
        self.deadlines.cancel(gone)
        self.deadlines.cancel(gone)  # twice is harmless
        self.assertIsNone(gone[2])
        self.assertEqual(len(self.deadlines), 1)
        self.clock.advance(2)
        self.assertEqual(self.calls, [])
        self.clock.advance(2)
        self.assertEqual(self.calls, [("kept", 4)])

    def test_nothing_left_leaves_no_timer(self) -> None:
        """Once every deadline is cancelled, no timer is left pending (a
        reactor whose connections all closed is clean); a new deadline
        starts one again."""
        entries = [self.deadlines.at(5 + n, self.owner(str(n))) for n in range(3)]
        for entry in entries:
            self.deadlines.cancel(entry)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.deadlines.at(1, self.owner("new"))
        self.clock.advance(1)
        self.assertEqual(self.calls, [("new", 1)])

    def test_cancelled_entries_are_swept(self) -> None:
        """Once most entries are cancelled, the heap lets go of them at once
        rather than when their time comes."""
        entries = [self.deadlines.at(100 + n, self.owner(str(n))) for n in range(300)]
        for entry in entries[:200]:
            self.deadlines.cancel(entry)
        self.assertEqual(len(self.deadlines), 100)
        self.assertLess(len(self.deadlines._heap), 300)
        self.clock.advance(400)
        self.assertEqual(
            [name for name, _ in self.calls], [str(n) for n in range(200, 300)]
        )

    def test_owner_that_raises_does_not_stop_the_others(self) -> None:
        """A failing owner is logged; the owners due with it are still called."""
        self.deadlines.at(1, Raising("bad", self.calls, self.clock))
        self.deadlines.at(1, self.owner("good"))
        self.deadlines.at(2, self.owner("later"))
        self.clock.advance(1)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(self.calls, [("bad", 1), ("good", 1)])
        self.clock.advance(1)
        self.assertEqual(self.calls[-1], ("later", 2))

    def test_deadline_set_while_firing(self) -> None:
        """An owner may set its next deadline when called, due at once or later."""
        calls = self.calls
        deadlines = self.deadlines
        clock = self.clock

        class Again(Recorder):
            def deadline_due(self, when: float) -> None:
                super().deadline_due(when)
                if len(calls) == 1:
                    deadlines.at(when, self)  # due now: called in this turn
                elif len(calls) == 2:
                    deadlines.at(when + 5, self)

        deadlines.at(1, Again("again", calls, clock))
        clock.advance(1)
        self.assertEqual(calls, [("again", 1), ("again", 1)])
        clock.advance(5)
        self.assertEqual(calls[-1], ("again", 6))

    def test_deadlines_near_the_last_wake_wait_for_the_next_step(self) -> None:
        """After a wake, the timer sleeps a step: deadlines due meanwhile
        are called together at the step's end, in their order; a deadline
        with none near it is called at its time."""
        self.deadlines.at(1, self.owner("first"))
        self.deadlines.at(1.25, self.owner("second"))
        self.deadlines.at(1.75, self.owner("third"))
        self.deadlines.at(5, self.owner("alone"))
        self.clock.advance(1)
        self.assertEqual(self.calls, [("first", 1)])
        self.clock.advance(STEP - 0.01)
        self.assertEqual(self.calls, [("first", 1)])
        self.clock.advance(0.01)
        self.assertEqual(self.calls[1:], [("second", 1 + STEP), ("third", 1 + STEP)])
        self.clock.advance(5 - self.clock.seconds())
        self.assertEqual(self.calls[-1], ("alone", 5))
        self.assertEqual(self.deadlines.wakes, 3)

    def test_scattered_deadlines_never_early_at_most_a_step_late(self) -> None:
        """A thousand deadlines scattered over a minute: each owner is
        called no earlier than its time and less than a step after it, and
        the timer wakes at most once a step."""
        chosen = random.Random(65)
        owners = {}
        for number in range(1000):
            when = chosen.uniform(0, 60)
            owners[str(number)] = when
            self.deadlines.at(when, self.owner(str(number)))
        self.clock.pump([0.05] * 1300)
        self.assertEqual(len(self.calls), 1000)
        for name, called in self.calls:
            self.assertGreaterEqual(called, owners[name])
            self.assertLess(called, owners[name] + STEP + 0.05)
        self.assertLessEqual(self.deadlines.wakes, 60 / STEP + 1)

    def test_many_due_at_once_are_called_over_several_turns(self) -> None:
        """More owners due at once than one turn calls: the rest are called
        in the turns right after (the reactor reads between them), at the
        same time, in their order, on one wake; then the timer sleeps a
        step again."""
        deadlines = self.deadlines
        turns: list[int] = []

        class Counting(Recorder):
            def deadline_due(self, when: float) -> None:
                super().deadline_due(when)
                turns.append(deadlines.turns)

        count = 2 * BATCH + 10
        for number in range(count):
            deadlines.at(1, Counting(str(number), self.calls, self.clock))
        deadlines.at(1.5, self.owner("later"))
        self.clock.advance(1)
        self.assertEqual([turns.count(turn) for turn in (1, 2, 3)], [BATCH, BATCH, 10])
        self.assertEqual(
            [name for name, _ in self.calls], [str(n) for n in range(count)]
        )
        self.assertEqual({when for _, when in self.calls}, {1})
        self.assertEqual(deadlines.wakes, 1)
        self.clock.advance(0.5)
        self.assertEqual(len(self.calls), count)
        self.clock.advance(STEP - 0.5)
        self.assertEqual(self.calls[-1], ("later", 1 + STEP))
        self.assertEqual(deadlines.wakes, 2)


class SharedTimerConnectionTests(ProtocolTestCase):
    """Connections' login, idle and ping deadlines on the shared timer."""

    config = replace(
        ProtocolTestCase.config,
        login_timeout=60,
        ping_interval=10,
        ping_timeout=5,
        max_per_ip=0,
        max_clients=0,
    )

    def test_idle_connections_share_one_timer(self) -> None:
        """Fifty idle users hold no more timers than one does."""
        self.connect("first")
        self.clock.advance(0)
        one = len(self.clock.getDelayedCalls())
        for number in range(49):
            self.connect(f"user{number}")
        self.clock.advance(0)
        self.assertEqual(len(self.clock.getDelayedCalls()), one)
        self.assertEqual(len(self.server.deadlines), 50)

    def test_closed_connections_leave_no_timer(self) -> None:
        """When every connection has closed, the shared timer is gone too."""
        clients = [self.connect(f"user{number}") for number in range(3)]
        clients.append(self.connect())
        for client in clients:
            client.lose()
        self.clock.advance(0)
        self.assertEqual(len(self.server.deadlines), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_ping_interval_shorter_than_the_login_timeout(self) -> None:
        """A name brings the idle check forward (here before the login
        timeout would have come): PING after --ping-interval, then closed
        after --ping-timeout; a nameless connection still waits its
        --login-timeout."""
        nameless = self.connect()
        alice = self.connect("alice")
        (ping,), _ = until_pinged(self.clock, alice.received, self.config, NOW)
        self.assertTrue(ping.startswith("PING "), ping)
        self.clock.advance(4.9)
        self.assertFalse(alice.closing)
        self.clock.advance(0.1)
        self.assertEqual(alice.received(), ["BYE ping timeout"])
        self.assertFalse(nameless.closing)
        self.clock.advance(NOW + 60 - self.clock.seconds())
        self.assertEqual(nameless.received(), ["BYE no username chosen in time"])
        self.assertEqual(self.clock.seconds(), NOW + 60)

    def test_a_crowd_is_pinged_and_dropped_on_one_wake_a_step(self) -> None:
        """Two thousand silent users named at scattered moments: each is
        pinged after --ping-interval (and at most its spread and a step
        more) and, unless it answers, closed after --ping-timeout, at most
        a step late, while the server's one timer wakes at most once a
        step; those who answer stay."""
        named_at: dict[int, float] = {}
        clients = []
        for number in range(2000):
            clients.append(self.connect(f"user{number}"))
            named_at[number] = self.clock.seconds()
            self.clock.advance(0.005)  # named over ten seconds
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        wakes, start = self.server.deadlines.wakes, self.clock.seconds()
        pinged_at: dict[int, float] = {}
        closed_at: dict[int, float] = {}
        interval, timeout = self.config.ping_interval, self.config.ping_timeout
        spread = interval * PING_SPREAD
        end = self.clock.seconds() + interval + spread + timeout + 2 * STEP
        while self.clock.seconds() < end:
            self.clock.advance(0.05)
            for number, client in enumerate(clients):
                for line in client.received():
                    if line.startswith("PING "):
                        pinged_at.setdefault(number, self.clock.seconds())
                        if number % 2 == 0:
                            client.send("PONG " + line.split()[1])
                    else:
                        self.assertEqual(line, "BYE ping timeout")
                        closed_at[number] = self.clock.seconds()
        self.assertEqual(len(pinged_at), 2000)
        self.assertEqual(sorted(closed_at), list(range(1, 2000, 2)))
        self.assertLessEqual(
            self.server.deadlines.wakes - wakes, (end - start) / STEP + 1
        )
        for number, when in pinged_at.items():
            late = when - (named_at[number] + interval)
            self.assertTrue(0 <= late < spread + STEP + 0.05, (number, late))
        for number, when in closed_at.items():
            late = when - (pinged_at[number] + timeout)
            self.assertTrue(0 <= late < STEP + 0.05, (number, late))
        self.assertFalse(any(clients[number].closing for number in range(0, 2000, 2)))

    def test_keepalive_pings_are_counted(self) -> None:
        """Each PING to a silent user counts once in /metrics
        (``chatroom_keepalive_pings``, by door), so a load measured beside
        an idle crowd can say whether the crowd was being pinged meanwhile;
        a user who talks is not pinged, and not counted."""

        def pings() -> float:
            sample = REGISTRY.get_sample_value(
                "chatroom_keepalive_pings_total", {"door": "line"}
            )
            return sample or 0.0

        before = pings()
        silent = [self.connect(f"user{number}") for number in range(3)]
        talker = self.connect("alice")
        while self.clock.seconds() < NOW + longest_silence(self.config):
            self.clock.advance(3)
            talker.send("/who")
        self.assertEqual(pings(), before + 3)
        for client in silent:
            self.assertTrue(any(line.startswith("PING ") for line in client.received()))
        self.assertFalse(any(line.startswith("PING") for line in talker.received()))

    def test_a_user_who_talks_is_never_pinged(self) -> None:
        """A user who says something more often than --ping-interval is
        never pinged, however the silent users beside it are swept."""
        self.connect("bob")
        talker = self.connect("alice")
        talker.send("/join general")
        talker.received()
        for _ in range(12):
            self.clock.pump([0.25] * 28)  # seven seconds
            talker.send("hello")
            lines = talker.received()
            self.assertFalse([line for line in lines if line.startswith("PING")])
        self.assertFalse(talker.closing)


class CrowdKeepaliveTests(ProtocolTestCase):
    """A crowd that signed on together, at the deployed keepalive."""

    config = replace(
        ProtocolTestCase.config,
        ping_interval=120,
        ping_timeout=60,
        max_per_ip=0,
        max_clients=0,
    )

    def test_a_crowd_that_came_together_is_not_pinged_together(self) -> None:
        """A thousand users named in the same second are pinged over the
        idle check's spread (a quarter of --ping-interval), at no more than
        twice their average a second, and none before --ping-interval of
        silence; those who answer are pinged again as widely spread, and
        those who do not are closed within 1.25 × --ping-interval plus
        --ping-timeout (and the shared timer's steps)."""
        crowd = [self.connect(f"user{number}") for number in range(1000)]
        self.assertEqual(self.clock.seconds(), NOW)
        interval, timeout = self.config.ping_interval, self.config.ping_timeout
        spread = interval * PING_SPREAD
        pinged: dict[int, list[float]] = {}
        closed: dict[int, float] = {}
        end = NOW + 2 * (interval + spread + STEP)
        while self.clock.seconds() < end:
            self.clock.advance(STEP)
            now = self.clock.seconds()
            for number, client in enumerate(crowd):
                for line in client.received():
                    if line.startswith("PING "):
                        pinged.setdefault(number, []).append(now)
                        if number % 2 == 0:
                            client.send("PONG " + line.split()[1])
                    else:
                        self.assertEqual(line, "BYE ping timeout")
                        closed[number] = now
        first = [times[0] for times in pinged.values()]
        self.assertEqual(len(first), 1000)
        self.assertGreaterEqual(min(first), NOW + interval)
        self.assertLessEqual(max(first), NOW + interval + spread + STEP)
        self.assertGreaterEqual(max(first) - min(first), spread - STEP)
        per_second = Counter(int(when) for when in first)
        self.assertLessEqual(max(per_second.values()), 2 * 1000 / spread)
        self.assertEqual(sorted(closed), list(range(1, 1000, 2)))
        for number, when in closed.items():
            self.assertLessEqual(pinged[number][0] + timeout, when)
            self.assertLessEqual(when, NOW + interval + spread + timeout + 2 * STEP)
        second = [pinged[number][1] for number in range(0, 1000, 2)]
        for number in range(0, 1000, 2):
            self.assertGreaterEqual(pinged[number][1] - pinged[number][0], interval)
        self.assertGreaterEqual(max(second) - min(second), spread)
        self.assertFalse(any(crowd[number].closing for number in range(0, 1000, 2)))
