"""Sliding windows every node counts in: the Redis :class:`SharedWindows`.

What a limit over time allows (``--register-limit`` per
``--register-window`` from one address, ``--register-rate`` a minute for
the whole server) is the core's rule
(:class:`chatroom.core.throttle.SharedWindowLimit`), which reaches Redis as
a change's premise (:class:`~chatroom.core.model.changes.server.FewerThan`: the limit
and the window its operands); here each change is one script, which
checks the premise and counts, so two nodes taking the last place at once
are counted one after the other, and the times are Redis's own (``TIME``),
so the nodes' clocks need not agree.

- ``P window:<k>``: a sorted set, one member per event counted for key k
  in its window, scored by its time in milliseconds; it expires a window
  after its newest event, so a key nobody uses again costs nothing;
- ``P window-seq``: a count that makes each event's member unique.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.server import (
    CountedEvents,
    CountEvent,
    FewerThan,
    UncountEvent,
)

#: ARGV: P, k, limit, window (ms). 0 and one more event for k if it has
#: had fewer than limit in the window; else the milliseconds until its
#: oldest leaves the window.
TAKE = Script("window-take")

#: ARGV: P, k. The newest event counted for k is not one after all.
GIVE_BACK = Script("window-give-back")


class RedisWindows:
    """Counts in sliding windows shared by every node of the cluster."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def apply(self, change: DecidedChange) -> None:
        """One script: an event counted (``TAKE``, its
        :class:`~chatroom.core.model.changes.server.FewerThan` checked there, else
        :class:`~chatroom.core.model.changes.base.PremiseFailedError` with the seconds
        to wait), or given back (``GIVE_BACK``)."""
        if not isinstance(change.subject, CountedEvents):
            raise TypeError(f"{change.subject!r} counts no events")
        key = change.subject.key
        for op in change.ops:
            if isinstance(op, UncountEvent):
                await self.calls.eval(GIVE_BACK, key)
                continue
            if not isinstance(op, CountEvent):
                raise TypeError(f"not an operation on counted events: {op!r}")
            fewer = change.premise(FewerThan)
            if fewer is None or fewer.window != op.window:
                raise TypeError(f"an event counted under no limit: {change!r}")
            wait = await self.calls.eval(
                TAKE, key, fewer.count, round(fewer.window * 1000)
            )
            if int(wait):
                raise PremiseFailedError(int(wait) / 1000, fewer)
