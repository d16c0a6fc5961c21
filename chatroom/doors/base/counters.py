"""Rare events a door counts where they happen, labelled by door.

``prometheus_client`` counters in the process's one
:data:`chatroom.core.metrics.REGISTRY`, so ``/metrics`` shows them beside
the core's numbers (see :mod:`chatroom.doors.web.metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter

from chatroom.core.metrics import REGISTRY

FLOOD_DELAYS = Counter(
    "chatroom_flood_limited",
    "Lines held back by flood control (past --burst, at --rate).",
    ["door"],
    registry=REGISTRY,
)
SENDQ_DROPS = Counter(
    "chatroom_sendq_drops",
    "Connections dropped for falling --sendq bytes behind.",
    ["door"],
    registry=REGISTRY,
)
KEEPALIVE_PINGS = Counter(
    "chatroom_keepalive_pings",
    "PINGs sent to clients silent for --ping-interval: an idle crowd's only "
    "work, spread over up to a quarter of the interval more.",
    ["door"],
    registry=REGISTRY,
)

#: Each door's child of :data:`KEEPALIVE_PINGS`, made at its first ping:
#: an idle crowd's pings are the one counted event that comes thousands of
#: times a second (a million connections pinged every 120-150 s), and
#: ``labels()`` takes a lock and checks its arguments every time.
_PINGS_BY_DOOR: dict[str, Counter] = {}


def count_ping(door: str) -> None:
    """One keepalive ``PING`` sent at ``door``."""
    counted = _PINGS_BY_DOOR.get(door)
    if counted is None:
        counted = _PINGS_BY_DOOR[door] = KEEPALIVE_PINGS.labels(door)
    counted.inc()
