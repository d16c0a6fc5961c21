"""At most :data:`EVENTS_PER_POLL` readiness events taken from one ``epoll_wait``.

Twisted's epoll reactor asks ``epoll_wait`` for as many events as it has
sockets, and handles every event it got before its next turn. When a
crowd leaves at once (a generator told to stop, a load balancer
restarted), the kernel reports thousands of closed sockets in one poll,
and the reactor tears each one down there and then (its ``shutdown`` and
``close``, its ``connectionLost``: about 80 µs of CPU each). A node
whose 15,000 left together took 14,588 of them in one poll: one turn of
1.2 s of CPU, 3-5 s of wall time on a loaded machine, with no timer run
in it (the heartbeat, ``/healthz``, the flushes;
benchmarks/results/performance-notebook.md, "How many on one machine").

:func:`cap_events_per_poll` makes the reactor take at most
:data:`EVENTS_PER_POLL` events a poll. Nothing is lost: epoll is level
triggered here, so a socket still ready is reported again by the next
poll, and the kernel hands out those not yet reported before the ones it
just did, so every socket has its turn in order. The timers due run
between two polls, as between any two turns. Reading the reactor's
private ``_poller`` is done here only; a reactor without one (a test's
clock, another reactor) is left as it is.

The same reactor takes its turns here (:class:`TurnLoop`, its
``doIteration``), for what a turn costs when it is one event: a node of
a cluster of 56 is woken by each join in a room it has members in, to
hand it to one or two of them, and Twisted's own turn around that was
a fifth of the node's CPU per event (benchmarks/results/performance-notebook.md,
"The cluster's per-node cost"). Two things of it are done otherwise, with the
same effect:

- What is to be done when the turn's events are handled (the send
  queues' flush, :class:`chatroom.doors.base.sendq.Flusher`) is run
  before the next poll, as Redis does before it sleeps
  (:func:`turn_ends`, :func:`at_turn_end`), not as a ``callLater(0)``:
  a timed call per turn is an object made, a push and a pop on the
  reactor's heap of timers (their comparisons in Python) and its error
  handler's context. The poll that follows sleeps no longer than the
  timers that work scheduled or moved allow. What the turn's timers
  wrote goes in the same flush (a ``callLater(0)`` made by a timer
  waited for one more poll). A Redis link's commands of the turn
  (:class:`chatroom.net.tcpdirect.TurnWriter`) stay a ``callLater(0)``,
  which runs before these ends: the other nodes wait on them.
- Each readiness event is handed to its selectable in the log context
  Twisted gives it (``log.callWithLogger``: its ``logPrefix`` as the
  ``system`` of what is logged meanwhile, and an error it raises logged
  with that system), pushed directly on the context stack: Twisted's
  route there is eleven Python calls per event, through a thread-local
  tracker, to push one dict.
"""

from __future__ import annotations

import errno
import select
from collections.abc import Callable
from functools import partial
from typing import Any

from twisted.logger import Logger
from twisted.python import context, log
from twisted.python.log import ILogContext

_log = Logger()

#: An error raised by a turn's end is logged, and the other ends still run.
_end_failed = _log.failureHandler("while ending a reactor turn")

#: Readiness events one turn handles at most. A closed socket costs about
#: 80 µs, a read with its lines' work tens to hundreds: a turn of these is
#: some tens of milliseconds. Far above what one turn sees in ordinary
#: traffic, so turns (and what is coalesced in one) stay as they are.
EVENTS_PER_POLL = 512


class CappedPoller:
    """An ``epoll`` object whose ``poll`` returns at most ``cap`` events.

    Everything else is the epoll object's own (bound at construction: the
    reactor registers and unregisters every socket through these).
    """

    __slots__ = ("cap", "close", "fileno", "modify", "poller", "register", "unregister")

    def __init__(self, poller: Any, cap: int = EVENTS_PER_POLL) -> None:
        self.poller = poller
        self.cap = cap
        self.register = poller.register
        self.unregister = poller.unregister
        self.modify = poller.modify
        self.close = poller.close
        self.fileno = poller.fileno

    @property
    def closed(self) -> bool:
        return bool(self.poller.closed)

    def poll(self, timeout: float = -1, maxevents: int = -1) -> list[tuple[int, int]]:
        """The poller's ``poll``, asking for at most ``cap`` events."""
        if maxevents <= 0 or maxevents > self.cap:
            maxevents = self.cap
        events: list[tuple[int, int]] = self.poller.poll(timeout, maxevents)
        return events


