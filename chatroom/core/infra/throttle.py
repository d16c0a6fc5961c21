"""Back-off after repeated failures, per key: how password guessing is slowed.

After ``free`` failures for a key, each further attempt must wait ``base``
seconds, doubling with every failure up to ``cap``; a key that has had no
failure for ``forget`` seconds starts over, and a success clears it
(:class:`FailureBackoff`: the rule, decided here). The counts are the
back-end's, so every node of a cluster counts the same guesses (one atomic
step in Redis, at the time the counting node's core hands it), or this
process's memory (:class:`MemoryFailures`, on an injected clock) where
there is no other node; like Synapse's ``Ratelimiter``, nothing is
scheduled, so an idle count costs nothing.

An attempt is counted when it starts, not when its (slow, asynchronous)
check fails: :meth:`Guesses.attempt` counts a failure before the password
hash is checked, and :meth:`Guesses.settle` gives it back when it turns out
not to be one. So forty guesses sent at once, to one node or to several,
are throttled like forty guesses sent one after another.

:class:`WindowLimit` counts events per key in a sliding window (at most
``limit`` per ``window`` seconds): how uploads, webhooks' posts and rooms
made are bounded. :class:`SharedWindowLimit` is the same rule for every
node of a cluster (how registrations are bounded): the limit and the
window are the core's, decided here and handed to the counter as a
change's premise (:class:`~chatroom.core.model.changes.server.FewerThan`); the count is
the back-end's (:class:`SharedWindows`: one atomic step in Redis, on
Redis's clock), or this process's memory (:class:`MemoryWindows`) where
there is no other node.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from twisted.internet.interfaces import IReactorTime

from chatroom.core.model import errors
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    Apply,
    DecidedChange,
    Operation,
    PremiseFailedError,
    applies,
)
from chatroom.core.model.changes.server import (
    ClearFailures,
    CountedEvents,
    CountedFailures,
    CountEvent,
    CountFailure,
    FailuresAtMost,
    FewerThan,
    UncountEvent,
    UncountFailure,
)

#: The keys a counter of failures keeps at most: a guesser with endless
#: addresses (or names) fills no memory past them (some 30 MB in Redis,
#: a count's hash and its place in the index about 320 bytes).
FAILURE_KEYS = 100_000


@dataclass(frozen=True)
class FailureBackoff:
    """The back-off after repeated failures under one kind of key (a
    name's, an address's...): after ``free`` failures each further attempt
    waits ``base`` seconds, doubling with every failure up to ``cap``; a
    key whose last failure was ``forget`` seconds ago starts over. Its
    counts are kept under ``kind:<key>``."""

    kind: str
    free: int
    base: float
    cap: float
    forget: float

    def delay(self, failures: int) -> float:
        """How long an attempt waits after ``failures`` failures."""
        if failures < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** (failures - self.free)))

    def left(self, failures: int, last: float, now: float) -> float:
        """How long an attempt at ``now`` still waits after ``failures``
        failures, the newest at ``last`` (0: it need not)."""
        if failures < self.free or now - last >= self.forget:
            return 0.0  # free, or forgotten: it starts over
        return max(0.0, last + self.delay(failures) - now)

    def bounds(self, failures: int, last: float) -> tuple[int, float | None]:
        """The most failures, and the latest newest one (None: any), under
        which an attempt decided on ``failures`` failures, the newest at
        ``last``, is counted (:class:`~chatroom.core.model.changes.server.
        FailuresAtMost`): while its free failures last, fewer than
        ``free`` at any time; after, those as read (one more, or a newer,
        and its wait is not over)."""
        if failures < self.free:
            return self.free - 1, None
        return failures, last

    def key(self, key: str) -> str:
        return f"{self.kind}:{key}"


@dataclass
class _Failures:
    count: int
    last: float
    forget: float


class MemoryFailures:
    """Failures counted per key in this process's memory, on the injected
    clock (the reactor, or ``task.Clock`` in tests): one process's counter of
    :class:`~chatroom.core.model.changes.server.CountedFailures`, applied as
    Redis's (:mod:`chatroom.backends.redis.failures`) applies them: every
    :class:`~chatroom.core.model.changes.server.FailuresAtMost` checked, then the
    failures counted, given back or cleared. Nothing is scheduled, so an idle
    counter costs nothing. The table is bounded: past ``keys`` keys the
    forgotten ones are dropped first, then the oldest."""

    def __init__(self, clock: IReactorTime, keys: int = FAILURE_KEYS) -> None:
        self.clock = clock
        self.keys = keys
        self._failures: dict[str, _Failures] = {}

    @applies(CountedFailures)
    async def apply(self, change: DecidedChange) -> None:
        self.applied(change)

    def applied(self, change: DecidedChange) -> None:
        """:meth:`apply`, in the caller's step."""
        if not isinstance(change.subject, CountedFailures):
            raise TypeError(f"{change.subject!r} counts no failures")
        now = change.subject.at
        for premise in change.premises:
            if not isinstance(premise, FailuresAtMost):
                raise TypeError(f"not a premise of counted failures: {premise!r}")
            count, last = self._read(premise.key, now)
            if count > premise.count or (
                premise.last is not None and last > premise.last
            ):
                facts = {key: self._read(key, now) for key in change.subject.keys}
                raise PremiseFailedError(facts, premise)
        for op in change.ops:
            if isinstance(op, CountFailure):
                kept = self._kept(op.key, now)
                if kept is None:
                    if len(self._failures) >= self.keys:
                        self._prune(now)
                    self._failures[op.key] = _Failures(1, now, op.forget)
                else:
                    kept.count, kept.last, kept.forget = kept.count + 1, now, op.forget
            elif isinstance(op, UncountFailure):
                kept = self._failures.get(op.key)
                if kept is not None:
                    kept.count -= 1
                    if kept.count <= 0:
                        del self._failures[op.key]
            elif isinstance(op, ClearFailures):
                self._failures.pop(op.key, None)
            else:
                raise TypeError(f"not an operation on counted failures: {op!r}")

    def _read(self, key: str, now: float) -> tuple[int, float]:
        """``key``'s failures as a change's premise reads them: how many,
        the newest's time (0 and 0: none, or forgotten)."""
        kept = self._kept(key, now)
        return (0, 0.0) if kept is None else (kept.count, kept.last)

    def _kept(self, key: str, now: float) -> _Failures | None:
        """``key``'s failures, unless forgotten (then dropped)."""
        kept = self._failures.get(key)
        if kept is not None and now - kept.last >= kept.forget:
            del self._failures[key]
            return None
        return kept

    def _prune(self, now: float) -> None:
        kept = self._failures
        for key in [k for k, f in kept.items() if now - f.last >= f.forget]:
            del kept[key]
        while len(kept) >= self.keys:
            del kept[next(iter(kept))]


