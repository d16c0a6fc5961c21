"""One connection's output: its ``--sendq`` bound and its backpressure.

A :class:`SendQueue` (what IRC servers call a connection's sendq; the
terminal client's outgoing queue is :class:`chatroom.client.sending.Outbox`,
a different thing) registers itself as its transport's streaming
producer, so the transport tells it (``pauseProducing``) when the client
stops reading. From then on every byte it is asked to send is counted, and
past the limit the connection is dropped instead of the server's memory
growing without bound: a stalled reader never slows its room or the
server.

On plain TCP it writes straight to the socket while nothing is queued
(:mod:`chatroom.net.tcpdirect`), and coalesces: everything written to a
connection during one reactor turn (one poll's worth of events: a burst of
messages to its rooms, a welcome and its room list) goes out in one
``send()`` when the turn ends, as Redis does before it sleeps. One
:class:`Flusher` per server has that done by the reactor's turn loop
right after it handled the events of the current poll and the timers
due, before it polls again (:func:`chatroom.net.pollcap.turn_ends`), so
the coalescing adds no waiting; on another clock (a test's), with
``callLater(0)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from twisted.internet.interfaces import IPushProducer, IReactorTime
from zope.interface import implementer

from chatroom.core.model import runs
from chatroom.core.model.runs import Run
from chatroom.net.pollcap import at_turn_end
from chatroom.net.tcpdirect import direct_connection, send_direct


class Overflowing(Protocol):
    """Who is told when a queue's client fell ``--sendq`` behind (its
    :class:`~chatroom.doors.base.connection.Connection`): the queue keeps
    the owner, not a bound method of it, one object less per connection."""

    def output_full(self) -> None: ...


class Transport(Protocol):
    """What the queue needs of a transport (``ITransport`` + ``IConsumer``)."""

    def write(self, data: bytes) -> None: ...

    def registerProducer(self, producer: object, streaming: bool) -> None: ...

    def unregisterProducer(self) -> None: ...


class Flusher:
    """Flushes every send queue written to during a reactor turn, once, at its end."""

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._queues: list[SendQueue] = []
        #: Whether the flush is to come this turn.
        self._due = False
        #: :func:`~chatroom.net.pollcap.at_turn_end`, at the first flush.
        self._at_end: Callable[[Callable[[], None]], object] | None = None

    def add(self, queue: SendQueue) -> None:
        self._queues.append(queue)
        if self._due:
            return
        self._due = True
        if self._at_end is None:
            self._at_end = at_turn_end(self.clock)
        self._at_end(self._flush)

    def _flush(self) -> None:
        self._due = False
        runs.turn_ended()
        queues, self._queues = self._queues, []
        for queue in queues:
            queue.flush()


@implementer(IPushProducer)
class SendQueue:
    """Bytes on their way to one client, bounded while it is not reading."""

    __slots__ = (
        "_batching",
        "_direct",
        "_flusher",
        "_owner",
        "_paused",
        "_pending",
        "_queued",
        "_run",
        "_transport",
        "closed",
        "limit",
    )

    def __init__(
        self,
        transport: Transport,
        limit: int,
        owner: Overflowing,
        flusher: Flusher | None = None,
    ) -> None:
        self.limit = limit
        self.closed = False
        self._paused = False
        self._queued = 0  # bytes written while the transport said "pause"
        self._owner = owner
        self._direct = direct_connection(transport)
        self._flusher = flusher
        #: This turn's writes: None (an idle connection holds nothing), the
        #: one write's bytes, or a list from the second write on. Not a list
        #: kept and cleared (56 bytes per connection), nor one made per turn:
        #: a message to a room of 10,000 would make 10,000 lists the
        #: collector tracks, which live through its young collections into
        #: the oldest generation and made the collector service's full
        #: collections 11 % of the server's time (docs/performance.md).
        #: A room's run of this turn's messages may be among them (the
        #: last, held as the room appends to it: ``_run``; see
        #: :mod:`chatroom.core.model.runs`).
        self._pending: bytes | Run | list[Any] | None = None
        self._run: Run | None = None
        self._transport = transport
        #: Whether a write joins this turn's (open, not paused, straight to
        #: its socket, flushed at the turn's end): the usual case, decided
        #: whenever one of those changes (:meth:`_decide`) rather than
        #: asked four times per write, as each delivery writes.
        self._batching = False
        self._decide()
        transport.registerProducer(self, True)

    def _decide(self) -> None:
        """The one rule of :attr:`_batching`, asked after each change of
        what it reads."""
        self._batching = not (
            self.closed or self._paused or self._direct is None or self._flusher is None
        )

    def write(self, data: bytes) -> None:
        """Send ``data``, or drop the connection if its client fell too far behind."""
        if self._run is not None:  # after what the room's run held so far
            self._let_go()
        if self._batching:
            pending = self._pending
            if pending is None:  # the turn's first (a crowd member's only) write
                self._pending = data
                flusher = self._flusher
                assert flusher is not None  # else not batching
                flusher.add(self)
            elif type(pending) is list:  # a busy turn's third write on: no call
                pending.append(data)
            else:
                self._pend(data)
        elif self.closed:
            return
        elif self._paused:
            self._buffer(data)
        elif self._direct is None:
            self._transport.write(data)
        else:
            self._send(data)

    def join(self, run: Run) -> None:
        """Send a room's ``run``: what it holds, and what the room appends
        to it until this turn ends (:mod:`chatroom.core.model.runs`). A queue
        that does not batch now is written what it holds, and the rest as
        it comes."""
        if self._run is not None:
            self._let_go()
        if not self._batching:
            self.write(run.so_far())
            run.stragglers.append(self.write)
            return
        self._pend(run)
        self._run = run
        run.held()

    def _pend(self, item: bytes | Run) -> None:
        """``item`` to this turn's writes, which the turn's end sends."""
        pending = self._pending
        if pending is None:
            self._pending = item
            flusher = self._flusher
            assert flusher is not None  # else not batching
            flusher.add(self)
        elif isinstance(pending, list):
            pending.append(item)
        else:
            self._pending = [pending, item]

    def leave(self, run: Run) -> None:
        """Take no more of ``run`` as it grows, if this queue holds it."""
        if self._run is run:
            self._let_go()

    def _let_go(self) -> None:
        """Keep what the held run has so far in its place, and have the
        room write the run's later messages to this queue one by one."""
        run = self._run
        assert run is not None
        self._run = None
        so_far = run.so_far()
        pending = self._pending
        if pending is run:
            self._pending = so_far
        else:
            assert isinstance(pending, list)
            pending[-1] = so_far
        run.let_go(self.write)

    def flush(self) -> None:
        """Send what this turn wrote, in one piece (the :class:`Flusher` calls it)."""
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        # A run held ends with the turn: its bytes are joined once, for
        # every queue that holds it.
        if self._run is not None:
            run, self._run = self._run, None
            if isinstance(pending, list):
                pending[-1] = run.data()
        if type(pending) is bytes:  # the turn's one write: the usual case
            data = pending
        elif isinstance(pending, list):
            data = b"".join(pending)
        elif isinstance(pending, Run):
            data = pending.data()
        else:
            data = pending
        if self._paused:  # the client stopped reading meanwhile
            self._buffer(data)
        else:
            self._send(data)

    def _buffer(self, data: bytes) -> None:
        """The client is not reading: queue in the transport, up to the limit."""
        self._queued += len(data)
        if self._queued > self.limit:
            self.closed = True
            self._decide()
            self._pending = None
            self._owner.output_full()
            return
        self._transport.write(data)

    def _send(self, data: bytes) -> None:
        assert self._direct is not None
        rest = send_direct(self._direct, data)
        if rest:
            self._transport.write(rest)

    def stop(self) -> None:
        """Take nothing more: the connection is closing. What was written
        still goes (at the turn's end, or at :meth:`close`). The queue is
        where "nothing once it is closing" is decided, so a door may hand
        it events without asking its connection first (the line door's
        fan-out does: one object fewer read per delivery), nor a room's
        run it holds (what the run has so far was written before)."""
        if self._run is not None:
            self._let_go()
        self.closed = True
        self._decide()

    def close(self) -> None:
        """Flush, then send nothing more; the transport no longer reports to us."""
        self.flush()  # nothing after an overflow: it dropped what was pending
        self.closed = True
        self._decide()
        self._transport.unregisterProducer()

    # -- IPushProducer: called by the transport --------------------------------

    def pauseProducing(self) -> None:
        self._paused = True
        self._decide()

    def resumeProducing(self) -> None:
        self._paused = False
        self._queued = 0
        self._decide()

    def stopProducing(self) -> None:
        self._paused = True
        self._decide()
