"""What every line-based door's connection does the same way, as one component.

A door's twisted protocol (the line door's
:class:`~chatroom.doors.line.protocol.LineProtocol`, IRC's
:class:`~chatroom.doors.irc.protocol.IRCProtocol`; the WebSocket door is a
``LineProtocol`` with another output) owns its framing and holds one
:class:`Connection` and one session by composition. The connection is the
life of the socket, the same for every door:

- output through a :class:`~chatroom.doors.base.sendq.SendQueue`
  (``--sendq``, backpressure, coalescing per reactor turn);
- admission and harvest through the :class:`~chatroom.doors.base.hub.DoorHub`;
- closing after a flush, with a bounded grace;
- commands that may wait on the registry (:meth:`Connection.run`);
- the screening of its address against server bans by network and
  blocklists (``--dnsbl``): its lines wait for the answer; a banned one
  is refused, and the blocklists' verdict is asked by its door at the
  name step;
- flood control that slows rather than drops
  (:class:`~chatroom.doors.base.flood.FloodGate`);
- one deadline for login, idle and ping, on the server's shared
  :class:`~chatroom.doors.base.deadlines.Deadlines` (no ``DelayedCall`` of
  its own), the idle check spread at random (:data:`PING_SPREAD`).

What it needs of its door (the door's words for hello, goodbye and ping,
and how to run a line) is the :class:`DoorHooks` protocol, which the
door's twisted protocol implements: the connection calls it and never
inherits from it, as the mailbox server's domain calls ``send_f``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from random import getrandbits, random
from typing import Any, Protocol, cast

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, ITCPTransport, ITransport
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.infra.blocklists import CLEAR, Verdict
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.member import Member
from chatroom.core.policy.flood import FULL
from chatroom.doors.base import counters
from chatroom.doors.base.deadlines import Deadline
from chatroom.doors.base.flood import FloodGate
from chatroom.doors.base.hub import DoorHub, Screening
from chatroom.doors.base.sendq import SendQueue, Transport

#: How a connection's end is described to its rooms when nothing better is known.
LOST_REASONS = {
    "ConnectionDone": "connection closed",
    "ConnectionLost": "connection lost",
    "ConnectionAborted": "connection aborted",
}

#: What the connection's one timer is waiting for.
LOGIN, IDLE, PONG = "login", "idle", "pong"

#: How much later than ``--ping-interval`` of silence the idle check may
#: come, as a share of the interval: each time a connection sets it, it
#: draws its wait afresh between ``--ping-interval`` and 1.25 times it. A
#: crowd that came in together (thousands signed on in the same minute)
#: would otherwise be pinged together, and answer together, every interval
#: for as long as it stays, a round of sends and reads as bunched as its
#: arrival; drawn each round, the waits spread it wider every round
#: instead. A client is never pinged before ``--ping-interval`` of silence,
#: and one that stays silent is still closed ``--ping-timeout`` after its
#: ping.
PING_SPREAD = 0.25

#: What a connection's ``_last_heard`` reads from its ping until it next
#: hears from the client (no clock reads this): a ping's check needs only
#: whether anything came since, so no connection keeps the ping's time
#: (a slot and a float of 24 bytes each, for as long as it stays).
SILENT_SINCE_PING = float("-inf")

#: Why a connection closes, in a door's words, and what its rooms hear
#: (None: the same words).
Farewell = tuple[str, str | None]


class DoorHooks(Member, Protocol):
    """What a :class:`Connection` needs of the door's protocol that holds it.

    The protocol is also the :class:`~chatroom.core.model.member.Member` the
    registry knows, so the connection admits and releases it as such.
    """

    #: Which door (``/metrics`` labels, logs).
    door: str
    #: Why the connection closes, in the door's words, and what its rooms
    #: hear: login not completed in time, no answer to a ping, a flood.
    login_expired: Farewell
    ping_timeout: Farewell
    excess_flood: Farewell

    @property
    def name(self) -> str | None:
        """The session's name, once it has one (for logs)."""
        ...

    @property
    def host(self) -> str:
        """The address it came from (its connection's)."""
        ...

    def close(self, reason: str, room_reason: str | None = None) -> None:
        """Say goodbye and close (the server's shutdown calls it)."""

    def greet(self) -> None:
        """Just admitted: say hello, if the door's protocol does."""

    def refusal_lines(self, reason: str) -> bytes:
        """What a connection that is not admitted is told before closing."""
        ...

    def goodbye(self, reason: str) -> bytes:
        """The last line before the server closes the connection."""
        ...

    def banned_lines(self, reason: str) -> bytes:
        """What a connection from a banned network is told before its
        goodbye (IRC's ``465``), if anything."""
        ...

    def ping(self, token: str) -> bytes:
        """The keepalive line that asks the client to answer."""
        ...

    def dispatch(self, text: str) -> bool:
        """Run one line; True if its command is still waiting (see ``run``)."""
        ...

    def slowed(self) -> None:
        """The client's lines started waiting their turn (once per episode)."""

    def answer_waiting_keepalives(self) -> None:
        """Answer keepalives already read behind held lines, if the door can."""

    def pauseProducing(self) -> None:
        """Hold back the lines after this one (the framing's pause)."""

    def hold(self) -> None:
        """Hold back the lines after this one while its command waits,
        reading on until more comes (the framing's cheaper pause)."""

    def resumeProducing(self) -> None:
        """Deliver the lines held back, and read again."""

    def unprocessed(self) -> bytes:
        """What has been read but not yet delivered as lines."""
        ...