class SharedFailures(Protocol):
    """Failures counted per key that every node of a cluster shares (the
    Redis back-end's), or one process's (:class:`MemoryFailures`)."""

    async def apply(self, change: DecidedChange) -> object:
        """Apply a change of counted failures
        (:class:`~chatroom.core.model.changes.server.CountedFailures`)
        in one atomic step: every
        :class:`~chatroom.core.model.changes.server.FailuresAtMost` checked
        (else :class:`~chatroom.core.model.changes.base.PremiseFailedError`
        with every key's failures as they are, and nothing counted), then
        its failures counted, given back or cleared."""
        ...


class ThrottledError(Exception):
    """An attempt refused by ``backoff``: ``wait`` seconds are left."""

    def __init__(self, backoff: FailureBackoff, wait: float) -> None:
        super().__init__(backoff, wait)
        self.backoff = backoff
        self.wait = wait


class Guesses:
    """Attempts counted as failures under back-offs (:class:`FailureBackoff`)
    before their slow check, through ``count``: the back-end's one write,
    which counts them for every node where it can (Redis), or a process's
    own :class:`MemoryFailures`. The rule (the back-offs' waits) is decided
    here: each count rests on the failures the decision was made on.

    An attempt is counted when it starts, not when its check fails:
    :meth:`attempt` counts a failure under every key at once, in one step,
    before the password hash is checked, and :meth:`settle` gives it back
    when it was not one. So forty guesses sent at once, to one node or
    spread over many, are throttled like forty sent one after another.
    """

    def __init__(self, count: Apply, clock: IReactorTime) -> None:
        self.count = count
        #: Each count's time, handed to the counter with it.
        self.clock = clock

    async def attempt(self, *under: tuple[FailureBackoff, str]) -> None:
        """Count one failure under each ``(backoff, key)``, if each one's
        wait is over; else count none. Decided first on no failures (what
        most attempts find), then on the failures a refusal brings, each
        key's wait worked out here from its count and its newest's time;
        the count rests on each key's failures staying within the bounds of
        that decision (:meth:`FailureBackoff.bounds`), so that attempts
        made together are each counted while the free failures last, and
        refused for their wait once they are spent.

        Raises:
            ThrottledError: the first back-off still waiting, and its wait.
        """
        keys = tuple(backoff.key(key) for backoff, key in under)
        ops = tuple(CountFailure(b.key(key), b.forget) for b, key in under)
        read: dict[str, tuple[int, float]] = {}
        for _attempt in range(DECISION_ATTEMPTS):
            now = self.clock.seconds()
            for (backoff, _), key in zip(under, keys, strict=True):
                left = backoff.left(*read.get(key, (0, 0.0)), now)
                if left > 0:
                    raise ThrottledError(backoff, left)
            premises = tuple(
                FailuresAtMost(key, *backoff.bounds(*read.get(key, (0, 0.0))))
                for (backoff, _), key in zip(under, keys, strict=True)
            )
            subject = CountedFailures(keys, now)
            try:
                await self.count(DecidedChange(subject, premises, ops))
                return
            except PremiseFailedError as refusal:
                if not isinstance(refusal.facts, dict):
                    raise
                read = refusal.facts
        raise errors.unavailable()

    async def settle(
        self,
        given_back: Sequence[tuple[FailureBackoff, str]] = (),
        cleared: Sequence[tuple[FailureBackoff, str]] = (),
    ) -> None:
        """The failures counted under ``given_back`` were not failures, and
        every failure under ``cleared`` is forgotten: one step."""
        ops: list[Operation] = [UncountFailure(b.key(k)) for b, k in given_back]
        ops += [ClearFailures(b.key(k)) for b, k in cleared]
        if ops:
            keys = tuple(dict.fromkeys([*given_back, *cleared]))
            subject = CountedFailures(
                tuple(b.key(k) for b, k in keys), self.clock.seconds()
            )
            await self.count(DecidedChange(subject, (), tuple(ops)))


