"""The deadlines of calls to Redis: one timer for all of them.

A call Redis does not answer within ``--redis-timeout`` is cancelled (the
user hears ``ERR UNAVAILABLE``); one answered in time is never touched.
Driven by ``task.Clock``; the calls are plain Deferreds, as txredisapi's are.
"""

from __future__ import annotations

from twisted.internet import defer, task
from twisted.trial import unittest

from chatroom.backends.redis.deadlines import CallDeadlines


class CallDeadlinesTests(unittest.TestCase):
    """Calls in flight time out after the timeout, and only those."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.deadlines = CallDeadlines(self.clock, 5.0)

    def call(self) -> defer.Deferred[bytes]:
        """A call in flight, watched until it fires (as RedisCalls.eval does)."""
        running: defer.Deferred[bytes] = defer.Deferred()
        watch = self.deadlines.watch(running)

        def done(result: object) -> object:
            self.deadlines.done(watch)
            return result

        running.addBoth(done)
        return running

    def test_unanswered_call_is_cancelled_at_its_deadline(self) -> None:
        """Not answered in 5 s: cancelled then, not before, and marked so."""
        running: defer.Deferred[bytes] = defer.Deferred()
        watch = self.deadlines.watch(running)
        self.clock.advance(4.9)
        self.assertFalse(running.called)
        self.clock.advance(0.1)
        self.assertTrue(watch.timed_out)
        self.failureResultOf(running, defer.CancelledError)

    def test_answered_call_keeps_its_reply(self) -> None:
        """A call answered in time keeps its reply when the deadline passes,
        and the late reply of a timed-out call is ignored, not an error."""
        answered, late = self.call(), self.call()
        answered.callback(b"OK")
        self.clock.advance(5)
        self.assertEqual(self.successResultOf(answered), b"OK")
        self.failureResultOf(late, defer.CancelledError)
        late.callback(b"too late")  # what txredisapi does when it comes

    def test_each_call_has_its_own_deadline(self) -> None:
        """Calls made later time out later, each 5 s after it began, with
        one timer for all of them."""
        first = self.call()
        self.clock.advance(1)
        second = self.call()
        self.clock.advance(2)
        third = self.call()
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(2)  # t = 5
        self.failureResultOf(first, defer.CancelledError)
        self.assertFalse(second.called)
        second.callback(b"OK")
        self.clock.advance(1)  # t = 6: second was answered
        self.assertEqual(self.successResultOf(second), b"OK")
        self.assertFalse(third.called)
        self.clock.advance(2)  # t = 8
        self.failureResultOf(third, defer.CancelledError)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_timer_returns_for_calls_after_a_quiet_spell(self) -> None:
        """After every call was answered and the timer ran out, a new call
        still times out."""
        self.call().callback(b"OK")
        self.clock.advance(10)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        running = self.call()
        self.clock.advance(5)
        self.failureResultOf(running, defer.CancelledError)

    def test_stop_leaves_no_timer(self) -> None:
        """A node that detached leaves no timer behind, and passes its
        Deferred chain's result through."""
        self.call()
        self.assertEqual(self.deadlines.stop("detached"), "detached")
        self.assertEqual(self.clock.getDelayedCalls(), [])
