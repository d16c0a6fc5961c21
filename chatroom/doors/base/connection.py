"""What every line-based door's connection does the same way.

:class:`DoorConnection` is the connection life shared by the line protocol
(:mod:`chatroom.doors.line.protocol`) and IRC
(:mod:`chatroom.doors.irc.session`): framing
(it is a :class:`~chatroom.doors.base.framing.LineFraming`), output through a
:class:`~chatroom.doors.base.sendq.SendQueue`, admission and harvest through the
:class:`~chatroom.wiring.server.ChatServer`, closing after a flush with a bounded
grace, commands that may wait on the registry, flood control that slows
rather than drops, and one timer for login, idle and ping. A door
subclasses it and supplies its own words through the hooks at the end:
what it says on arriving, leaving and pinging, and how it runs a line.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, cast

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, ITCPTransport
from twisted.internet.protocol import connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.events import Event, Listing, LobbyChanges, Welcome
from chatroom.doors.base import counters
from chatroom.doors.base.flood import FloodGate
from chatroom.doors.base.framing import LineFraming
from chatroom.doors.base.sendq import SendQueue, Transport
from chatroom.wiring.server import ChatServer

#: How a connection's end is described to its rooms when nothing better is known.
LOST_REASONS = {
    "ConnectionDone": "connection closed",
    "ConnectionLost": "connection lost",
    "ConnectionAborted": "connection aborted",
}


class DoorConnection(LineFraming):
    """One client connection of a line-based door, before its own words."""

    log = Logger()
    #: Which door (``/metrics`` labels, logs).
    door: ClassVar[str] = "line"
    #: Why the connection closes, in the door's words, and what its rooms hear.
    LOGIN_EXPIRED: ClassVar[tuple[str, str | None]] = ("login timed out", None)
    PING_TIMEOUT: ClassVar[tuple[str, str | None]] = ("ping timeout", None)
    EXCESS_FLOOD: ClassVar[tuple[str, str | None]] = ("excess flood", None)

    def __init__(self, server: ChatServer) -> None:
        # Every attribute the connection will ever have is set here, in one
        # order, so that all instances share one key table: an attribute
        # added later (by Twisted or LineReceiver) costs each idle
        # connection a dict of its own, about 1.5 KiB.
        self.factory = None
        self.connected = 0
        self.transport = None
        self.paused = False
        self._buffer = b""
        self._busyReceiving = False
        self._pending = b""
        self._offset = 0
        self._skipping = 0
        self.server = server
        self.registry = server.registry
        self.config = config = server.config
        self.clock = server.clock
        self.name: str | None = None
        self.host = ""
        self.max_unterminated = config.max_unterminated
        self.sendq: SendQueue | None = None
        self._closing = False
        self._close_reason: str | None = None
        self._flood = FloodGate(
            config.rate, config.burst, config.max_backlog, server.clock
        )
        self._last_heard = server.clock.seconds()
        self._timer: IDelayedCall | None = None
        self._timer_purpose = "login"
        self._pinged_at = 0.0
        self._abort_call: IDelayedCall | None = None

    @property
    def _tcp(self) -> ITCPTransport:
        """The transport, once connected (TCP, TLS, or a test's stand-in)."""
        assert self.transport is not None
        return cast(ITCPTransport, self.transport)

    # -- connection life --------------------------------------------------------

    def connectionMade(self) -> None:
        # Nagle's algorithm plus the peer's delayed ACK holds small lines back
        # for tens of milliseconds; chat lines are small and must go at once.
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self.sendq = SendQueue(
            cast(Transport, self.transport),
            self.config.sendq,
            self._sendq_full,
            self.server.flusher,
        )
        self.host = getattr(self._tcp.getPeer(), "host", "")
        self.server.opened(self)
        refusal = self.server.admit(self, self.host)
        if refusal is not None:
            self.send(self.refusal_lines(refusal))
            self._closing = True  # never admitted: nothing to harvest
            self._finish(refusal)
            return
        self.log.info("{door} connection from {host}", door=self.door, host=self.host)
        self.greet()
        self._set_timer(self.config.login_timeout, "login")

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._cancel_timers()
        described = self._close_reason or LOST_REASONS.get(
            type(reason.value).__name__, "disconnected"
        )
        self._closing = True
        self._harvest(described)
        self.server.closed(self)

    def close(self, reason: str, room_reason: str | None = None) -> None:
        """Say goodbye, leave everything now, then close after flushing.

        The rooms hear of it at once (as ``room_reason`` if given); the
        socket closes once its output has drained, or after
        ``--shutdown-grace`` seconds if it never does.
        """
        if self._closing:
            return
        self.send(self.goodbye(reason))
        self._closing = True
        self._harvest(room_reason or reason)
        self._finish(room_reason or reason)

    def _harvest(self, reason: str) -> None:
        """Give back this connection's name, places and count (once)."""
        if self.server.forget(self, self.host):
            self.registry.release(self, reason)
            self.log.info(
                "{user} disconnected: {reason}",
                user=self.name or self.host,
                reason=reason,
            )

    def _finish(self, reason: str) -> None:
        self._cancel_timers()
        self._close_reason = reason
        if self.sendq is not None:
            self.sendq.close()
        self._tcp.loseConnection()
        self._abort_call = self.clock.callLater(
            self.config.shutdown_grace, self._tcp.abortConnection
        )

    def _sendq_full(self) -> None:
        """The client stopped reading and fell ``--sendq`` behind: abort now.

        The rooms hear of it from ``connectionLost``, on a later reactor
        turn, so no room's member set changes during its fan-out.
        """
        self._closing = True
        self._close_reason = "send queue exceeded"
        counters.SENDQ_DROPS.labels(self.door).inc()
        self.log.info("dropping {user}: send queue exceeded", user=self.name)
        self._tcp.abortConnection()

    def _cancel_timers(self) -> None:
        self._flood.cancel()
        for call in (self._timer, self._abort_call):
            if call is not None and call.active():
                call.cancel()
        self._timer = None

    def send(self, data: bytes) -> None:
        """Queue bytes for the client (nothing once it is closing)."""
        if not self._closing and self.sendq is not None:
            self.sendq.write(data)

    def disconnect(self, reason: str) -> None:
        """The shared side ends this session (its name went to another)."""
        self.close(reason, room_reason="name lost")

    # -- input ------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        # Reading the clock per packet is cheaper than a timer reset per line.
        self._last_heard = self.clock.seconds()
        super().dataReceived(data)
        if self._flood.held is not None:  # read although slowed (TLS, say)
            self.answer_waiting_keepalives()

    def admit_line(self, text: str) -> None:
        """Run a decoded line now, or hold it if it is over the flood limit."""
        if not self._flood.admit():
            self._slow_down(text)
            return
        self.dispatch(text)

    def _slow_down(self, text: str) -> None:
        """Past the flood limit: hold this line and the rest until their turn.

        Reading stops meanwhile (``pauseProducing``), so the server keeps
        only what it had already read; keepalives in it are answered now.
        """
        counters.FLOOD_DELAYS.labels(self.door).inc()
        self.pauseProducing()
        self.answer_waiting_keepalives()
        waiting = self.unprocessed()
        if self._flood.too_much(waiting.count(b"\n") + 1, len(waiting)):
            self.close(*self.EXCESS_FLOOD)
            return
        if not self._flood.told:
            self._flood.told = True
            self.slowed()
        self._flood.hold(text, self._release_held)

    def _release_held(self, text: str) -> None:
        """The held line's turn: run it, then let the lines after it follow."""
        if self._closing:
            return
        if not self.dispatch(text):
            self.resumeProducing()
        self._flood.caught_up()

    def run(
        self,
        command: Coroutine[Any, Any, None],
        refused: Callable[[Failure], None],
    ) -> bool:
        """Run one command; if it has to wait, hold the lines after it.

        With the in-process registry nothing ever waits, so the command is
        stepped once, as a plain call, without the cost of a Deferred. A
        command that does wait (on Redis) is handed to
        ``Deferred.fromCoroutine``, which resumes it; meanwhile
        ``pauseProducing`` (LineReceiver's contract) holds back this
        connection's later lines and stops reading its socket, so each
        user's commands take effect in the order they were sent. A failure
        goes to ``refused``, the door's error boundary. Returns True if the
        command is still waiting.
        """
        try:
            command.send(None)
        except StopIteration:
            return False
        except Exception:
            refused(Failure())
            return False
        self.pauseProducing()
        waiting = Deferred.fromCoroutine(command)
        waiting.addErrback(refused)
        waiting.addBoth(self._done_waiting)
        return True

    def _done_waiting(self, result: object) -> None:
        if not self._closing and self._flood.held is None:
            self.resumeProducing()

    # -- one timer: login, idle, ping -------------------------------------------

    def _set_timer(self, delay: float, purpose: str) -> None:
        """Run :meth:`_timer_due` in ``delay`` seconds, for ``purpose``.

        A connection has one timer (login, then idle, then waiting for an
        answer to a ping), rescheduled in place while it is pending, so an
        idle connection holds one DelayedCall and no cancelled ones.
        """
        self._timer_purpose = purpose
        if self._timer is not None and self._timer.active():
            self._timer.reset(delay)
        else:
            self._timer = self.clock.callLater(delay, self._timer_due)

    def _timer_due(self) -> None:
        if self._timer_purpose == "login":
            self.close(*self.LOGIN_EXPIRED)
        elif self._timer_purpose == "pong":
            self._check_pong()
        else:
            self._check_idle()

    def named(self) -> None:
        """The session has its name: from now on, the idle check."""
        self._set_timer(self.config.ping_interval, "idle")

    def _check_idle(self) -> None:
        """Ping a client that has been silent for ``--ping-interval`` seconds."""
        interval = self.config.ping_interval
        silent = self.clock.seconds() - self._last_heard
        if silent < interval:
            self._set_timer(interval - silent, "idle")
            return
        self._pinged_at = self.clock.seconds()
        self.send(self.ping(secrets.token_hex(4)))
        self._set_timer(self.config.ping_timeout, "pong")

    def _check_pong(self) -> None:
        """Close a client that said nothing at all since we pinged it."""
        if self._last_heard < self._pinged_at:
            self.close(*self.PING_TIMEOUT)
        else:
            self._check_idle()

    # -- the door's own words -------------------------------------------------------

    def greet(self) -> None:
        """Just admitted: say hello, if the door's protocol does."""

    def refusal_lines(self, reason: str) -> bytes:
        """What a connection that is not admitted is told before closing."""
        raise NotImplementedError

    def goodbye(self, reason: str) -> bytes:
        """The last line before the server closes the connection."""
        raise NotImplementedError

    def ping(self, token: str) -> bytes:
        """The keepalive line that asks the client to answer."""
        raise NotImplementedError

    def dispatch(self, text: str) -> bool:
        """Run one line; True if its command is still waiting (see :meth:`run`)."""
        raise NotImplementedError

    def slowed(self) -> None:
        """The client's lines started waiting their turn (once per episode)."""

    def answer_waiting_keepalives(self) -> None:
        """Answer keepalives already read behind held lines, if the door can."""

    # The rest of the Member callbacks (chatroom.core.registry), in the door's words.

    def deliver(self, event: Event) -> None:
        raise NotImplementedError

    def entered(self, welcome: Welcome) -> None:
        raise NotImplementedError

    def removed(self, room: str, listing: Listing | None) -> None:
        raise NotImplementedError

    def lobby_changed(self, changes: LobbyChanges) -> None:
        raise NotImplementedError
