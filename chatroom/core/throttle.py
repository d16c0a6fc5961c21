"""Back-off after repeated failures, per key: how password guessing is slowed.

After ``free`` failures for a key, each further attempt must wait ``base``
seconds, doubling with every failure up to ``cap``; a key that has had no
failure for ``forget`` seconds starts over, and a success clears it. The
waits are computed from an injected clock (the reactor, or ``task.Clock``
in tests), like Synapse's ``Ratelimiter``; nothing is scheduled, so an idle
throttle costs nothing. The table is bounded: past ``limit`` keys the
quiet ones are dropped first, then the oldest.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def _prune(self, now: float) -> None:
        records = self._records
        for key in [k for k, r in records.items() if now - r.last >= self.forget]:
            del records[key]
        while len(records) >= self.limit:
            del records[next(iter(records))]
