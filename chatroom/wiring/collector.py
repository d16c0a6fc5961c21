"""CPython's cyclic garbage collector, kept out of the latency tail.

An idle connection is about fourteen objects the collector tracks (its
protocol, connection, sessions, output queue, flood gate, deadline entry,
the transport and its socket, a bound method and a few lists). With 20,000
connected, a full collection walks some 300,000 objects and stops the
reactor for tens of milliseconds (26–128 ms were seen:
benchmarks/results/performance-notebook.md), though none of those objects
is ever garbage: a closed connection is freed by reference counting
alone, since nothing of it forms a cycle
(``tests/wiring/test_collector.py`` holds the doors to that).

So :class:`CollectorService`:

- **freezes** what start-up made (without collecting first), and then,
  whenever more than ``--gc-freeze`` objects have reached the oldest
  generation since the last freeze (a burst of connections), collects that
  generation (small, since
  everything older is frozen) and freezes again (``gc.freeze``): frozen
  objects are never walked again, so a full collection only walks what is
  newer than the last freeze, and its pause stays bounded by the threshold
  rather than growing with the number of connections;
- **times every collection** (``gc.callbacks``), so the longest pause is a
  measured figure: ``/metrics`` shows them as
  ``chatroom_gc_pause_seconds`` (by generation),
  ``chatroom_gc_pause_longest_seconds`` and the CPU the costliest
  collection of generation 1 or 2 took
  (``chatroom_gc_pause_longest_cpu_seconds``: a wall-clock pause longer
  than that was the process waiting for a core), and the log says the
  longest at shutdown.

Frozen objects are still freed when their reference count falls to zero;
only cyclic garbage among them would be kept, which is why a connection must
not hold a cycle. Stopping the service unfreezes everything.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge, Histogram
from twisted.application.service import Service
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from chatroom.core.model.metrics import REGISTRY

#: Upper bounds (seconds) of the pause histogram's buckets.
PAUSE_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)

GC_PAUSES = Histogram(
    "chatroom_gc_pause_seconds",
    "How long each garbage collection stopped the server, by generation.",
    ["generation"],
    registry=REGISTRY,
    buckets=PAUSE_BUCKETS,
)
GC_LONGEST = Gauge(
    "chatroom_gc_pause_longest_seconds",
    "The longest garbage-collection pause since start-up.",
    registry=REGISTRY,
)
GC_FROZEN = Gauge(
    "chatroom_gc_frozen_objects",
    "Objects frozen out of the collector's reach (gc.freeze), counted as "
    "each freeze moves them: those freed since are still counted.",
    registry=REGISTRY,
)
# Counted as each freeze moves them (the few thousand a burst left, a
# bounded count), never by CPython's own count: gc.get_freeze_count()
# walks every frozen object, which stopped the reactor 15-46 ms with the
# 70,000-100,000 objects a server of 1,000 clients holds (at each freeze,
# under traffic), and would at each scrape of /metrics for a time that
# grows with the crowd (68 ms for 460,000 frozen objects: about sixteen
# an idle connection; benchmarks/results/performance-notebook.md, "The
# collector with many connections").

GC_LONGEST_CPU = Gauge(
    "chatroom_gc_pause_longest_cpu_seconds",
    "The most CPU time one collection of generation 1 or 2 took since "
    "start-up (a pause longer than this in wall time was the process "
    "waiting for a core).",
    registry=REGISTRY,
)

#: Objects that may reach the oldest generation before they are frozen: a
#: collection that walks them costs about 1-3 ms (0.2-0.5 µs an object).
DEFAULT_FREEZE_THRESHOLD = 5_000

#: Seconds between looks at the oldest generation: a burst of connections
#: (about 16 objects each) adds a few thousand objects in this time.
CHECK_INTERVAL = 0.1


class GCHook:
    """A ``gc.callbacks`` hook (its ``__call__``), put in and taken out once."""

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """Told each collection's ``start`` and ``stop``."""

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def remove(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)


class PauseTimer(GCHook):
    """Times every collection through ``gc.callbacks``.

    ``timer`` is the clock the pause is read on (a monotonic one in the
    server; a test's own to make pauses of known length), ``cpu`` the
    process's CPU time, read for the older generations' collections only:
    a collection of the youngest is bounded by its threshold (700 objects)
    and comes thousands of times a second in a storm of connections, where
    two more clock reads (a system call each) and the histogram's lookup
    by label were a point of the server's samples.
    """

    def __init__(
        self,
        timer: Callable[[], float] = time.perf_counter,
        cpu: Callable[[], float] = time.process_time,
    ) -> None:
        self._timer = timer
        self._cpu = cpu
        self._started = 0.0
        self._cpu_started = 0.0
        #: Each generation's histogram, found once.
        self._observe = [GC_PAUSES.labels(str(g)).observe for g in range(3)]
        #: The longest pause so far (seconds) and its generation.
        self.longest = 0.0
        self.longest_generation = -1
        #: The most CPU one collection of an older generation took (seconds).
        self.longest_cpu = 0.0
        self.collections = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """The ``gc.callbacks`` hook: ``start`` and ``stop`` of a collection."""
        generation = info["generation"]
        if phase == "start":
            if generation:
                self._cpu_started = self._cpu()
            self._started = self._timer()
            return
        pause = self._timer() - self._started
        self.collections += 1
        self._observe[generation](pause)
        if pause > self.longest:
            self.longest = pause
            self.longest_generation = generation
            GC_LONGEST.set(pause)
        if generation:
            cpu = self._cpu() - self._cpu_started
            if cpu > self.longest_cpu:
                self.longest_cpu = cpu
                GC_LONGEST_CPU.set(cpu)