class MemoryWindows:
    """Events counted per key in sliding windows in this process's memory,
    on the injected clock: one process's :class:`SharedWindows` (where
    there is no other node to share them with), and what
    :class:`WindowLimit` counts in. A change of
    :class:`~chatroom.core.model.changes.server.CountedEvents` is applied as Redis's
    (:mod:`chatroom.backends.redis.windows`) applies it: its
    :class:`~chatroom.core.model.changes.server.FewerThan` checked, then its events
    counted or given back.

    Each key keeps the times of the events in its window (at most the
    premise's count, so memory is bounded per key); past ``keys`` keys,
    those with nothing in their window are dropped first, then the oldest.
    The events counted with their own id (``CountEvent.once``) are kept
    by it too, as many at most, the same way.
    """

    def __init__(self, clock: IReactorTime, keys: int = 100_000) -> None:
        self.clock = clock
        self.keys = keys
        #: key → (its window in seconds, the times counted in it).
        self._times: dict[str, tuple[float, deque[float]]] = {}
        #: ``key once`` → when the event of id ``once`` was counted under
        #: key, and for how long (its window).
        self._once: dict[str, tuple[float, float]] = {}

    @applies(CountedEvents)
    async def apply(self, change: DecidedChange) -> None:
        self.applied(change)

    def applied(self, change: DecidedChange) -> None:
        """:meth:`apply`, in the caller's step."""
        if not isinstance(change.subject, CountedEvents):
            raise TypeError(f"{change.subject!r} counts no events")
        key = change.subject.key
        now = self.clock.seconds()
        if self._counted_already(key, change, now):
            return
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
                if op.once:
                    self._count_once(f"{key} {op.once}", now, op.window)
            elif isinstance(op, UncountEvent):
                if times:
                    times.pop()
                if not times:
                    self._times.pop(key, None)
            else:
                raise TypeError(f"not an operation on counted events: {op!r}")

    def _counted_already(self, key: str, change: DecidedChange, now: float) -> bool:
        """Whether ``change`` counts an event by its own id that is counted
        under ``key`` already, and still in its window."""
        for op in change.ops:
            if isinstance(op, CountEvent) and op.once:
                when = self._once.get(f"{key} {op.once}")
                if when is not None and now - when[0] < when[1]:
                    return True
        return False

    def _count_once(self, slot: str, now: float, window: float) -> None:
        once = self._once
        if slot not in once and len(once) >= self.keys:
            for gone in [k for k, (t, w) in once.items() if now - t >= w]:
                del once[gone]
            while len(once) >= self.keys:
                del once[next(iter(once))]
        once[slot] = (now, window)

    def _prune(self, now: float) -> None:
        times = self._times
        for key in [k for k, (w, t) in times.items() if not t or now - t[-1] >= w]:
            del times[key]
        while len(times) >= self.keys:
            del times[next(iter(times))]


def counted(key: str, limit: int, window: float, once: str = "") -> DecidedChange:
    """One more event counted under ``key``, if it has had fewer than
    ``limit`` in the last ``window`` seconds: the core's rule, as a change
    the counter applies. ``once``: the event's own id, counted once in its
    window however often it is taken (:class:`~chatroom.core.model.changes.
    server.CountEvent`)."""
    return DecidedChange(
        CountedEvents(key), (FewerThan(limit, window),), (CountEvent(window, once),)
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

    async def apply(self, change: DecidedChange) -> object:
        """Apply a change of :class:`~chatroom.core.model.changes.server.CountedEvents`
        in one atomic step: its :class:`~chatroom.core.model.changes.server.FewerThan`
        checked (else :class:`~chatroom.core.model.changes.base.PremiseFailedError`
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

    async def take(self, key: str, once: str = "") -> float:
        """As :meth:`WindowLimit.take`; ``once``: the event's own id, taken
        once in its window (again: 0, nothing more counted)."""
        if self.limit <= 0:
            return 0.0
        change = counted(f"{self.name}:{key}", self.limit, self.window, once)
        try:
            await self.count(change)
        except PremiseFailedError as refusal:
            return waited(refusal)
        return 0.0

    async def give_back(self, key: str) -> None:
        """As :meth:`WindowLimit.give_back`."""
        if self.limit > 0:
            await self.count(uncounted(f"{self.name}:{key}"))
