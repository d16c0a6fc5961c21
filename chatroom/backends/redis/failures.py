"""Wrong passwords and codes every node counts: the Redis :class:`SharedFailures`.

The back-off (how many failures are free, how long each further attempt
waits, when a key is forgotten) is the core's rule
(:class:`chatroom.core.infra.throttle.FailureBackoff`), decided on each key's
failures as counted here (how many, the newest's time): a change of them
rests on those as the core read them, and each change is one script,
which checks them and counts, so guesses landing on two nodes at once are
counted one after the other (the second refused with the counts as they
are, and decided again). The times are the
core's (the change's ``at``, on its injected clock), as every other time
the chat keeps; the nodes' clocks agree as far as their hosts' do. A sign-in
counts under its address's key and its name's in the same script: both
are the prefix's keys, so in one slot of a Redis Cluster.

- ``P guesses:<k>``: a hash, ``n`` the failures counted under key k and
  ``at`` the time of the newest (seconds, the core's clock); it expires its
  ``forget`` after the newest, so a key nobody guesses at again costs
  nothing.
- ``P guesses``: a sorted set of every key counted, k by when it is
  forgotten (ms). The keys are bounded as in one process's memory
  (:class:`~chatroom.core.infra.throttle.MemoryFailures`): each count drops the
  keys forgotten by then, and past ``keys`` keys those nearest their
  forgetting, so guesses from endless addresses or at endless names
  cannot fill Redis for the hour an address's count is kept.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.infra.throttle import FAILURE_KEYS
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.server import CountedFailures

#: Operands: ``change`` (failures counted, given back or cleared, at the
#: core's time, resting on each key's failures as read), ``most`` (the
#: keys kept at most). ``{'OK'}`` when applied; else ``{'CHANGED', the
#: failed premise's place, {key, count, newest's time} of each key}`` and
#: nothing was counted.
APPLY = Script("failures", subjects=(CountedFailures,))


class RedisFailures:
    """Failures counted per key, shared by every node of the cluster."""

    def __init__(self, calls: RedisCalls, keys: int = FAILURE_KEYS) -> None:
        self.calls = calls
        #: The keys counted at most (``P guesses``).
        self.keys = keys

    @applies(CountedFailures)
    async def apply(self, change: DecidedChange) -> None:
        """One script: every premise checked (else :class:`~chatroom.core.
        model.changes.base.PremiseFailedError` with every key's failures as
        they are: count, newest's time), then every failure counted, given
        back or cleared."""
        if not isinstance(change.subject, CountedFailures):
            raise TypeError(f"{change.subject!r} counts no failures")
        reply = await self.calls.eval(APPLY, {"change": change, "most": self.keys})
        if reply[0] != b"OK":
            facts = {
                key.decode(): (int(count), float(at)) for key, count, at in reply[2]
            }
            raise PremiseFailedError(facts, change.premises[int(reply[1]) - 1])
