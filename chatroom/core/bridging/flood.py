"""The Matrix users' flood limits, counted for the whole cluster.

A Matrix user speaks through whichever node the homeserver pushes to (a
load balancer may spread their transactions over every node), so their
limits are not a node's bucket but a count every node shares, as
registrations are bounded (:class:`chatroom.core.infra.throttle.
SharedWindowLimit`): at most ``--burst`` messages, edits, replies and
reactions in any ``--burst`` / ``--rate`` seconds (a sliding window: the
same burst and, over time, the same rate as a member's bucket at a door),
each one counted through the back-end's one write (Redis, on its own
clock, for every node; this process's memory on one server). The rule
and its figures are the core's: the server's flood rules as a reload
leaves them (``--rate 0``: none).
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.infra.throttle import SharedWindowLimit
from chatroom.core.model.changes.base import Apply
from chatroom.core.model.text import name_key
from chatroom.core.policy.flood import FloodRules

#: The counts' keys are ``matrix-flood:<name key>``.
COUNTED_AS = "matrix-flood"


class SharedSpeakerLimits:
    """Each Matrix user's flood limits for every node (see the module)."""

    def __init__(self, rules: Callable[[], FloodRules], count: Apply) -> None:
        """Args:
        rules: the server's flood rules, as they are at each call.
        count: where the counts are kept (the back-end's one write).
        """
        self.rules = rules
        self.count = count

    async def take(self, speaker: str) -> float:
        """One of ``speaker``'s lines counted: 0 if it is within the
        limits, else the seconds until one will be (nothing counted)."""
        rules = self.rules()
        if rules.rate <= 0:
            return 0.0
        burst = int(rules.full)
        window = SharedWindowLimit(burst, burst / rules.rate, self.count, COUNTED_AS)
        return await window.take(name_key(speaker))
