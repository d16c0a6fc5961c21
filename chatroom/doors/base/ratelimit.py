"""A token bucket for per-connection flood control.

Each connection may send ``burst`` lines at once, then ``rate`` lines per
second on average: the bucket holds up to ``burst`` tokens, refills at
``rate`` tokens a second, and every line takes one. Time comes from an
injected clock (anything with ``seconds()``, e.g. the reactor or a
``task.Clock``), so tests advance time instead of sleeping. A rate of 0
turns the limit off, which the benchmarks rely on.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime


class TokenBucket:
    """Refill lazily on each request: no timers, O(1) per line."""

    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, clock: IReactorTime) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock.seconds()

    def allow(self) -> bool:
        """Take a token if one is available; False means over the limit."""
        if self.rate <= 0:
            return True
        now = self._clock.seconds()
        tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            return True
        self._tokens = tokens
        return False

    def wait(self) -> float:
        """Seconds until :meth:`allow` will next say yes (0 if it would now)."""
        if self.rate <= 0:
            return 0.0
        elapsed = self._clock.seconds() - self._last
        missing = 1.0 - min(self.burst, self._tokens + elapsed * self.rate)
        return max(0.0, missing / self.rate)
