"""A node's departures run a bounded number at a time, first come first
served, and ``/metrics`` shows how many run and how many wait.

Each departure here waits on a Deferred the test fires, as a release
waits for Redis's answers; the collector is the one ``/metrics`` reads.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.backends.redis.departure_queue import DepartureQueue
from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.metrics import ServerCollector
from tests.support import local_server


class DepartureQueueTests(unittest.TestCase):
    def setUp(self) -> None:
        self.queue = DepartureQueue(at_once=2)
        self.started: list[str] = []
        self.answers: dict[str, Deferred[None]] = {}
        self.server = local_server(ServerConfig(), Clock())
        #: What the process counted before (other tests' nodes, stopped
        #: with departures under way, may have left some).
        self.before = (0.0, 0.0)
        self.before = self.gauges()

    def departure(self, name: str) -> Deferred[str]:
        """``name``'s departure, queued: it starts, then waits for its
        answer (:attr:`answers`)."""

        async def depart() -> str:
            self.started.append(name)
            answer: Deferred[None] = Deferred()
            self.answers[name] = answer
            await answer
            return name

        return self.queue.run(depart)

    def gauges(self) -> tuple[float, float]:
        """What ``/metrics`` shows: departures running, and waiting, since
        the test began."""
        samples = {
            sample.name: sample.value
            for family in ServerCollector(self.server, 0).collect()
            for sample in family.samples
        }
        return (
            samples["chatroom_departures_in_flight"] - self.before[0],
            samples["chatroom_departures_waiting"] - self.before[1],
        )

    def test_a_bounded_number_run_in_the_order_they_came(self) -> None:
        """Five departures, two at a time: the others start as those end,
        in the order they came, a failed one giving its turn back too;
        ``/metrics`` counts them running and waiting until all are done."""
        done = [self.departure(name) for name in "abcde"]
        self.assertEqual(self.started, ["a", "b"])
        self.assertEqual(self.gauges(), (2, 3))
        self.answers["b"].callback(None)
        self.assertEqual(self.started, ["a", "b", "c"])
        self.assertEqual(self.gauges(), (2, 2))
        self.answers["a"].errback(RuntimeError("Redis refused"))
        self.assertEqual(self.started, ["a", "b", "c", "d"])
        self.assertEqual(self.gauges(), (2, 1))
        self.answers["c"].callback(None)
        self.assertEqual(self.started, ["a", "b", "c", "d", "e"])
        self.assertEqual(self.gauges(), (2, 0))
        self.answers["d"].callback(None)
        self.answers["e"].callback(None)
        self.assertEqual(self.gauges(), (0, 0))
        self.assertEqual(self.successResultOf(done[4]), "e")
        self.failureResultOf(done[0], RuntimeError)

    def test_one_awaited_starts_ahead_of_its_turn(self) -> None:
        """Four departures, two at a time, and a claim waits for the last
        (the name it frees): it starts at once, past the bound; the one
        before it still waits its turn, and the bound holds again after."""
        done = [self.departure(name) for name in "abcd"]
        self.queue.hasten(done[3])
        self.assertEqual(self.started, ["a", "b", "d"])
        self.assertEqual(self.gauges(), (3, 1))
        self.queue.hasten(done[0])  # running already: nothing to start
        self.answers["d"].callback(None)
        self.assertEqual(self.successResultOf(done[3]), "d")
        self.assertEqual(self.started, ["a", "b", "d"])
        self.answers["a"].callback(None)
        self.assertEqual(self.started, ["a", "b", "d", "c"])
        self.assertEqual(self.gauges(), (2, 0))
        self.answers["b"].callback(None)
        self.answers["c"].callback(None)
        self.assertEqual(self.gauges(), (0, 0))

    def test_a_crowd_whose_departures_fail_at_once(self) -> None:
        """5,000 departures wait behind the running ones, and each fails as
        soon as it starts (Redis lost: every call refused at once), its
        failure run again at the back of the queue, as a release's is: each
        ends with its own error, run twice, none with a ``RecursionError``,
        and the queue is empty afterwards, a new departure starting at
        once."""
        crowd = 5000
        tries: dict[int, int] = {}
        ended: list[Failure] = []

        def refused(number: int) -> Callable[[], Coroutine[Any, Any, None]]:
            async def depart() -> None:
                tries[number] = tries.get(number, 0) + 1
                raise RuntimeError(f"Redis refused {number}")

            return depart

        def queued(number: int, again: bool) -> None:
            failing = self.queue.run(refused(number))

            def failed(failure: Failure) -> None:
                if again:
                    queued(number, False)
                else:
                    ended.append(failure)

            failing.addErrback(failed)

        running = [self.departure(name) for name in "ab"]
        for number in range(crowd):
            queued(number, True)
        self.assertEqual(self.gauges(), (2, crowd))
        self.answers["a"].callback(None)
        self.answers["b"].callback(None)
        self.assertEqual([self.successResultOf(d) for d in running], ["a", "b"])
        self.assertEqual(
            sorted({f.type for f in ended}, key=str), [RuntimeError], ended[:1]
        )
        self.assertEqual(len(ended), crowd)
        self.assertEqual(set(tries.values()), {2})
        self.assertEqual(self.gauges(), (0, 0))
        self.departure("c")
        self.assertEqual(self.started[-1], "c")
