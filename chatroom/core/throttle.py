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
``limit`` per ``window`` seconds): how uploads, webhooks' posts and rooms
made are bounded. :class:`SharedWindowLimit` is the same rule for every
node of a cluster (how registrations are bounded): the limit and the
window are the core's, decided here and handed to the counter as a
change's premise (:class:`~chatroom.core.changes.FewerThan`); the count is
the back-end's (:class:`SharedWindows`: one atomic step in Redis, on
Redis's clock), or this process's memory (:class:`MemoryWindows`) where
there is no other node.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

from twisted.internet.interfaces import IReactorTime

from chatroom.core.changes import (
    Apply,
    CountedEvents,
    CountEvent,
    DecidedChange,
    FewerThan,
    PremiseFailedError,
    UncountEvent,
)


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


class MemoryWindows:
    """Events counted per key in sliding windows in this process's memory,
    on the injected clock: one process's :class:`SharedWindows` (where
    there is no other node to share them with), and what
    :class:`WindowLimit` counts in. A change of
    :class:`~chatroom.core.changes.CountedEvents` is applied as Redis's
    (:mod:`chatroom.backends.redis.windows`) applies it: its
    :class:`~chatroom.core.changes.FewerThan` checked, then its events
    counted or given back.

    Each key keeps the times of the events in its window (at most the
    premise's count, so memory is bounded per key); past ``keys`` keys,
    those with nothing in their window are dropped first, then the oldest.
    """

    def __init__(self, clock: IReactorTime, keys: int = 100_000) -> None:
        self.clock = clock
        self.keys = keys
        #: key → (its window in seconds, the times counted in it).
        self._times: dict[str, tuple[float, deque[float]]] = {}

    async def apply(self, change: DecidedChange) -> None:
        self.applied(change)

    def applied(self, change: DecidedChange) -> None:
        """:meth:`apply`, in the caller's step."""
        if not isinstance(change.subject, CountedEvents):
            raise TypeError(f"{change.subject!r} counts no events")
        key = change.subject.key
        now = self.clock.seconds()
        _, times = self._times.get(key, (0.0, deque()))
        for premise in change.premises:
            if not isinstance(premise, FewerThan):
                raise TypeError(f"not a premise of counted events: {premise!r}")
            while times and now - times[0] >= premise.window:
                times.popleft()
            if len(times) >= premise.count:
                wait = max(0.0, times[0] + premise.window - now)
                raise PremiseFailedError(wait, premise)
        for op in change.ops:
            if isinstance(op, CountEvent):
                if key not in self._times and len(self._times) >= self.keys:
                    self._prune(now)
                self._times[key] = (op.window, times)
                times.append(now)
            elif isinstance(op, UncountEvent):
                if times:
                    times.pop()
                if not times:
                    self._times.pop(key, None)
            else:
                raise TypeError(f"not an operation on counted events: {op!r}")

    def _prune(self, now: float) -> None:
        times = self._times
        for key in [k for k, (w, t) in times.items() if not t or now - t[-1] >= w]:
            del times[key]
        while len(times) >= self.keys:
            del times[next(iter(times))]


def counted(key: str, limit: int, window: float) -> DecidedChange:
    """One more event counted under ``key``, if it has had fewer than
    ``limit`` in the last ``window`` seconds: the core's rule, as a change
    the counter applies."""
    return DecidedChange(
        CountedEvents(key), (FewerThan(limit, window),), (CountEvent(window),)
    )


def uncounted(key: str) -> DecidedChange:
    """The newest event counted under ``key`` given back."""
    return DecidedChange(CountedEvents(key), (), (UncountEvent(),))


def waited(refusal: PremiseFailedError) -> float:
    """The seconds to wait that a counter's refusal brings."""
    wait = refusal.facts
    if not isinstance(wait, float | int):
        raise TypeError(f"a counter's refusal brings seconds, not {wait!r}")
    return float(wait)


class WindowLimit:
    """At most ``limit`` events per key in any ``window`` seconds, counted
    in this process's memory (:class:`MemoryWindows`). A ``limit`` of 0
    turns it off.
    """

    def __init__(
        self, clock: IReactorTime, limit: int, window: float, keys: int = 100_000
    ) -> None:
        self.limit = limit
        self.window = window
        self.counts = MemoryWindows(clock, keys)

    def take(self, key: str) -> float:
        """Seconds until ``key`` may have another event (0: it has it now)."""
        if self.limit <= 0:
            return 0.0
        try:
            self.counts.applied(counted(key, self.limit, self.window))
        except PremiseFailedError as refusal:
            return waited(refusal)
        return 0.0

    def give_back(self, key: str) -> None:
        """The newest event taken for ``key`` did not happen after all."""
        self.counts.applied(uncounted(key))


class SharedWindows(Protocol):
    """Events counted per key in sliding windows that every node of a
    cluster shares (the Redis back-end's), or one process's
    (:class:`MemoryWindows`)."""

    async def apply(self, change: DecidedChange) -> None:
        """Apply a change of :class:`~chatroom.core.changes.CountedEvents`
        in one atomic step: its :class:`~chatroom.core.changes.FewerThan`
        checked (else :class:`~chatroom.core.changes.PremiseFailedError`
        with the seconds to wait), then its events counted or given back."""
        ...


class SharedWindowLimit:
    """At most ``limit`` events per key in any ``window`` seconds (0: no
    limit), counted under ``name``'s keys: the limit decided here, each
    count a change ``count`` applies (the back-end's one write, which hands
    it to its :class:`SharedWindows`; or a process's own
    :class:`MemoryWindows`)."""

    def __init__(self, limit: int, window: float, count: Apply, name: str) -> None:
        self.limit = limit
        self.window = window
        self.count = count
        self.name = name

    async def take(self, key: str) -> float:
        """As :meth:`WindowLimit.take`."""
        if self.limit <= 0:
            return 0.0
        change = counted(f"{self.name}:{key}", self.limit, self.window)
        try:
            await self.count(change)
        except PremiseFailedError as refusal:
            return waited(refusal)
        return 0.0

    async def give_back(self, key: str) -> None:
        """As :meth:`WindowLimit.give_back`."""
        if self.limit > 0:
            await self.count(uncounted(f"{self.name}:{key}"))
