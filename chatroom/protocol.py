"""The line protocol door: one connection, its states and one handler per command.

A :class:`ChatProtocol` is three things stacked:

- framing (:class:`chatroom.framing.LineFraming`, a LineReceiver);
- output (:class:`chatroom.sendq.SendQueue`: ``--sendq`` and backpressure);
- the session: its name, its state (``username`` → ``lobby`` → ``room``),
  its room, its timers (here) and a handler per command
  (:class:`chatroom.commands.LineCommands`).

It holds only its own connection's state. Names and rooms live behind the
shared :class:`~chatroom.registry.Registry`, which calls back through the
:class:`~chatroom.registry.Member` methods (``deliver``, ``entered``...).
Those hand it :mod:`chatroom.events` objects, rendered here into lines once
per event (:mod:`chatroom.rendering`, through
:meth:`~chatroom.events.Encodable.encoded`), whatever the number of
members. Bytes are decoded at the edge, in :meth:`lineReceived`.
"""

from __future__ import annotations

import secrets
from collections.abc import Coroutine
from typing import Any, cast

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IDelayedCall, ITCPTransport
from twisted.internet.protocol import ServerFactory, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom import errors, metrics
from chatroom.commands import LOBBY, ROOM, USERNAME, LineCommands
from chatroom.errors import ChatError
from chatroom.events import Encoder, Event, Listing, LobbyChanges, Welcome, to_line
from chatroom.flood import FloodGate
from chatroom.framing import LineFraming
from chatroom.rendering import render_listing, render_lobby_changes, render_welcome
from chatroom.sendq import SendQueue, Transport
from chatroom.server import ChatServer
from chatroom.text import name_key, without_control_characters
from chatroom.wire import PROTOCOL_VERSION, format_line

#: How a connection's end is described to its room when nothing better is known.
__all__ = ["LOBBY", "ROOM", "USERNAME", "ChatFactory", "ChatProtocol"]

_LOST_REASONS = {
    "ConnectionDone": "connection closed",
    "ConnectionLost": "connection lost",
    "ConnectionAborted": "connection aborted",
}


