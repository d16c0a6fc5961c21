"""How late the reactor runs its timers: a node's turns getting long.

Everything a node does happens in turns of one reactor loop, and a timer
runs only once the turn in progress ends. So a timer's lateness is how
long the node's turns are: a node accepting a storm of connections, walking
a crowd with the collector, or starved of CPU by the machine's other
processes runs its timers late, and with them every deadline, heartbeat
and flush. Redis's deadlines do not count that time against Redis
(:mod:`chatroom.redisclient.deadlines`), but the users still wait for it.

:class:`ReactorLag` sets one timer every :data:`INTERVAL` seconds on the
injected clock and notes how late it ran. A turn delays the sample due
during it by up to its own length, so a turn longer than the interval is
always caught, and shorter ones as often as they fill the time.
``/metrics`` shows every sample in ``chatroom_reactor_lag_seconds`` (a
histogram: its tail is the turns' tail) and the longest since start-up
in ``chatroom_reactor_lag_longest_seconds``; the log says the longest at
shutdown.

Each wake of a timer is a turn of the reactor of its own (an
``epoll_wait`` and the loop around it, 20-35 µs of CPU), which an idle
node pays ten times a second for each timer it keeps at that pace; with
dozens of nodes on one machine that adds up. So the node's other
chores of the same pace (:attr:`ReactorLag.chores`: the collector's
check) ride on the sample's wake rather than waking the reactor again.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Gauge, Histogram
from twisted.application.service import Service
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.core.metrics import REGISTRY

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
    "How late a timer set for a known moment ran (sampled ten times a "
    "second): how long the reactor's turns are.",
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

    def startService(self) -> None:
        super().startService()
        self._set()

    def stopService(self) -> None:
        super().stopService()
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        self.log.info(
            "reactor: {samples} timers sampled, the latest {ms:.1f} ms late",
            samples=self.samples,
            ms=self.longest * 1000,
        )

    def _set(self) -> None:
        self._due = self.clock.seconds() + self.interval
        self._timer = self.clock.callLater(self.interval, self._sample)

    def _sample(self) -> None:
        late = max(0.0, self.clock.seconds() - self._due)
        self.samples += 1
        REACTOR_LAG.observe(late)
        if late > self.longest:
            self.longest = late
            REACTOR_LAG_LONGEST.set(late)
        self._set()
        for chore in self.chores:
            try:
                chore()
            except Exception:
                self.log.failure("{chore!r} failed", chore=chore)
