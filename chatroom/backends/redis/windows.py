"""Sliding windows every node counts in: the Redis :class:`SharedWindows`.

What a limit over time allows (``--register-limit`` per
``--register-window`` from one address, ``--register-rate`` a minute for
the whole server) is the core's rule
(:class:`chatroom.core.throttle.SharedWindowLimit`); here each count is
one script, so two nodes taking the last place at once are counted one
after the other, and the times are Redis's own (``TIME``), so the nodes'
clocks need not agree.

- ``P window:<k>``: a sorted set, one member per event counted for key k
  in its window, scored by its time in milliseconds; it expires a window
  after its newest event, so a key nobody uses again costs nothing;
- ``P window-seq``: a count that makes each event's member unique.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script

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

    async def take(self, key: str, limit: int, window: float) -> float:
        wait = await self.calls.eval(TAKE, key, limit, round(window * 1000))
        return int(wait) / 1000

    async def give_back(self, key: str) -> None:
        await self.calls.eval(GIVE_BACK, key)