class _ConnectionRare:
    """A :class:`Connection`'s fields that few connections set, and none
    while open and idle."""

    __slots__ = ("abort_call", "close_reason", "held_signon", "own", "verdict")

    def __init__(self) -> None:
        self.close_reason: str | None = None
        self.abort_call: IDelayedCall | None = None
        self.verdict: Verdict = CLEAR
        #: The bucket of what the client sends by itself: the time it is
        #: full again (:meth:`~chatroom.core.policy.flood.FloodRules.take_own`).
        self.own = FULL
        #: The sign-on line's work waiting for a slot, not started yet
        #: (:meth:`Connection.run`): the connection's, to close if it
        #: closes first.
        self.held_signon: Coroutine[Any, Any, None] | None = None

    def at_rest(self, now: float) -> bool:
        """Nothing set but a bucket full again by ``now``: the connection
        may let go of it."""
        return (
            self.close_reason is None
            and self.abort_call is None
            and self.verdict is CLEAR
            and self.own <= now
            and self.held_signon is None
        )


class Connection:
    """One client connection's life, whatever its door's words.

    Every attribute is a slot: an idle server holds one of these per
    client, and slots keep it smaller than a dict of the same fields.
    """

    __slots__ = (
        "_due",
        "_flood",
        "_last_heard",
        "_rare",
        "_timer",
        "_timer_purpose",
        "closing",
        "door",
        "host",
        "send_queue",
        "server",
        "transport",
    )

    log = Logger()

    def __init__(self, server: DoorHub, door: DoorHooks) -> None:
        """Args:
        door: the protocol holding this connection (its words, its framing).
        """
        self.server = server
        self.door = door
        self.transport: ITransport | None = None
        self.host = ""
        self.send_queue: SendQueue | None = None
        #: True from the moment the connection starts to close: nothing
        #: more is run, and its output queue takes nothing more
        #: (:meth:`_stop`).
        self.closing = False
        #: What few connections set, and none while open and idle (the
        #: reason it closed, the call that aborts it past the grace, an
        #: address a blocklist listed): made on first use
        #: (:class:`_ConnectionRare`), where a slot each cost every
        #: connection 24 bytes.
        self._rare: _ConnectionRare | None = None
        #: Flood control: the token bucket alone (the time it is full
        #: again) while no line waits, else the gate holding the line,
        #: until it has caught up (:meth:`_release_held`): an idle
        #: connection holds one float, and none before its first line.
        self._flood: FloodGate | float = FULL
        self._last_heard = server.clock.seconds()
        #: The pending entry in the server's Deadlines, and the time the
        #: connection's one deadline is really for (later, if it was
        #: postponed while the entry was pending: see ``_set_timer``).
        self._timer: Deadline | None = None
        self._due = 0.0
        self._timer_purpose = LOGIN

    @property
    def config(self) -> ServerConfig:
        return self.server.config

    def _rarely(self) -> _ConnectionRare:
        rare = self._rare
        if rare is None:
            rare = self._rare = _ConnectionRare()
        return rare

    @property
    def verdict(self) -> Verdict:
        """What blocklists made of its address (``--dnsbl``): the door asks
        it at the name step (:mod:`chatroom.core.infra.blocklists`)."""
        rare = self._rare
        return CLEAR if rare is None else rare.verdict

    @verdict.setter
    def verdict(self, verdict: Verdict) -> None:
        if verdict is not CLEAR or self._rare is not None:
            self._rarely().verdict = verdict

    @property
    def _close_reason(self) -> str | None:
        """Why it closed (None: it has not)."""
        rare = self._rare
        return None if rare is None else rare.close_reason

    @_close_reason.setter
    def _close_reason(self, reason: str | None) -> None:
        self._rarely().close_reason = reason

    @property
    def _abort_call(self) -> IDelayedCall | None:
        """The call that aborts it once the grace to flush is over."""
        rare = self._rare
        return None if rare is None else rare.abort_call

    @_abort_call.setter
    def _abort_call(self, call: IDelayedCall | None) -> None:
        self._rarely().abort_call = call

    @property
    def _tcp(self) -> ITCPTransport:
        """The transport, once connected (TCP, TLS, or a test's stand-in)."""
        assert self.transport is not None
        return cast(ITCPTransport, self.transport)

    # -- connection life --------------------------------------------------------

    def made(self, transport: ITransport) -> None:
        """The socket is open: admit it (or refuse it), greet, start the timer."""
        self.transport = transport
        # Nagle's algorithm plus the peer's delayed ACK holds small lines back
        # for tens of milliseconds; chat lines are small and must go at once.
        set_no_delay = getattr(transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self.send_queue = SendQueue(
            cast(Transport, transport),
            self.config.sendq,
            self,
            self.server.flusher,
        )
        # What the transport's protocol sends first (a WebSocket's 101):
        # queued ahead of the greeting, the two in one send(). Queued, it
        # is the queue's: the transport lets it go (else each web client
        # would keep its 101, about 160 bytes, for as long as it stays).
        take_preface = getattr(transport, "take_preface", None)
        if take_preface is not None:
            preface = take_preface()
            if preface:
                self.send_queue.write(preface)
        self.host = getattr(self._tcp.getPeer(), "host", "")
        door = self.door
        self.server.opened(door)
        refusal = self.server.admit(door, self.host)
        if refusal is not None:
            self.send(door.refusal_lines(refusal))
            self._stop()  # never admitted: nothing to harvest
            self._finish(refusal)
            return
        self.log.info("{door} connection from {host}", door=door.door, host=self.host)
        self._set_timer(self.server.clock.seconds() + self.config.login_timeout, LOGIN)
        self._screen()

    def _screen(self) -> None:
        """Ask whether the address may come in (server bans, blocklists);
        while the answer is out its lines are read but wait (the
        framing's pause), and the greeting too: a refused address is told
        its goodbye, and nothing it sent is run. The wait is at most the
        blocklists' lookup timeout; without ``--dnsbl``, there is none once
        the node holds its copy of the network bans."""
        screening = self.server.screen(self.host)
        if isinstance(screening, Screening):  # known at once: the usual case
            self._screened(screening, False)
            return
        paused = not screening.called
        if paused:
            self.door.pauseProducing()
        screening.addCallback(self._screened, paused)

    def _screened(self, screening: Screening, paused: bool) -> None:
        """The answer is in: refused, or greeted and its lines run."""
        if self.closing:  # gone meanwhile
            return
        if screening.banned is not None:
            told = self.door.banned_lines(screening.banned)
            if told:
                self.send(told)
            self.close(screening.banned)
            return
        self.verdict = verdict = screening.verdict
        refusal = verdict.refusal
        if refusal is not None:
            self.close(refusal)
            return
        self.door.greet()
        if paused:
            self.door.resumeProducing()

    def lost(self, reason: Failure, then: Callable[[], None] | None = None) -> None:
        """The socket has closed: give everything back (once), then
        ``then`` (the door's own end), in this turn unless the turn has
        given back its share of lost connections already
        (:mod:`~chatroom.doors.base.leaving`)."""
        self._cancel_timers()
        described = self._close_reason or LOST_REASONS.get(
            type(reason.value).__name__, "disconnected"
        )
        self._stop()
        self._close_reason = described  # closed: nothing left to finish
        # Its name is free at once; the rest of it is given back in its turn.
        self.server.registry.lost(self.door, described)
        self.server.lost_connections.end(partial(self._given_back, described, then))
        self.server.closed(self.door)

    def _given_back(self, described: str, then: Callable[[], None] | None) -> None:
        self._harvest(described)
        if then is not None:
            then()

    def close(self, reason: str, room_reason: str | None = None) -> None:
        """Say goodbye, leave everything now, then close after flushing.

        The rooms hear of it at once (as ``room_reason`` if given); the
        socket closes once its output has drained, or after
        ``--shutdown-grace`` seconds if it never does.
        """
        if self.closing:
            return
        self.send(self.door.goodbye(reason))
        self.end(room_reason or reason)

    def end(self, reason: str) -> None:
        """Close without the door's goodbye (whatever was sent is flushed),
        once the server's count no longer has it (at once in one process;
        in a cluster once every node's ``LUSERS`` no longer counts it)."""
        if self.closing:
            return
        self._stop()
        uncounted = self._harvest(reason)
        if uncounted is None:
            self._finish(reason)
        else:
            uncounted.addCallback(lambda _: self._finish_if_open(reason))

    def _harvest(self, reason: str) -> Deferred[None] | None:
        """Give back this connection's name, places and count (once): what
        :meth:`DoorHub.forget` returns."""
        door = self.door
        uncounted = self.server.forget(door, self.host)
        if uncounted is not None:
            self.server.registry.release(door, reason)
            self.log.info(
                "{user} disconnected: {reason}",
                user=door.name or self.host,
                reason=reason,
            )
        return uncounted

    def _finish_if_open(self, reason: str) -> None:
        """:meth:`_finish`, unless the socket closed meanwhile (then
        :meth:`lost` has given everything back, and set the reason)."""
        if self._close_reason is None:
            self._finish(reason)

    def _finish(self, reason: str) -> None:
        self._cancel_timers()
        self._close_reason = reason
        if self.send_queue is not None:
            self.send_queue.close()
        self._tcp.loseConnection()
        self._abort_call = self.server.clock.callLater(
            self.config.shutdown_grace, self._tcp.abortConnection
        )

    def output_full(self) -> None:
        """The client stopped reading and fell ``--sendq`` behind: abort now.

        The rooms hear of it from ``lost``, on a later reactor turn, so no
        room's member set changes during its fan-out.
        """
        self.closing = True
        self._close_reason = "send queue exceeded"
        counters.SENDQ_DROPS.labels(self.door.door).inc()
        self.log.info("dropping {user}: send queue exceeded", user=self.door.name)
        self._tcp.abortConnection()

    def _cancel_timers(self) -> None:
        if isinstance(self._flood, FloodGate):
            self._flood.cancel()
        if self._timer is not None:
            self.server.deadlines.cancel(self._timer)
            self._timer = None
        call = self._abort_call
        if call is not None and call.active():
            call.cancel()

    def _stop(self) -> None:
        """Closing from now on: nothing more is run or sent (what was
        written goes first). A sign-on line waiting for a slot will never
        run: its work is closed now, not left for the garbage collector to
        find unstarted (see :meth:`run`)."""
        self.closing = True
        if self.send_queue is not None:
            self.send_queue.stop()
        rare = self._rare
        if rare is not None and rare.held_signon is not None:
            rare.held_signon.close()
            rare.held_signon = None

    def send(self, data: bytes) -> None:
        """Queue bytes for the client (nothing once it is closing: the queue
        was stopped)."""
        if self.send_queue is not None:
            self.send_queue.write(data)

    # -- input ------------------------------------------------------------------

    def heard(self) -> None:
        """Bytes arrived: the client is alive (read per packet, not per line,
        which is cheaper than a timer reset per line)."""
        self._last_heard = self.server.clock.seconds()

    def read(self) -> None:
        """After a read: keepalives are answered even while lines wait."""
        gate = self._flood
        if isinstance(gate, FloodGate) and gate.held is not None:
            self.door.answer_waiting_keepalives()  # read although slowed (TLS)

    def admit(self, text: str, own: bool = False) -> None:
        """Run a decoded line now, or hold it if it is over the flood limit.

        ``own``: the door found it a line the client sent by itself (a
        background query, not its person's typing): it runs on a bucket of
        its own while that has tokens, and takes nothing of the person's
        (:data:`~chatroom.core.policy.flood.OWN_BURST`). No line waits here
        while one is held: the door reads none meanwhile.
        """
        if own and self._take_own():
            self.door.dispatch(text)
            return
        gate = self._flood
        if isinstance(gate, float):  # no line waits: the bucket alone
            rules = self.server.flood_rules
            taken = rules.take(gate)
            if taken is not None:
                self._flood = taken
                self.door.dispatch(text)
                return
            gate = self._flood = FloodGate(rules, gate)
        if not gate.admit():
            self._slow_down(gate, text)
            return
        self.door.dispatch(text)

    def _take_own(self) -> bool:
        """A token of the bucket of what the client sends by itself; False:
        it has none now (the line takes the person's). Kept with the
        connection's rare fields, made on first use."""
        rare = self._rare
        full_at = FULL if rare is None else rare.own
        taken = self.server.flood_rules.take_own(full_at)
        if taken is None:
            return False
        if taken != full_at:
            self._rarely().own = taken
        return True

    def _slow_down(self, gate: FloodGate, text: str) -> None:
        """Past the flood limit: hold this line and the rest until their turn.

        Reading stops meanwhile (``pauseProducing``), so the server keeps
        only what it had already read; keepalives in it are answered now.
        """
        door = self.door
        counters.FLOOD_DELAYS.labels(door.door).inc()
        door.pauseProducing()
        door.answer_waiting_keepalives()
        waiting = door.unprocessed()
        if gate.too_much(waiting.count(b"\n") + 1, len(waiting)):
            self.close(*self.door.excess_flood)
            return
        if not gate.told:
            gate.told = True
            door.slowed()
        gate.hold(text, self._release_held)

    def _release_held(self, text: str) -> None:
        """The held line's turn: run it, then let the lines after it follow."""
        if self.closing:
            return
        if not self.door.dispatch(text):
            self.door.resumeProducing()
        gate = self._flood
        if isinstance(gate, FloodGate):
            gate.caught_up()
            if gate.at_rest():  # caught up: the bucket is all there is to keep
                self._flood = gate.full_at

    def run(
        self,
        command: Coroutine[Any, Any, None],
        refused: Callable[[Failure], None],
    ) -> bool:
        """Run one command; if it has to wait, hold the lines after it.

        With the in-process registry nothing ever waits, so the command is
        stepped once, as a plain call, without the cost of a Deferred. A
        command that does wait (on Redis) is handed to
        ``Deferred.fromCoroutine``, which resumes it; meanwhile the door's
        ``hold`` (LineReceiver's pause, the socket read on until bytes
        come) holds back this connection's later lines, so each user's
        commands take effect in the order they were sent. A failure
        goes to ``refused``, the door's error boundary. Returns True if the
        command is still waiting.

        A line of a connection without a name yet is a sign-on: it runs
        with one of the server's slots (:mod:`~chatroom.doors.base.admission`),
        or, with none free, waits for one, this connection's reading paused
        meanwhile (so it has one such line at most). The line's work, a
        coroutine not started, is the connection's to keep meanwhile, not
        the slots' queue's: the queue lets go of a connection's entry only
        when a slot comes free, and none does once the server stops, so a
        coroutine kept there was never closed, and Python warned at its
        collection that it "was never awaited". The connection closes it
        when it closes (:meth:`_stop`), and the queue's entry is only the
        way to start it.
        """
        if self._timer_purpose != LOGIN:  # named: the usual case
            return self._step(command, refused, False)
        signons = self.server.signons
        if not signons.take(self):
            self.door.pauseProducing()
            self._rarely().held_signon = command
            signons.hold(self, partial(self._start_held, refused))
            return True
        return self._step(command, refused, True)

    def _step(
        self,
        command: Coroutine[Any, Any, None],
        refused: Callable[[Failure], None],
        signing_on: bool,
    ) -> bool:
        """:meth:`run`'s work; ``signing_on``: the line holds a sign-on
        slot, given back once it is answered."""
        try:
            command.send(None)
        except StopIteration:
            if signing_on:
                self.server.signons.give_back(self)
            return False
        except Exception:
            refused(Failure())
            if signing_on:
                self.server.signons.give_back(self)
            return False
        self.door.hold()
        waiting = Deferred.fromCoroutine(command)
        waiting.addErrback(refused)
        waiting.addBoth(self._signed_on if signing_on else self._done_waiting)
        return True

    def _start_held(self, refused: Callable[[Failure], None]) -> bool:
        """A sign-on slot is free for the line held: run it, then read on
        (unless it waits); False if the connection closed meanwhile (and
        closed the line's work, :meth:`_stop`)."""
        rare = self._rare
        if rare is None or rare.held_signon is None or self.closing:
            return False
        command, rare.held_signon = rare.held_signon, None
        if not self._step(command, refused, True):
            self._done_waiting(None)
        return True

    def _signed_on(self, result: object) -> None:
        """A sign-on's line is answered: its slot is free."""
        self.server.signons.give_back(self)
        self._done_waiting(result)

    def _done_waiting(self, result: object) -> None:
        gate = self._flood
        if not self.closing and (isinstance(gate, float) or gate.held is None):
            self.door.resumeProducing()

    # -- one deadline: login, idle, ping ----------------------------------------

    def _set_timer(self, due: float, purpose: str) -> None:
        """Act on ``purpose`` at ``due`` (see :meth:`deadline_due`).

        A connection has one deadline (login, then idle, then waiting for
        an answer to a ping), an entry in the server's shared
        :class:`~chatroom.doors.base.deadlines.Deadlines`. A deadline moved
        later while its entry is pending keeps the entry, which then
        re-arms itself for the new time, so naming oneself (login → idle)
        leaves no cancelled entry behind; one moved earlier replaces it.
        """
        self._timer_purpose = purpose
        self._due = due
        deadlines = self.server.deadlines
        entry = self._timer
        if entry is not None:
            if entry[0] <= due:
                return
            deadlines.cancel(entry)
        self._timer = deadlines.at(due, self)

    def deadline_due(self, when: float) -> None:
        """The entry set for ``when`` came up: re-arm it if the deadline was
        moved later meanwhile, else act on the deadline's purpose (as of
        ``when``, should the clock read a hair earlier)."""
        if when < self._due:
            self._timer = self.server.deadlines.at(self._due, self)
            return
        self._timer = None
        now = max(when, self.server.clock.seconds())
        if self._timer_purpose == LOGIN:
            self.close(*self.door.login_expired)
        elif self._timer_purpose == PONG:
            self._check_pong(now)
        else:
            self._check_idle(now)

    def named(self) -> Deferred[None]:
        """The session has its name: from now on, the idle check; counted
        so (what :meth:`DoorHub.counted` returns, for the welcome to
        wait for)."""
        self._set_idle_check(self.server.clock.seconds())
        return self.server.counted(named=1)

    def _set_idle_check(self, since: float) -> None:
        """Check for silence ``--ping-interval`` after ``since``, and up to
        :data:`PING_SPREAD` of it more, drawn at random each time."""
        interval = self.config.ping_interval
        self._set_timer(since + interval + interval * PING_SPREAD * random(), IDLE)

    def _check_idle(self, now: float) -> None:
        """Ping a client that has been silent for ``--ping-interval`` seconds.

        A bucket full again by now is let go for the shared :data:`FULL`
        (the same bucket): an idle line client keeps no float of its own.
        """
        bucket = self._flood
        if isinstance(bucket, float) and bucket <= now:
            self._flood = FULL
        rare = self._rare
        if rare is not None and rare.at_rest(now):
            self._rare = None  # its own lines' bucket full again: let go
        if now - self._last_heard < self.config.ping_interval:
            self._set_idle_check(self._last_heard)
            return
        self._last_heard = SILENT_SINCE_PING
        # Any line answers a ping, so its token is never checked and need
        # not be secret: ``getrandbits`` costs no ``getrandom`` system call
        # per ping, as ``secrets`` does.
        self.send(self.door.ping(f"{getrandbits(32):08x}"))
        counters.PINGS_BY_DOOR.inc(self.door.door)
        self._set_timer(now + self.config.ping_timeout, PONG)

    def _check_pong(self, now: float) -> None:
        """Close a client that said nothing at all since we pinged it."""
        if self._last_heard == SILENT_SINCE_PING:
            self.close(*self.door.ping_timeout)
        else:
            self._check_idle(now)
