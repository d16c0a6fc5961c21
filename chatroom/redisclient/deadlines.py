"""One timer for the deadlines of every call in flight to Redis.

Every call a client makes must be answered within its timeout, or the
client takes that Redis for unreachable and drops the link (a chat node's
``--redis-timeout``: its user hears ``ERR UNAVAILABLE``, and Redis counts
as down until the link is back). Twisted's ``Deferred.addTimeout`` would
schedule (and then cancel) one ``DelayedCall`` per call, plus two callbacks
on it: at a thousand messages a second that is a thousand timers made and
unmade, and the reactor's heap rebuilt under them. All calls share the same
timeout, so their deadlines come in the order the calls were made:
:class:`CallDeadlines` keeps the calls in flight in that order and one timer
on the injected clock. The other deadlines of this package (a Redis
Cluster's commands and subscriptions, a new connection's ``ROLE``, a
question to a Sentinel or a cluster's node) are kept the same way:
:meth:`CallDeadlines.within` and :func:`within` stand for ``addTimeout``.

A deadline is Redis's time, not the client's. A node busy for seconds in
one reactor turn (accepting thousands of connections, or starved of CPU by
the machine's other processes) reads nothing meanwhile: Redis's replies
wait in the socket, and its commands of that turn are only sent at the
turn's end. Measured on the wall clock, every call in flight would look
unanswered the moment the node looks again, and the node would drop its
link to a Redis that had answered, stop serving, and resume. So the timer
ticks while calls are in flight, and a call's age is the time the node has
*listened* since it began: each tick counts the time since the last, but
at most one :data:`TICKS`-th of the timeout more than it was set for. A
stall counts as that much, however long it was. And a call found past its
deadline is judged only at the next tick, one reactor turn later, after
the node has read what its links hold: a reply that came in time is never
counted late. A Redis that really does not answer (frozen, or its network
gone) is still found within the timeout, plus whatever the node itself
stalled past a tick.

A turn reads at most a socket buffer's worth of each link (64 KiB), so a
node that falls behind in a storm of sign-ins (a join's reply names the
room's members) can hold more of Redis's replies than it reads in a turn,
for longer than the timeout: Redis answered, the node has not read it
yet. A call is therefore not judged late while Redis's replies wait
unread on the links that carry the node's calls
(:attr:`CallDeadlines.answering`, asked of the links' sockets): Redis
answers a link's commands in order, and bytes waiting there are its
answers; the verdict waits a tick, and is made once they are read. A
Redis that stops answering is then found at most a tick later.

A slow Redis is not a dead one either. Under a storm of sign-ins from
many nodes, Redis's own queue grows: it answers every command, in order,
each later than the last, and a call may wait past its timeout behind the
others while answers keep arriving. A call that carries a
:class:`Hearing` (the reads on the links to its Redis) and finds Redis
heard from since it began (or since it was last given more time) is given
another timeout, at most :data:`HEARD_TIMEOUTS` in all: failing it, and
dropping a link that answers, would only make the node resume (every user
registered again) on a Redis that is already behind. A call is late when
Redis has said nothing at all for a whole timeout while it waited: a
Redis frozen, or its network gone, is found as before, within one timeout
of silence (two, if it went silent just after answering). On a Redis
Cluster each primary is a Redis of its own, heard on the client's links
to it alone: a busy shard's calls wait while it answers, and a silent
shard is found though the others answer (:mod:`.shards`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

T = TypeVar("T")

#: Ticks per timeout while calls are in flight: a stall counts as at most
#: two of them (the tick it delayed, and one more).
TICKS = 10

#: Timeouts a call may wait in all while its Redis is heard from (answering
#: the calls before it): past them, a call that Redis still has not
#: answered, while it answers others, is taken for lost (a reply that will
#: never come), and judged late. Six (30 s at the default
#: ``--redis-timeout``) is longer than any queue a node's bounded sign-ons
#: make (``--signons-in-flight``) takes Redis to work through, and about as
#: long as a person waits for an answer before giving up.
HEARD_TIMEOUTS = 6


class Hearing:
    """How often the client has read from one Redis: every read of each
    link to it counts (its commands', its subscriber's, its heartbeat's;
    on a Redis Cluster, each primary's commands and subscriber links to
    it, :meth:`.shards.ShardLinks.hearing_of`). A call that waits while
    the count grows waits on a Redis that answers
    (:class:`CallDeadlines`)."""

    __slots__ = ("reads",)

    def __init__(self) -> None:
        self.reads = 0


class PendingCall:
    """A call's deadline, watched until it is done.

    ``deadline`` is in the node's listening time (:attr:`CallDeadlines.listened`).
    ``timed_out`` is set (before the Deferred is cancelled) when the call
    was not answered in time, so the caller can tell its own cancellation
    from the timeout's. ``hearing``: the reads from the call's Redis (None:
    not counted, the call is late at its deadline whatever Redis said),
    ``heard`` their count when the deadline was set, and ``began`` when
    the call did (listening time).
    """

    __slots__ = ("began", "deadline", "heard", "hearing", "running", "timed_out")

    def __init__(
        self,
        began: float,
        deadline: float,
        running: Deferred[Any],
        hearing: Hearing | None = None,
    ) -> None:
        self.began = began
        self.deadline = deadline
        self.running = running
        self.timed_out = False
        self.hearing = hearing
        self.heard = 0 if hearing is None else hearing.reads

    def listen_to(self, hearing: Hearing) -> None:
        """The call's Redis is the one ``hearing`` counts the reads of from
        now on (a Redis Cluster's command, once routed to its shard's
        link: :mod:`.shards`); heard from since if they grow."""
        if hearing is not self.hearing:
            self.hearing = hearing
            self.heard = hearing.reads


class CallDeadlines:
    """Deadlines of the calls in flight, ``timeout`` seconds of listening
    after each began.

    :meth:`watch` a call's Deferred and :meth:`done` it once it has fired;
    if it has not fired once the node has listened ``timeout`` seconds,
    the watch is marked ``timed_out`` and the Deferred cancelled. The calls
    in flight are a dict in the order they began, so the first is the one
    whose deadline comes next, and a call leaves it as soon as it is done:
    nothing waits there longer than the call itself (a few milliseconds),
    so the collector never has to walk it.
    """

    def __init__(self, clock: IReactorTime, timeout: float) -> None:
        self.clock = clock
        self.timeout = timeout
        #: The longest a tick waits, and the most a late one counts beyond
        #: what it was set for.
        self.tick = timeout / TICKS
        #: Seconds the node has listened while calls were in flight, as
        #: counted up to :attr:`_counted_at` (the deadlines' own clock).
        self.listened = 0.0
        self._counted_at = clock.seconds()
        #: What the pending tick was set for (seconds from its setting).
        self._tick_set_for = 0.0
        self._in_flight: dict[PendingCall, None] = {}
        #: Calls found past their deadline, judged at the next tick.
        self._overdue: list[PendingCall] = []
        self._timer: IDelayedCall | None = None
        #: Whether replies from Redis wait unread on the links that carry
        #: the calls (set by their owner; never, if none is): while they
        #: do, no call is judged late.
        self.answering: Callable[[], bool] = lambda: False
        #: Calls watched so far: a test waiting for the node to be quiet
        #: needs to see that no call began, not only that none is in flight
        #: at the instants it looks (a node's steps follow one another).
        self.begun = 0

    def __len__(self) -> int:
        """How many calls are in flight (a test waits for none: the node
        is then quiet)."""
        return len(self._in_flight)

    def watch(
        self,
        running: Deferred[Any],
        counted: bool = True,
        hearing: Hearing | None = None,
    ) -> PendingCall:
        """Cancel ``running`` unless it fires within the timeout (or, while
        ``hearing`` grows, within :data:`HEARD_TIMEOUTS` of them).
        ``counted``: whether it counts in :attr:`begun` (not a ``PING``
        that only finds the link caught up: waiting for a quiet node makes
        those itself)."""
        if self._timer is None:  # the clock stood still while nothing was in flight
            self._counted_at = self.clock.seconds()
            self._tick_set_for = 0.0
        now = self.now()
        watch = PendingCall(now, now + self.timeout, running, hearing)
        self._in_flight[watch] = None
        self.begun += counted
        if self._timer is None:
            self._set_tick()
        return watch

    def done(self, watch: PendingCall) -> None:
        """The call has fired (answered, failed or timed out)."""
        self._in_flight.pop(watch, None)

    def within(
        self,
        running: Deferred[T],
        counted: bool = True,
        hearing: Hearing | None = None,
    ) -> Deferred[T]:
        """``running``, failed with ``defer.TimeoutError`` (once cancelled)
        unless it fires within the timeout: ``Deferred.addTimeout``, in the
        time the node listened. Returns ``running``. ``counted`` and
        ``hearing``: as :meth:`watch`'s."""
        watch = self.watch(running, counted, hearing)

        def done(result: T | Failure) -> T | Failure:
            self.done(watch)
            if (
                watch.timed_out
                and isinstance(result, Failure)
                and result.check(defer.CancelledError)
            ):
                raise defer.TimeoutError(self.timeout, "Deferred")
            return result

        return running.addBoth(done)

    def now(self) -> float:
        """The listening time now (what a :class:`PendingCall`'s deadline
        is in): a tick that is late counts at most one :attr:`tick` beyond
        what it was set for."""
        elapsed = self.clock.seconds() - self._counted_at
        return self.listened + min(elapsed, self._tick_set_for + self.tick)

    def _set_tick(self) -> None:
        """Tick at the oldest call's deadline, or sooner (one :attr:`tick`)."""
        oldest = next(iter(self._in_flight))
        delay = min(self.tick, max(0.0, oldest.deadline - self.listened))
        self._tick_set_for = delay
        self._timer = self.clock.callLater(delay, self._on_tick)

    def _on_tick(self) -> None:
        """Count the time listened; time out the calls found overdue at the
        last tick and still unanswered; find the calls overdue now, to be
        judged next turn; tick again while any call is in flight."""
        self._timer = None
        self.listened = self.now()
        self._counted_at = self.clock.seconds()
        judged, self._overdue = self._overdue, []
        late = [watch for watch in judged if watch in self._in_flight]
        answering = bool(late) and self.answering()
        if answering:  # Redis answered: judged again a tick later
            late = []
        late = [watch for watch in late if not self._heard_since(watch)]
        for watch in late:
            del self._in_flight[watch]
        for watch in self._in_flight:
            if watch.deadline > self.listened:
                break
            self._overdue.append(watch)
        if answering:
            self._tick_set_for = self.tick
            self._timer = self.clock.callLater(self.tick, self._on_tick)
        elif self._overdue:
            # After this turn's reading: a reply waiting in the socket
            # while the node was busy is read before the verdict.
            self._tick_set_for = 0.0
            self._timer = self.clock.callLater(0, self._on_tick)
        elif self._in_flight:
            self._set_tick()
        for watch in late:
            watch.timed_out = True
            watch.running.cancel()

    def _heard_since(self, watch: PendingCall) -> bool:
        """Whether ``watch``'s Redis was heard from since its deadline was
        set: then it is given another timeout (its deadline now the latest
        of those in flight, it goes last), unless it has waited
        :data:`HEARD_TIMEOUTS` already."""
        hearing = watch.hearing
        if hearing is None or hearing.reads == watch.heard:
            return False
        if self.listened - watch.began >= self.timeout * HEARD_TIMEOUTS:
            return False
        watch.heard = hearing.reads
        watch.deadline = self.listened + self.timeout
        del self._in_flight[watch]
        self._in_flight[watch] = None
        return True

    def stop(self, result: Any = None) -> Any:
        """Stop the timer: the node has detached and runs no more scripts.

        Passes ``result`` through, to sit in a Deferred's chain.
        """
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        self._in_flight.clear()
        self._overdue = []
        return result


def within(running: Deferred[T], seconds: float, clock: IReactorTime) -> Deferred[T]:
    """``running.addTimeout(seconds, clock)`` in listening time, for a call
    made now and then (a connection's first check, a question to a
    Sentinel): a :class:`CallDeadlines` of its own, stopped once it fired."""
    deadlines = CallDeadlines(clock, seconds)
    return deadlines.within(running).addBoth(deadlines.stop)
