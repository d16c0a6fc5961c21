"""``--retention-age`` in every room, whether or not anyone speaks in it.

A message hands the room it is said in the oldest time kept
(:attr:`Append.oldest <chatroom.core.model.changes.messages.Append.oldest>`), so a room
nobody speaks in would keep its old events for ever. :class:`RetentionSweep`
applies the same age to every room every :data:`SWEEP_INTERVAL` seconds,
on the core's clock: the core decides the oldest time kept
(:func:`chatroom.core.policy.rules.oldest_kept`) and that it is every room's, and
hands the back-end one change of every room's kept events
(:class:`~chatroom.core.model.changes.messages.StoredHistories`,
:class:`~chatroom.core.model.changes.messages.AgeOut`). Of a cluster's nodes one sweeps
at a time: the change rests on the sweep's lease
(:class:`~chatroom.core.model.changes.messages.SweepLease`), which the node that sweeps
keeps for :data:`LEASE_SECONDS`, longer than the interval, so it sweeps
again while it lives and another takes over once it is gone. A refusal
means another node sweeps; nothing is tried again before the next
interval. Without ``--retention-age`` nothing is swept.

Private conversations are kept by count (``conversation_retention``),
not by age, and are not swept.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.model import errors
from chatroom.core.model.changes.base import Apply, DecidedChange, PremiseFailedError
from chatroom.core.model.changes.messages import AgeOut, StoredHistories, SweepLease
from chatroom.core.policy.rules import oldest_kept

#: Seconds between sweeps: an event is gone at most this long after it
#: reaches ``--retention-age`` (plus the sweep's own time, and, on a
#: single server, the store's next trim by age).
SWEEP_INTERVAL = 60.0

#: Seconds the sweeping node holds the lease, renewed at each sweep (and
#: on Redis by each chunk of rooms): long enough to outlast the interval,
#: so that the same node sweeps each time while it lives.
LEASE_SECONDS = 2.5 * SWEEP_INTERVAL

log = Logger()


def swept(age: float, now: float, holder: str) -> DecidedChange:
    """The sweep by node ``holder`` at ``now`` with ``--retention-age``
    ``age`` (not 0): every room's events said before ``now - age`` go."""
    return DecidedChange(
        StoredHistories(),
        premises=(SweepLease(holder, LEASE_SECONDS),),
        ops=(AgeOut(oldest_kept(age, now)),),
    )


class RetentionSweep:
    """Every room's history aged out every :data:`SWEEP_INTERVAL` seconds.

    Args:
        clock: when sweeps run and what time it is.
        apply: the back-end's one write (:meth:`chatroom.core.backend.
            Backend.apply`).
        holder: the node's id (its sessions' namespace), as the lease
            names it.
        age: ``--retention-age`` in seconds (0: no sweep).
    """

    def __init__(self, clock: IReactorTime, apply: Apply, holder: str, age: float):
        self.clock = clock
        self.apply = apply
        self.holder = holder
        self.age = age
        self._sweeping = LoopingCall(self._sweep)
        self._sweeping.clock = clock
        #: Sweeps this node applied (what a test counts).
        self.sweeps = 0

    def start(self) -> None:
        """Sweep every :data:`SWEEP_INTERVAL` seconds, if events are kept
        by age at all; the first once an interval has passed."""
        if self.age and not self._sweeping.running:
            self._sweeping.start(SWEEP_INTERVAL, now=False)

    def stop(self) -> None:
        if self._sweeping.running:
            self._sweeping.stop()

    def _sweep(self) -> Deferred[bool]:
        def failed(failure: Failure) -> bool:
            if isinstance(failure.value, errors.ChatError):  # Redis out of reach
                log.info("old messages not swept: {why}", why=failure.value.text)
            else:
                log.failure("sweeping old messages failed", failure)
            return False

        return Deferred.fromCoroutine(self.sweep()).addErrback(failed)

    async def sweep(self) -> bool:
        """Every room's events older than ``--retention-age`` gone, now;
        False if another node holds the sweep's lease (it sweeps)."""
        try:
            await self.apply(swept(self.age, self.clock.seconds(), self.holder))
        except PremiseFailedError:
            return False
        self.sweeps += 1
        return True
