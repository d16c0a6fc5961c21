"""How late the reactor runs its timers: a node's turns getting long.

Everything a node does happens in turns of one reactor loop, and a timer
runs only once the turn in progress ends. So a timer's lateness is how
long the node's turns are: a node accepting a storm of connections, walking
a crowd with the collector, or starved of CPU by the machine's other
processes runs its timers late, and with them every deadline, heartbeat
and flush. Redis's deadlines do not count that time against Redis
(:mod:`chatroom.redisclient.deadlines`), but the users still wait for it.

:class:`ReactorLag` takes a sample every :data:`INTERVAL` seconds: how
late a timer set for that moment would have run. A turn delays the
sample due during it by up to its own length, so a turn longer than the
interval is always caught, and shorter ones as often as they fill the
time. ``/metrics`` shows every sample in ``chatroom_reactor_lag_seconds``
(a histogram: its tail is the turns' tail) and the longest since
start-up in ``chatroom_reactor_lag_longest_seconds``; the log says the
longest at shutdown.

A timer's wake is a turn of the reactor of its own (an ``epoll_wait`` and
the loop around it: 20-35 µs of CPU on a quiet machine, about 165 µs for
each of 56 idle nodes sharing two cores, whose caches another node has
just used), which an idle node would pay ten times a second: 56 idle
nodes of the million scenario spent 8.5 % of a core on these wakes
(benchmarks/results/performance-notebook.md, "A server nobody is
connected to"). So on a reactor
that takes its turns in a :class:`~chatroom.net.pollcap.TurnLoop` (the
server's) no timer is set: the sample is taken at the end of the turn in
which it came due, as a timer would have been run then, and is as late
as the turn went on past it; a sample that came due while the reactor
slept in its poll would have been on time, and is not taken. An idle
node sleeps until a timer of its own (its heartbeat, a deadline) wakes
it. On any other clock (a test's ``task.Clock``) a timer takes the
samples. The node's other chores of the same pace
(:attr:`ReactorLag.chores`: the collector's check, idle rooms' plans)
are called after each sample, on its turn, rather than on a wake of
their own.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Gauge, Histogram
from twisted.application.service import Service
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.core.model.metrics import REGISTRY
from chatroom.net.pollcap import TurnLoop, turn_loop

#: Seconds between two samples.
INTERVAL = 0.1

#: Upper bounds (seconds) of the lateness histogram's buckets: from a turn
#: nobody notices to one that would pass a Redis deadline.
LAG_BUCKETS = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
)

REACTOR_LAG = Histogram(
    "chatroom_reactor_lag_seconds",
    "How late a timer set for a known moment ran (sampled at most ten "
    "times a second, while the reactor is awake): how long its turns are.",
    registry=REGISTRY,
    buckets=LAG_BUCKETS,
)
REACTOR_LAG_LONGEST = Gauge(
    "chatroom_reactor_lag_longest_seconds",
    "The latest a sampled timer ran since start-up: the node's longest turn.",
    registry=REGISTRY,
)


class ReactorLag(Service):
    """Samples the reactor's lateness while the server runs."""

    log = Logger()

    def __init__(self, clock: IReactorTime, interval: float = INTERVAL) -> None:
        self.clock = clock
        self.interval = interval
        #: The latest a sample ran (seconds), and how many were taken.
        self.longest = 0.0
        self.samples = 0
        #: Called after each sample, on its wake (a chore that raises is
        #: logged; the samples go on).
        self.chores: list[Callable[[], None]] = []
        self._due = 0.0
        self._timer: IDelayedCall | None = None
        #: The reactor's turn loop whose turns' ends take the samples (None:
        #: a timer takes them).
        self._turns: TurnLoop | None = None

    def startService(self) -> None:
        super().startService()
        self._turns = turn_loop(self.clock)
        if self._turns is not None:
            self._due = self.clock.seconds() + self.interval
            self._turns.after_each = self._turn_ended
        else:
            self._set()

    def stopService(self) -> None:
        super().stopService()
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        if self._turns is not None and self._turns.after_each == self._turn_ended:
            self._turns.after_each = None
        self._turns = None
        self.log.info(
            "reactor: {samples} timers sampled, the latest {ms:.1f} ms late",
            samples=self.samples,
            ms=self.longest * 1000,
        )

    def _set(self) -> None:
        self._due = self.clock.seconds() + self.interval
        self._timer = self.clock.callLater(self.interval, self._sample)

    def _turn_ended(self) -> None:
        """A turn of the reactor's loop ended: the sample due in it, if one
        was, and the chores once an interval has passed. Samples that came
        due while the reactor slept in its poll would have run on time, a
        timer's each an interval after the last: the first due after the
        wake is the one this turn may have delayed."""
        turns = self._turns
        now = self.clock.seconds()
        if turns is None or now < self._due:
            return
        if self._due <= turns.woke:
            slept = (turns.woke - self._due) // self.interval + 1
            self._due += slept * self.interval
        if self._due <= now:
            self._note(now - self._due)
            self._due = now + self.interval
        self._do_chores()

    def _sample(self) -> None:
        self._note(max(0.0, self.clock.seconds() - self._due))
        self._set()
        self._do_chores()

    def _note(self, late: float) -> None:
        self.samples += 1
        REACTOR_LAG.observe(late)
        if late > self.longest:
            self.longest = late
            REACTOR_LAG_LONGEST.set(late)

    def _do_chores(self) -> None:
        for chore in self.chores:
            try:
                chore()
            except Exception:
                self.log.failure("{chore!r} failed", chore=chore)