class ChatProtocol(LineCommands, LineFraming):
    """The server end of one line-protocol connection."""

    log = Logger()
    #: Which door the connection came through (``/metrics`` labels).
    door = "line"

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
        self.state = USERNAME
        self.room: str | None = None  # the line protocol's one room
        #: How room events are rendered for this connection: with ``@ID``
        #: once it has sent ``/caps ids`` (a second cached rendering).
        self.render: Encoder = to_line
        self.host = ""
        self.MAX_LENGTH = config.max_line
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

    def __repr__(self) -> str:
        return f"<ChatProtocol {self.name or self.host!r} {self.state}>"

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
            self.send(format_line("ERR", "SERVER_FULL", text=refusal))
            self.send(format_line("BYE", text=refusal))
            self._closing = True  # never admitted: nothing to harvest
            self._finish(refusal)
            return
        self.log.info("connection from {host}", host=self.host)
        name = self.config.name
        self.send(
            format_line(
                "HELLO",
                name,
                PROTOCOL_VERSION,
                text=f"Welcome to {name}. Choose a username.",
            )
        )
        self._set_timer(self.config.login_timeout, "login")

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._cancel_timers()
        described = self._close_reason or _LOST_REASONS.get(
            type(reason.value).__name__, "disconnected"
        )
        self._closing = True
        self._harvest(described)
        self.server.closed(self)

    def close(self, reason: str, room_reason: str | None = None) -> None:
        """Say ``BYE reason``, leave everything now, then close after flushing.

        The room hears of it at once (as ``room_reason`` if given); the socket
        closes once its output has drained, or after ``shutdown_grace``
        seconds if it never does.
        """
        if self._closing:
            return
        self.send(format_line("BYE", text=reason))
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

        The room hears of it from ``connectionLost``, on a later reactor
        turn, so no room's member set changes during its fan-out.
        """
        self._closing = True
        self._close_reason = "send queue exceeded"
        metrics.SENDQ_DROPS.labels(self.door).inc()
        self.log.info("dropping {user}: send queue exceeded", user=self.name)
        self._tcp.abortConnection()

    def _cancel_timers(self) -> None:
        self._flood.cancel()
        for call in (self._timer, self._abort_call):
            if call is not None and call.active():
                call.cancel()
        self._timer = None

    # -- output, and the Member callbacks the registry makes ------------------

    def send(self, data: bytes) -> None:
        """Queue bytes for the client (nothing once it is closing)."""
        if not self._closing and self.sendq is not None:
            self.sendq.write(data)

    def error(self, code: str, text: str) -> None:
        """Send ``ERR code text``; text that echoes input is made safe first."""
        self.send(format_line("ERR", code, text=without_control_characters(text)))

    def deliver(self, event: Event) -> None:
        self.send(event.encoded(self.render))

    def entered(self, welcome: Welcome) -> None:
        if self.room is not None:  # the one-room rule: we left it for this one
            self.send(format_line("LEFT", self.room))
        self.room = welcome.room
        self.state = ROOM
        self.send(render_welcome(welcome, self.render))

    def removed(self, room: str, listing: Listing | None) -> None:
        if self.room is None or name_key(self.room) != name_key(room):
            return
        self.room = None
        self.state = LOBBY
        if listing is not None:
            self.send(listing.encoded(render_listing))

    def lobby_changed(self, changes: LobbyChanges) -> None:
        if self.state == LOBBY:
            self.send(changes.encoded(render_lobby_changes))

    def disconnect(self, reason: str) -> None:
        self.close(reason, room_reason="name lost")

    # -- input ------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        # Reading the clock per packet is cheaper than a timer reset per line.
        self._last_heard = self.clock.seconds()
        super().dataReceived(data)
        if self._flood.held is not None:  # read although slowed (TLS, say)
            self._answer_waiting_keepalives()

    def lineLengthExceeded(self, line: bytes) -> None:
        self._refuse(errors.line_too_long(self.MAX_LENGTH))

    def unterminatedLine(self) -> None:
        self.close("line too long without a line end")

    def lineReceived(self, line: bytes) -> None:
        """Decode one line and run it; bad UTF-8 is refused here, at the edge."""
        if self._closing:
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            self._refuse(errors.bad_encoding())
            return
        if text.startswith(("PING", "PONG")) and self._keepalive(text):
            return
        if not self._flood.admit():
            self._slow_down(text)
            return
        self._run(self.handle(text))

    def _slow_down(self, text: str) -> None:
        """Past the flood limit: hold this line and the rest until their turn.

        Reading stops meanwhile (``pauseProducing``), so the server keeps
        only what it had already read; keepalives in it are answered now.
        """
        metrics.FLOOD_DELAYS.labels(self.door).inc()
        self.pauseProducing()
        self._answer_waiting_keepalives()
        waiting = self.unprocessed()
        if self._flood.too_much(waiting.count(b"\n") + 1, len(waiting)):
            self.close("excess flood")
            return
        if not self._flood.told:
            self._flood.told = True
            rate = f"{self.config.rate:g}"
            self.send(
                format_line(
                    "SLOW",
                    rate,
                    text=f"you are sending more than {rate} lines a second: "
                    "your lines wait their turn",
                )
            )
        self._flood.hold(text, self._release_held)

    def _release_held(self, text: str) -> None:
        """The held line's turn: run it, then let the lines after it follow."""
        if self._closing:
            return
        if not self._run(self.handle(text)):
            self.resumeProducing()
        self._flood.caught_up()

    def _answer_waiting_keepalives(self) -> None:
        """Answer the ``PING`` lines already read, so keepalive never waits."""
        *lines, partial = self.unprocessed().split(b"\n")
        kept = []
        for line in lines:
            word = line[:4]
            if word in (b"PING", b"PONG") and self._keepalive(
                line.rstrip(b"\r").decode("utf-8", "replace")
            ):
                continue
            kept.append(line)
        kept.append(partial)
        self.replace_unprocessed(b"\n".join(kept))

    def _run(self, command: Coroutine[Any, Any, None]) -> bool:
        """Run one command; if it has to wait, hold the lines after it.

        With the in-process registry nothing ever waits, so the command is
        stepped once, as a plain call, without the cost of a Deferred. A
        command that does wait (on Redis) is handed to
        ``Deferred.fromCoroutine``, which resumes it; meanwhile
        ``pauseProducing`` (LineReceiver's contract) holds back this
        connection's later lines and stops reading its socket, so each
        user's commands take effect in the order they were sent. Returns
        True if the command is still waiting.
        """
        try:
            command.send(None)
        except StopIteration:
            return False
        except Exception:
            self._refused(Failure())
            return False
        self.pauseProducing()
        waiting = Deferred.fromCoroutine(command)
        waiting.addErrback(self._refused)
        waiting.addBoth(self._done_waiting)
        return True

    def _done_waiting(self, result: object) -> None:
        if not self._closing:
            self.resumeProducing()

    def _refuse(self, refusal: ChatError) -> None:
        self.error(refusal.code, refusal.text)

    def _refused(self, failure: Failure) -> None:
        """The error boundary: every failed command gets one ``ERR`` reply."""
        if failure.check(ChatError):
            self._refuse(cast(ChatError, failure.value))
        elif failure.check(CancelledError):
            pass  # the connection went away while the command waited
        else:
            self.log.failure("command failed: {user}", failure, user=self.name)
            self._refuse(errors.internal())

    # -- keepalive and timers ---------------------------------------------------

    def _keepalive(self, line: str) -> bool:
        """Answer ``PING x`` with ``PONG x``; swallow ``PONG``. False: not one."""
        word, _, token = line.partition(" ")
        if word not in ("PING", "PONG") or not (
            token.isprintable() and " " not in token
        ):
            return False
        if word == "PING":
            self.send(format_line("PONG", text=token))
        return True

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
            self.close("no username chosen in time")
        elif self._timer_purpose == "pong":
            self._check_pong()
        else:
            self._check_idle()

    def named(self) -> None:
        self._set_timer(self.config.ping_interval, "idle")

    def _check_idle(self) -> None:
        """Ping a client that has been silent for ``--ping-interval`` seconds."""
        interval = self.config.ping_interval
        silent = self.clock.seconds() - self._last_heard
        if silent < interval:
            self._set_timer(interval - silent, "idle")
            return
        self._pinged_at = self.clock.seconds()
        self.send(format_line("PING", text=secrets.token_hex(4)))
        self._set_timer(self.config.ping_timeout, "pong")

    def _check_pong(self) -> None:
        """Close a client that said nothing at all since we pinged it."""
        if self._last_heard < self._pinged_at:
            self.close("ping timeout")
        else:
            self._check_idle()


class ChatFactory(ServerFactory):
    """Builds one :class:`ChatProtocol` per connection, all sharing one server."""

    noisy = False  # the protocol logs each connection itself

    def __init__(self, server: ChatServer) -> None:
        self.server = server

    def buildProtocol(self, addr: object) -> ChatProtocol:
        protocol = ChatProtocol(self.server)
        protocol.factory = self
        return protocol
