"""Every connection's login, idle and ping deadline on one shared timer.

A connection waits for one thing at a time (its name, then silence, then an
answer to a ping), so it needs one deadline. A Twisted ``DelayedCall`` per
connection costs an idle connection about 450 bytes (the call and its
``__dict__``, two bound methods of the reactor, its arguments, the bound
method it calls), which at tens of thousands of idle clients was the
largest part of a connection's memory. :class:`Deadlines` keeps instead one
small heap entry per connection and one ``DelayedCall`` for the whole
server, always set for the earliest entry, on the server's clock (the
reactor, or ``task.Clock`` in tests).

The timer wakes at most once per :data:`STEP` (one second): a deadline
whose time comes within a step of the last wake waits for the next one,
and is then called with every other deadline due by then. So a deadline
fires never early and at most one step late; a deadline with no other
near it fires at exactly its time. An idle crowd's deadlines come at
scattered moments (each client's own silence plus ``--ping-interval``:
about a hundred a second on a node of 6,700), and each wake costs the node
a turn of its reactor (an ``epoll_wait`` and the loop around it, 20-35 µs
of CPU) beside the deadline's own few microseconds; one wake a step
handles them all in one turn, and their pings leave in one flush
(docs/performance.md, "The crowd at rest"). One turn calls at most
:data:`BATCH` owners: a crowd that came in together still comes due
close together (its idle checks are spread over only a quarter of the
interval more: ``connection.PING_SPREAD``), and thousands of pings due in
the same second are sent over several turns, with the reactor reading
between them, rather than in one long one.

An entry is ``[when, order, owner]``: a list, so that the heap compares
entries in C (by time, then in the order they were set, as the reactor
orders calls due at the same time), and so that cancelling one lets go of
its owner at once (``owner`` becomes None); a cancelled entry is dropped
when it comes up, or in one sweep once cancelled entries are half the heap.
"""

from __future__ import annotations

import heapq
from itertools import count
from typing import Any, Protocol

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

#: One deadline: ``[when, order, owner]`` (owner None: cancelled or spent).
Deadline = list[Any]

#: Cancelled entries tolerated before a sweep (and at least half the heap).
_SWEEP_AFTER = 64

#: Seconds between two wakes of the timer at least: how late a deadline
#: may fire (the login, ping and pong deadlines are a minute or more).
STEP = 1.0

#: Owners called in one turn at most; more due go on in the next turn (a
#: ``PING`` with its flush costs some 15-30 µs: a few milliseconds a turn).
BATCH = 256


class DeadlineOwner(Protocol):
    """What a deadline calls when its time has come."""

    def deadline_due(self, when: float) -> None:
        """The deadline set for ``when`` has come (it is spent)."""


class Deadlines:
    """The deadlines of every connection of one server, on one timer."""

    log = Logger()

    def __init__(self, clock: IReactorTime, step: float = STEP) -> None:
        self.clock = clock
        self.step = step
        self._heap: list[Deadline] = []
        self._order = count()
        self._cancelled = 0
        #: The one DelayedCall, set for ``_wakes_at`` (the earliest entry).
        self._call: IDelayedCall | None = None
        self._wakes_at = 0.0
        #: When the timer last woke (the time it was due): it does not wake
        #: again before one ``step`` later.
        self._woke_at = float("-inf")
        self._running = False
        #: Times the timer woke (each a reactor turn of its own), and the
        #: turns it took in all (a wake with more than :data:`BATCH` due
        #: goes on in the turns right after).
        self.wakes = 0
        self.turns = 0
        self._going_on = False

    def __len__(self) -> int:
        """Deadlines pending (cancelled ones not counted)."""
        return len(self._heap) - self._cancelled

    def at(self, when: float, owner: DeadlineOwner) -> Deadline:
        """Call ``owner.deadline_due(when)`` at ``when`` (a time on the clock)."""
        entry: Deadline = [when, next(self._order), owner]
        heapq.heappush(self._heap, entry)
        if not self._running:
            self._wake(when)
        return entry

    def cancel(self, entry: Deadline) -> None:
        """Never call ``entry``'s owner (nothing happens if it was spent)."""
        if entry[2] is None:
            return
        entry[2] = None
        self._cancelled += 1
        heap = self._heap
        if self._cancelled == len(heap):
            # Nothing left to wait for: no timer pending (a server whose
            # connections all closed leaves none behind on its reactor).
            heap.clear()
            self._cancelled = 0
            if self._call is not None and self._call.active():
                self._call.cancel()
            self._call = None
            self._going_on = False
        elif self._cancelled > _SWEEP_AFTER and 2 * self._cancelled > len(heap):
            heap[:] = [kept for kept in heap if kept[2] is not None]
            heapq.heapify(heap)
            self._cancelled = 0

    def _wake(self, when: float) -> None:
        """Have the timer fire by ``when``, or one step after its last wake
        if that is later."""
        when = max(when, self._woke_at + self.step)
        call = self._call
        now = self.clock.seconds()
        if call is None or not call.active():
            self._call = self.clock.callLater(max(0.0, when - now), self._run)
        elif when < self._wakes_at:
            call.reset(max(0.0, when - now))
        else:
            return
        self._wakes_at = when

    def _run(self) -> None:
        """Call every owner whose time has come, in order, then sleep again.

        Due means set for no later than the time the timer was set for (not
        the clock's reading, which the sum ``now + delay`` may round below
        it). An owner that raises is logged; the others are still called.
        """
        self._call = None
        due = max(self._wakes_at, self.clock.seconds())
        self._woke_at = due
        self.turns += 1
        if self._going_on:
            self._going_on = False
        else:
            self.wakes += 1
        heap = self._heap
        self._running = True
        called = 0
        try:
            while heap and heap[0][0] <= due and called < BATCH:
                entry = heapq.heappop(heap)
                owner = entry[2]
                if owner is None:
                    self._cancelled -= 1
                    continue
                entry[2] = None
                called += 1
                try:
                    owner.deadline_due(entry[0])
                except Exception:
                    self.log.failure("deadline of {owner!r} failed", owner=owner)
        finally:
            self._running = False
        while heap and heap[0][2] is None:
            heapq.heappop(heap)
            self._cancelled -= 1
        if heap and heap[0][0] <= due:  # more than a turn's share: next turn
            self._call = self.clock.callLater(0, self._run)
            self._wakes_at = due
            self._going_on = True
        elif heap:
            self._wake(heap[0][0])
