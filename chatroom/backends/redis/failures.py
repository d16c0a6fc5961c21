"""Wrong passwords and codes every node counts: the Redis :class:`SharedFailures`.

The back-off (how many failures are free, how long each further attempt
waits, when a key is forgotten) is the core's rule
(:class:`chatroom.core.throttle.FailureBackoff`), which reaches Redis as a
change's premises (:class:`~chatroom.core.model.changes.server.WaitedOut`: the free
failures and the table of waits its operands); here each change is one
script, which looks the wait up, checks it and counts, so guesses landing
on two nodes at once are counted one after the other. The times are the
core's (the change's ``at``, on its injected clock), as every other time
the chat keeps; the nodes' clocks agree as far as their hosts' do. A sign-in
counts under its address's key and its name's in the same script: both
are the prefix's keys, so in one slot of a Redis Cluster.

- ``P guesses:<k>``: a hash, ``n`` the failures counted under key k and
  ``last`` the time of the newest (milliseconds); it expires its
  ``forget`` after the newest, so a key nobody guesses at again costs
  nothing.
- ``P guesses``: a sorted set of every key counted, k by when it is
  forgotten (ms). The keys are bounded as in one process's memory
  (:class:`~chatroom.core.throttle.MemoryFailures`): each count drops the
  keys forgotten by then, and past ``keys`` keys those nearest their
  forgetting, so guesses from endless addresses or at endless names
  cannot fill Redis for the hour an address's count is kept.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.server import (
    ClearFailures,
    CountedFailures,
    CountFailure,
    UncountFailure,
    WaitedOut,
)
from chatroom.core.throttle import FAILURE_KEYS

#: ARGV: P, the step's time in ms, the keys kept at most, the premises'
#: count, each premise (k, free, the waits' count, the waits in ms), then
#: the operations ('count' k forget-ms, 'uncount' k, 'clear' k). {0, 0}
#: when applied; else {i, ms}: the i-th premise failed, ms left of its
#: wait, and nothing was counted.
APPLY = Script("failures")


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


class RedisFailures:
    """Failures counted per key, shared by every node of the cluster."""

    def __init__(self, calls: RedisCalls, keys: int = FAILURE_KEYS) -> None:
        self.calls = calls
        #: The keys counted at most (``P guesses``).
        self.keys = keys

    async def apply(self, change: DecidedChange) -> None:
        """One script: every :class:`~chatroom.core.model.changes.server.WaitedOut`
        checked (else :class:`~chatroom.core.model.changes.base.PremiseFailedError`
        with the seconds left), then every failure counted, given back or
        cleared."""
        if not isinstance(change.subject, CountedFailures):
            raise TypeError(f"{change.subject!r} counts no failures")
        args: list[str | int] = [_ms(change.subject.at), self.keys]
        args.append(len(change.premises))
        waited: list[WaitedOut] = []
        for premise in change.premises:
            if not isinstance(premise, WaitedOut):
                raise TypeError(f"not a premise of counted failures: {premise!r}")
            waited.append(premise)
            args += [premise.key, premise.free, len(premise.waits)]
            args += [_ms(wait) for wait in premise.waits]
        for op in change.ops:
            if isinstance(op, CountFailure):
                args += ["count", op.key, _ms(op.forget)]
            elif isinstance(op, UncountFailure):
                args += ["uncount", op.key]
            elif isinstance(op, ClearFailures):
                args += ["clear", op.key]
            else:
                raise TypeError(f"not an operation on counted failures: {op!r}")
        failed, left = await self.calls.eval(APPLY, *args)
        if int(failed):
            raise PremiseFailedError(int(left) / 1000, waited[int(failed) - 1])
