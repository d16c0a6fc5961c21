"""Sliding windows every node counts in: the Redis :class:`SharedWindows`.

What a limit over time allows (``--register-limit`` per
``--register-window`` from one address, ``--register-rate`` a minute for
the whole server) is the core's rule
(:class:`chatroom.core.infra.throttle.SharedWindowLimit`), which reaches Redis as
a change's premise (:class:`~chatroom.core.model.changes.server.FewerThan`: the limit
and the window its operands); here each change is one script, which
checks the premise and counts, so two nodes taking the last place at once
are counted one after the other, and the times are Redis's own (``TIME``),
so the nodes' clocks need not agree.

- ``P window:<k>``: a sorted set, one member per event counted for key k
  in its window, scored by its time in milliseconds; it expires a window
  after its newest event, so a key nobody uses again costs nothing;
  (an event counted with its own id, a Matrix event's, is the member
  ``=<id>``: taken again while it is in the window, it is counted
  already, and nothing more is);
- ``P window-seq``: a count that makes each event's member unique.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.server import (
    CountedEvents,
)

#: Operands: ``change`` (events counted under a key in a sliding window:
#: one more, resting on fewer than the most in the window; or the newest
#: given back). 0 once applied; else the milliseconds until the oldest
#: leaves the window.
TAKE = Script("window-take", subjects=(CountedEvents,))


class RedisWindows:
    """Counts in sliding windows shared by every node of the cluster."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(CountedEvents)
    async def apply(self, change: DecidedChange) -> None:
        """One script: an event counted (``TAKE``, its premise checked
        there, else :class:`~chatroom.core.model.changes.base.
        PremiseFailedError` with the seconds to wait), or given back."""
        if not isinstance(change.subject, CountedEvents):
            raise TypeError(f"{change.subject!r} counts no events")
        wait = await self.calls.eval(TAKE, {"change": change})
        if int(wait):
            raise PremiseFailedError(int(wait) / 1000, change.premises[0])
