"""Back-off after repeated failures, per key: how password guessing is slowed.

After ``free`` failures for a key, each further attempt must wait ``base``
seconds, doubling with every failure up to ``cap``; a key that has had no
failure for ``forget`` seconds starts over, and a success clears it. The
waits are computed from an injected clock (the reactor, or ``task.Clock``
in tests), like Synapse's ``Ratelimiter``; nothing is scheduled, so an idle
throttle costs nothing. The table is bounded: past ``limit`` keys the
quiet ones are dropped first, then the oldest.

An attempt is counted when it starts, not when its (slow, asynchronous)
check fails: :meth:`FailureThrottle.attempt` reserves a failure before the
password hash is checked, and :meth:`FailureThrottle.refund` gives it back
when the attempt turns out not to be one. So forty guesses sent at once are
throttled like forty guesses sent one after another.

:class:`WindowLimit` counts events per key in a sliding window (at most
``limit`` per ``window`` seconds): how registrations are bounded.
:class:`SharedWindowLimit` is the same rule for every node of a cluster:
the limit and the window are the core's, the count the back-end's
(:class:`SharedWindows`, one atomic step in Redis, on Redis's clock), or
this process's :class:`WindowLimit` where there is no other node.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

from twisted.internet.interfaces import IReactorTime


@dataclass
class _Record:
    failures: int
    last: float


class FailureThrottle:
    """Exponential back-off per key after ``free`` failures."""

    def __init__(
        self,
        clock: IReactorTime,
        free: int,
        base: float,
        cap: float,
        forget: float,
        limit: int = 100_000,
    ) -> None:
        self.clock = clock
        self.free = free
        self.base = base
        self.cap = cap
        self.forget = forget
        self.limit = limit
        self._records: dict[str, _Record] = {}

    def delay(self, failures: int) -> float:
        """How long an attempt waits after ``failures`` failures."""
        if failures < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** (failures - self.free)))

    def wait(self, key: str) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        record = self._records.get(key)
        if record is None:
            return 0.0
        now = self.clock.seconds()
        if now - record.last >= self.forget:
            del self._records[key]
            return 0.0
        return max(0.0, record.last + self.delay(record.failures) - now)

    def failed(self, key: str) -> None:
        now = self.clock.seconds()
        record = self._records.get(key)
        if record is None or now - record.last >= self.forget:
            if len(self._records) >= self.limit:
                self._prune(now)
            self._records[key] = _Record(1, now)
        else:
            record.failures += 1
            record.last = now

    def attempt(self, key: str) -> float:
        r"""Seconds to wait (0: go ahead, and the attempt is counted now as
        a failure, to be :meth:`refund`\ ed if it was not one)."""
        wait = self.wait(key)
        if not wait:
            self.failed(key)
        return wait

    def refund(self, key: str) -> None:
        """An attempt counted by :meth:`attempt` was not a failure."""
        record = self._records.get(key)
        if record is not None:
            record.failures -= 1
            if record.failures <= 0:
                del self._records[key]

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def _prune(self, now: float) -> None:
        records = self._records
        for key in [k for k, r in records.items() if now - r.last >= self.forget]:
            del records[key]
        while len(records) >= self.limit:
            del records[next(iter(records))]


class WindowLimit:
    """At most ``limit`` events per key in any ``window`` seconds.

    Each key keeps the times of its last ``limit`` events (so memory is
    bounded per key); past ``keys`` keys, those with nothing in the window
    are dropped first, then the oldest. A ``limit`` of 0 turns it off.
    """

    def __init__(
        self, clock: IReactorTime, limit: int, window: float, keys: int = 100_000
    ) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self.keys = keys
        self._times: dict[str, deque[float]] = {}

    def take(self, key: str) -> float:
        """Seconds until ``key`` may have another event (0: it has it now)."""
        if self.limit <= 0:
            return 0.0
        now = self.clock.seconds()
        times = self._times.get(key)
        if times is None:
            if len(self._times) >= self.keys:
                self._prune(now)
            times = self._times[key] = deque(maxlen=self.limit)
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return max(0.0, times[0] + self.window - now)
        times.append(now)
        return 0.0

    def give_back(self, key: str) -> None:
        """The newest event taken for ``key`` did not happen after all."""
        times = self._times.get(key)
        if times:
            times.pop()
            if not times:
                del self._times[key]

    def _prune(self, now: float) -> None:
        times = self._times
        for key in [k for k, t in times.items() if not t or now - t[-1] >= self.window]:
            del times[key]
        while len(times) >= self.keys:
            del times[next(iter(times))]


class SharedWindows(Protocol):
    """Events counted per key in sliding windows that every node of a
    cluster shares (the Redis back-end's): each step one atomic one."""

    async def take(self, key: str, limit: int, window: float) -> float:
        """Seconds until ``key`` may have another event, if it has had
        ``limit`` in the last ``window`` seconds; else 0, and it has one."""
        ...

    async def give_back(self, key: str) -> None:
        """One event taken for ``key`` did not happen after all."""
        ...


class SharedWindowLimit:
    """At most ``limit`` events per key in any ``window`` seconds (0: no
    limit), counted by ``shared`` for the whole cluster under ``name``'s
    keys, or by this process (:class:`WindowLimit`) without it."""

    def __init__(
        self,
        clock: IReactorTime,
        limit: int,
        window: float,
        shared: SharedWindows | None,
        name: str,
    ) -> None:
        self.own = WindowLimit(clock, limit, window)
        self.shared = shared
        self.name = name

    async def take(self, key: str) -> float:
        """As :meth:`WindowLimit.take`."""
        own = self.own
        if own.limit <= 0 or self.shared is None:
            return own.take(key)
        return await self.shared.take(f"{self.name}:{key}", own.limit, own.window)

    async def give_back(self, key: str) -> None:
        """As :meth:`WindowLimit.give_back`."""
        if self.own.limit <= 0 or self.shared is None:
            self.own.give_back(key)
        else:
            await self.shared.give_back(f"{self.name}:{key}")
