"""Rare events a door counts where they happen, labelled by door.

``prometheus_client`` counters in the process's one
:data:`chatroom.core.model.metrics.REGISTRY`, so ``/metrics`` shows them beside
the core's numbers (see :mod:`chatroom.doors.web.metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter

from chatroom.core.model.metrics import REGISTRY, CountedBy

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

#: :data:`KEEPALIVE_PINGS` by door: an idle crowd's pings come thousands
#: of times a second (a million connections pinged every 120-150 s).
PINGS_BY_DOOR = CountedBy(KEEPALIVE_PINGS)