def cap_events_per_poll(reactor: object, cap: int = EVENTS_PER_POLL) -> bool:
    """Make ``reactor`` (if an epoll reactor) take at most ``cap`` events a
    poll; whether it did (or had already)."""
    poller = getattr(reactor, "_poller", None)
    if isinstance(poller, CappedPoller):
        poller.cap = cap
        return True
    epoll = getattr(select, "epoll", None)
    if epoll is None or not isinstance(poller, epoll):
        return False
    capped = CappedPoller(poller, cap)
    setattr(reactor, "_poller", capped)  # noqa: B010
    setattr(reactor, "doIteration", TurnLoop(reactor, capped))  # noqa: B010
    return True


def turn_loop(clock: object) -> TurnLoop | None:
    """``clock``'s :class:`TurnLoop`, if it is a reactor that takes its
    turns in one; None for any other clock (a test's)."""
    turns = getattr(clock, "doIteration", None)
    return turns if isinstance(turns, TurnLoop) else None


def turn_ends(clock: object) -> list[Callable[[], None]] | None:
    """What ``clock`` (a reactor that takes its turns in a
    :class:`TurnLoop`) runs once before its next poll, each turn: append
    a callable to it; None for any other clock (a test's), whose
    ``callLater(0)`` does it."""
    turns = turn_loop(clock)
    return turns.ends if turns is not None else None


def at_turn_end(clock: Any) -> Callable[[Callable[[], None]], object]:
    """What has a call run at the end of ``clock``'s turn: its turn ends'
    ``append`` (:func:`turn_ends`), or for another clock (a test's) its
    ``callLater(0)``. Looked up when first needed, not when its user is
    made: the reactor's turn loop is put in place once the server is."""
    ends = turn_ends(clock)
    if ends is not None:
        return ends.append
    return partial(clock.callLater, 0)


class TurnLoop:
    """An epoll reactor's ``doIteration``: the turn's ends, the poll (at
    most the poller's cap of events), and each event handled in its
    selectable's log context, as Twisted's ``doPoll`` does (the module's
    docstring says why it is done here)."""

    __slots__ = ("after_each", "ends", "poller", "reactor", "woke")

    def __init__(self, reactor: Any, poller: CappedPoller) -> None:
        self.reactor = reactor
        self.poller = poller
        #: Called, once, before the next poll (then emptied; the same list
        #: for good): :func:`turn_ends`.
        self.ends: list[Callable[[], None]] = []
        #: Called at the end of every turn, after its ends, before the poll
        #: (None: nothing): what watches the turns' length
        #: (:class:`chatroom.wiring.reactorlag.ReactorLag`) without a timer
        #: that would wake an idle reactor to do it. Called bare, with no
        #: error handler around it (a quarter of a microsecond every turn):
        #: it handles its own errors.
        self.after_each: Callable[[], None] | None = None
        #: When the last poll returned (the reactor's ``seconds()``), while
        #: ``after_each`` is set: the start of the turn it ends.
        self.woke = 0.0

    def __call__(self, timeout: float | None) -> None:
        reactor = self.reactor
        ends = self.ends
        if ends:
            for end in ends:  # one appended meanwhile runs too
                with _end_failed:
                    end()
            ends.clear()
            # The timeout was reckoned before they ran: what they scheduled
            # or moved may be due sooner.
            soonest = 0 if reactor.threadCallQueue else reactor.timeout()
            if soonest is not None and (timeout is None or soonest < timeout):
                timeout = soonest
        after_each = self.after_each
        if after_each is not None:
            after_each()
        selectables = reactor._selectables
        try:
            events = self.poller.poll(
                -1 if timeout is None else timeout, len(selectables)
            )
        except OSError as problem:
            if problem.errno == errno.EINTR:
                return
            raise
        finally:
            if after_each is not None:
                self.woke = reactor.seconds()
        if not events:
            return
        # Twisted's log.callWithLogger, per event: the same context pushed.
        tracker = context.theContextTracker.currentContext()
        contexts = tracker.contexts
        outer = tracker.getContext(ILogContext)
        handle = reactor._doReadOrWrite
        for fd, event in events:
            selectable = selectables.get(fd)
            if selectable is None:
                continue
            try:
                system = selectable.logPrefix()
            except KeyboardInterrupt:
                raise
            except BaseException:
                system = "(buggy logPrefix method)"
                log.err(system=system)
            logged = outer.copy()
            logged["system"] = system
            contexts.append({ILogContext: logged})
            try:
                handle(selectable, fd, event)
            except KeyboardInterrupt:
                raise
            except BaseException:
                log.err(system=system)
            finally:
                contexts.pop()
