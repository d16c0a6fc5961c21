"""The counters the hot path bumps: a leaf every layer may import.

Back-ends count their fan-out here and time their Redis round trips; doors
(:mod:`chatroom.doors.base.counters`) and the registry's timing wrapper
(:mod:`chatroom.core.metered`) register their own counters in the same
:data:`REGISTRY`; the web door reads it all when ``/metrics`` is scraped
(:mod:`chatroom.doors.web.metrics`). This module imports nothing of
chatroom's, so importing it can never make a cycle.

Fan-out (events delivered, chat messages delivered) is the hot path: a
message to a thousand members must not pay a thousand metric updates. A
room adds its member count once per event (:func:`fanned_out`, two integer
additions), and the totals are read only when scraped.

Counters live in this module's own ``CollectorRegistry`` (one server per
process; tests compare before and after).
"""

from __future__ import annotations

from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

#: Upper bounds (seconds) of the latency histograms' buckets.
LATENCY_BUCKETS = (
    0.0001,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.5,
    1.0,
)

REDIS_SECONDS = Histogram(
    "chatroom_redis_round_trip_seconds",
    "Round trip of one Redis script call (cluster mode only).",
    registry=REGISTRY,
    buckets=LATENCY_BUCKETS,
)


class Counted(Protocol):
    """What :func:`fanned_out` reads of an event: whether it carries a
    chat message (counted apart as messages out)."""

    chat: bool


class FanOut:
    """Plain integers for the hot path, read only when scraped."""

    __slots__ = ("deliveries", "messages_out")

    def __init__(self) -> None:
        self.deliveries = 0
        self.messages_out = 0


FANOUT = FanOut()


class DeparturesCounted:
    """A cluster node's sessions' ends (releases, nicks kept for
    ``WHOWAS``) under way, waiting their turn and run again
    (:mod:`chatroom.backends.redis.departure_queue`): plain integers,
    read when scraped."""

    __slots__ = ("retried", "running", "waiting")

    def __init__(self) -> None:
        self.running = 0
        self.waiting = 0
        #: Releases run again after they failed while the node served.
        self.retried = 0


DEPARTURES = DeparturesCounted()


def fanned_out(event: Counted, members: int) -> None:
    """One event went to ``members`` members: counted once, not per member."""
    FANOUT.deliveries += members
    if event.chat:
        FANOUT.messages_out += members


class CountedBy:
    """A labelled counter's children by their one label, each made on first
    use and kept: ``labels()`` takes a lock and checks its arguments at
    every call, and some counts come thousands of times a second (an idle
    crowd's keepalive pings, the messages of a busy door)."""

    __slots__ = ("_children", "_counter")

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._children: dict[str, Counter] = {}

    def inc(self, label: str) -> None:
        """One more for ``label``."""
        child = self._children.get(label)
        if child is None:
            child = self._children[label] = self._counter.labels(label)
        child.inc()
