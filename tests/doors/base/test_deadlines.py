"""One shared timer for every connection's deadline (chatroom.doors.base.deadlines).

The deadlines fire at the times they were set for, in the order they were
set, on the injected clock, however many connections share the one
``DelayedCall``; the login, idle and ping timers of the doors keep their
meaning (tests/doors/line/test_hardening.py and tests/doors/irc/test_irc.py hold those).
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.doors.base.deadlines import Deadlines
from tests.support import NOW, ProtocolTestCase


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


class SharedTimerConnectionTests(ProtocolTestCase):
    """Connections' login, idle and ping deadlines on the shared timer."""

    config = replace(
        ProtocolTestCase.config, login_timeout=60, ping_interval=10, ping_timeout=5
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
        self.clock.advance(9.9)
        self.assertEqual(alice.received(), [])
        self.clock.advance(0.1)
        (ping,) = alice.received()
        self.assertTrue(ping.startswith("PING "), ping)
        self.clock.advance(5)
        self.assertEqual(alice.received(), ["BYE ping timeout"])
        self.assertFalse(nameless.closing)
        self.clock.advance(60 - 15)
        self.assertEqual(nameless.received(), ["BYE no username chosen in time"])
        self.assertEqual(self.clock.seconds(), NOW + 60)