class Freezer(GCHook):
    """Freezes the long-lived objects after start-up and after each burst.

    ``threshold`` objects in the oldest (unfrozen) generation trigger a
    collection of it, then a freeze; 0 turns freezing off.
    """

    def __init__(self, threshold: int = DEFAULT_FREEZE_THRESHOLD) -> None:
        self.threshold = threshold
        self.freezes = 0
        #: Objects frozen since the last unfreeze, counted as each freeze
        #: moved them (those freed since included).
        self.frozen = 0
        #: Whether objects may have come into the oldest generation since
        #: the last check. Only a collection of generation 1 or 2 moves
        #: them there (and an unfreeze): counting the generation walks
        #: every object in it (about 120 µs with 5,000), up to ten times a
        #: second on every node, for nothing while no such collection ran.
        self.promoted = True

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """The ``gc.callbacks`` hook: a collection of generation 1 or 2
        ended, so its survivors may be in the oldest generation now."""
        if phase == "stop" and info["generation"] >= 1:
            self.promoted = True

    def freeze(self, collect: bool = True) -> None:
        """Collect what is garbage now (unless not ``collect``), then freeze
        everything that is left, counting it: what is not frozen yet is
        what a burst left (or start-up made), never the crowd already
        frozen, so the count stays as small as the collection."""
        if collect:
            gc.collect()
        moved = sum(len(gc.get_objects(generation)) for generation in range(3))
        gc.freeze()
        self.freezes += 1
        self.frozen += moved
        GC_FROZEN.set(self.frozen)

    def unfreeze(self) -> None:
        """Give every frozen object back to the collector."""
        gc.unfreeze()
        self.frozen = 0
        self.promoted = True
        GC_FROZEN.set(0)

    def check(self) -> None:
        """Freeze if a burst brought more than ``threshold`` survivors
        (looked at only if a collection may have brought any since)."""
        if not (self.threshold and self.promoted):
            return
        self.promoted = False
        if len(gc.get_objects(generation=2)) > self.threshold:
            self.freeze()


class CollectorService(Service):
    """Times collections and freezes survivors while the server runs."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        threshold: int = DEFAULT_FREEZE_THRESHOLD,
        timer: Callable[[], float] = time.perf_counter,
        chores: list[Callable[[], None]] | None = None,
    ) -> None:
        """Args:
        chores: the list of what the reactor-lag sampler calls once every
            :data:`CHECK_INTERVAL` at most
            (:attr:`~chatroom.wiring.reactorlag.ReactorLag.chores`): the
            check rides on its samples instead of a timer of its own, at
            the end of a turn the reactor took anyway, so an idle node's
            reactor is not woken for it.
        """
        self.clock = clock
        self.pauses = PauseTimer(timer)
        self.freezer = Freezer(threshold)
        self._chores = chores
        self._loop: LoopingCall | None = None

    def startService(self) -> None:
        """Start timing; freeze what start-up made, and check often."""
        super().startService()
        if self.freezer.threshold:
            # Without a collection first: a full collection right here broke
            # the IRC door's history replay at start-up (something start-up
            # still needs is reachable only through a reference cycle; see
            # benchmarks/results/performance-notebook.md). Start-up's garbage
            # is frozen with it.
            self.freezer.freeze(collect=False)
        self.pauses.install()
        if self.freezer.threshold:
            self.freezer.install()
        if self.freezer.threshold and self._chores is not None:
            self._chores.append(self.freezer.check)
        elif self.freezer.threshold:
            self._loop = LoopingCall(self.freezer.check)
            self._loop.clock = self.clock
            self._loop.start(CHECK_INTERVAL, now=False)

    def stopService(self) -> None:
        """Stop, unfreeze, and say what the longest pause was."""
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None
        if self._chores is not None and self.freezer.check in self._chores:
            self._chores.remove(self.freezer.check)
        self.pauses.remove()
        self.freezer.remove()
        if self.freezer.freezes:
            self.freezer.unfreeze()
        self.log.info(
            "garbage collector: {count} collections, longest pause {ms:.1f} ms "
            "(generation {generation}; most CPU in one of generation 1 or 2 "
            "{cpu_ms:.1f} ms), "
            "{freezes} freezes",
            count=self.pauses.collections,
            ms=self.pauses.longest * 1000,
            cpu_ms=self.pauses.longest_cpu * 1000,
            generation=self.pauses.longest_generation,
            freezes=self.freezer.freezes,
        )
