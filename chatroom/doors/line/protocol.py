"""The line protocol door: one connection's twisted protocol.

A :class:`LineProtocol` owns its framing (it is a
:class:`~chatroom.doors.base.framing.LineFraming`, a LineReceiver) and
holds two parts by composition:

- its :class:`~chatroom.doors.base.connection.Connection`: output
  (``--sendq``, backpressure), admission, closing, waiting commands, flood
  control and the keepalive timer, the same for every door;
- its :class:`~chatroom.doors.line.session.LineSession`: the name, the
  state (``username`` → ``lobby`` → ``room``), the room and one handler per
  command.

A line goes: ``dataReceived`` (framing) → :meth:`LineProtocol.lineReceived`
(decoded at the edge; ``PING``/``PONG`` answered here) →
:meth:`Connection.admit` (flood control: a line the client sent by itself,
:func:`~chatroom.wire.commands.sent_by_itself`, on a bucket of its own) →
:meth:`LineProtocol.dispatch` →
:meth:`Connection.run` (the command, which may wait) →
:meth:`LineSession.handle` (its table) → the handler → the
:class:`~chatroom.core.registry.Registry`.

The protocol is the :class:`~chatroom.core.model.member.Member` the registry
calls back. :meth:`deliver` is the fan-out's hot path: it writes the
event's rendering (made once per event for every member of the door,
through :meth:`~chatroom.core.model.events.Encodable.encoded`) straight to the
connection, with no layer in between. The other callbacks concern the
session's state and go to it.

The WebSocket door (:mod:`chatroom.doors.web.socket`) is this protocol
with another :class:`~chatroom.doors.line.session.LineOutput`: one text
frame per line instead of CRLF lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from twisted.internet.defer import CancelledError
from twisted.internet.protocol import ServerFactory, connectionDone
from twisted.python.failure import Failure

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Event,
    Listing,
    LobbyChanges,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import MessageWriter
from chatroom.doors.base.connection import Connection, Farewell
from chatroom.doors.base.framing import LineFraming
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.base.sendq import SendQueue
from chatroom.doors.line.markers import render_marker
from chatroom.doors.line.session import (
    AS_LINES,
    LOBBY,
    ROOM,
    USERNAME,
    LineOutput,
    LineSession,
)
from chatroom.wire.calls import SIGNAL_LINE_MAX, is_signal_line
from chatroom.wire.commands import sent_by_itself
from chatroom.wire.lines import PROTOCOL_VERSION, format_line

__all__ = ["LOBBY", "ROOM", "USERNAME", "LineFactory", "LineProtocol"]

#: Keepalive words, answered before flood control and the session.
_KEEPALIVE = (b"PING", b"PONG")


class LineProtocol(LineFraming):
    """The server end of one line-protocol connection (or ``/ws`` session)."""

    # Slots for every attribute the protocol (and LineReceiver, Protocol)
    # will ever set, so an idle connection carries no dict of its own.
    __slots__ = (
        "MAX_LENGTH",
        "_buffer",
        "_busyReceiving",
        "_offset",
        "_pending",
        "_skipping",
        "connected",
        "connection",
        "door",
        "factory",
        "max_line",
        "max_unterminated",
        "paused",
        "session",
        "transport",
    )

    login_expired: Farewell = ("no username chosen in time", None)
    ping_timeout: Farewell = ("ping timeout", None)
    excess_flood: Farewell = ("excess flood", None)
    #: The session each connection holds (a test may substitute its own).
    session_class: type[LineSession] = LineSession

    def __init__(self, server: DoorHub, output: LineOutput = AS_LINES) -> None:
        # Every attribute the protocol will ever have is set here or by the
        # framing (each a slot): one set later by Twisted or LineReceiver
        # outside the slots would cost each idle connection a dict of its own.
        super().__init__()
        self.factory = None
        self.connected = 0
        self.door = output.door
        #: ``--max-line``: the longest line but a ``/call signal``, which
        #: may be up to SIGNAL_LINE_MAX (an SDP offer is 5-7 KB of JSON).
        self.max_line = server.config.max_line
        self.MAX_LENGTH = max(self.max_line, SIGNAL_LINE_MAX)
        self.max_unterminated = server.config.max_unterminated
        self.connection = connection = Connection(server, self)
        self.session = self.session_class(server, connection, self, output)

    def __repr__(self) -> str:
        session = self.session
        return f"<LineProtocol {session.name or session.host!r} {session.state}>"

    # -- what tests and the shared side read ------------------------------------

    @property
    def name(self) -> str | None:
        return self.session.name

    @property
    def views_every_room(self) -> bool:
        """A device of an account in all its rooms (``/caps multi``)."""
        return self.session.multi

    #: A page or a terminal draws its rooms afresh from what it is sent.
    starts_blank = True

    @property
    def state(self) -> str:
        return self.session.state

    @property
    def room(self) -> str | None:
        return self.session.room

    @property
    def host(self) -> str:
        return self.connection.host

    @property
    def sendq(self) -> SendQueue | None:
        """This connection's output queue (``--sendq``)."""
        return self.connection.send_queue

    # -- twisted's side ---------------------------------------------------------

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.connection.made(self.transport)
        self.session.send_queue = self.connection.send_queue

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.connection.lost(reason)

    def dataReceived(self, data: bytes) -> None:
        self.connection.heard()
        super().dataReceived(data)
        self.connection.read()

    def close(self, reason: str, room_reason: str | None = None) -> None:
        """Say ``BYE``, leave everything now, close once the output drained."""
        self.connection.close(reason, room_reason)

    # -- the line protocol's words for the connection's life (DoorHooks) --------

    def greet(self) -> None:
        name = self.connection.config.name
        self.session.send(
            format_line(
                "HELLO",
                name,
                PROTOCOL_VERSION,
                text=f"Welcome to {name}. Choose a username.",
            )
        )

    def refusal_lines(self, reason: str) -> bytes:
        return self._framed(format_line("ERR", "SERVER_FULL", text=reason)) + (
            self.goodbye(reason)
        )

    def goodbye(self, reason: str) -> bytes:
        return self._framed(format_line("BYE", text=reason))

    def banned_lines(self, reason: str) -> bytes:
        """The goodbye says it all (``BYE banned from this server: ...``)."""
        return b""

    def ping(self, token: str) -> bytes:
        return self._framed(format_line("PING", text=token))

    def _framed(self, data: bytes) -> bytes:
        frame = self.session.output.frame
        return data if frame is None else frame(data)

    def slowed(self) -> None:
        rate = f"{self.connection.config.rate:g}"
        lines = "line" if rate == "1" else "lines"
        self.session.send(
            format_line(
                "SLOW",
                rate,
                text=f"you are sending more than {rate} {lines} a second: "
                "your lines wait their turn",
            )
        )

    def dispatch(self, text: str) -> bool:
        return self.connection.run(self.session.handle(text), self.refused)

    def refused(self, failure: Failure) -> None:
        """The error boundary: every failed command gets one ``ERR`` reply."""
        if failure.check(ChatError):
            self.session.refuse(cast(ChatError, failure.value))
        elif not failure.check(CancelledError):  # else: gone while it waited
            self.connection.log.failure(
                "command failed: {user}", failure, user=self.session.name
            )
            self.session.refuse(errors.internal())

    def answer_waiting_keepalives(self) -> None:
        """Answer the ``PING`` lines already read, so keepalive never waits."""
        *lines, partial = self.unprocessed().split(b"\n")
        kept = []
        for line in lines:
            if line[:4] in _KEEPALIVE and self._keepalive(
                line.rstrip(b"\r").decode("utf-8", "replace")
            ):
                continue
            kept.append(line)
        kept.append(partial)
        self.replace_unprocessed(b"\n".join(kept))

    # -- the Member callbacks the registry makes ---------------------------------

    @property
    def deliver(self) -> Callable[[Event], None]:
        """The session's own ``deliver``: it knows how this connection's
        events are rendered. A seat keeps this bound method
        (:func:`chatroom.core.infra.seats.direct`), so a room's fan-out touches
        the session, not the protocol and then the session: under load a
        delivery's cost is mostly the objects it reads
        (docs/performance.md)."""
        return self.session.deliver

    def message_writer(self) -> MessageWriter | None:
        return self.session.message_writer()

    def entered(self, welcome: Welcome) -> None:
        self.session.entered(welcome)

    def removed(self, room: str, listing: Listing | None) -> None:
        self.session.removed(room, listing)

    def room_renamed(self, renamed: RoomRenamed) -> None:
        self.session.room_renamed(renamed)

    def lobby_changed(self, changes: LobbyChanges) -> None:
        self.session.lobby_changed(changes)

    def shown_marker(self, room: str, marker: int | None) -> None:
        """``READ ROOM ID`` after join replies shown unasked, as after a join."""
        self.session.send(render_marker(room, marker))

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        """``LEFT ROOM``, then out of it as from a room taken from us."""
        self.session.send(format_line("LEFT", room))
        self.session.removed(room, listing)

    def disconnect(self, reason: str) -> None:
        """The shared side ends this session (its name went to another)."""
        self.connection.close(reason, room_reason="name lost")

    # -- input ------------------------------------------------------------------

    def lineLengthExceeded(self, line: bytes) -> None:
        if is_signal_line(line):
            refusal = f"a /call signal line is at most {SIGNAL_LINE_MAX} bytes"
            self.session.refuse(errors.bad_args(refusal))
        else:
            self.session.refuse(errors.line_too_long(self.max_line))

    def unterminatedLine(self) -> None:
        self.connection.close("line too long without a line end")

    def lineReceived(self, line: bytes) -> None:
        """Decode one line and run it; bad UTF-8 is refused here, at the edge."""
        if self.connection.closing:
            return
        if len(line) > self.max_line and not is_signal_line(line):
            self.session.refuse(errors.line_too_long(self.max_line))
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            self.session.refuse(errors.bad_encoding())
            return
        if text.startswith(("PING", "PONG")) and self._keepalive(text):
            return
        self.connection.admit(text, text[:1] == "/" and sent_by_itself(text))

    def _keepalive(self, line: str) -> bool:
        """Answer ``PING x`` with ``PONG x``; swallow ``PONG``. False: not one."""
        word, _, token = line.partition(" ")
        if word not in ("PING", "PONG") or not (
            token.isprintable() and " " not in token
        ):
            return False
        if word == "PING":
            self.session.send(format_line("PONG", text=token))
        return True


class LineFactory(ServerFactory):
    """Builds one :class:`LineProtocol` per connection, all sharing one server."""

    noisy = False  # the protocol logs each connection itself

    def __init__(self, server: DoorHub) -> None:
        self.server = server

    def buildProtocol(self, addr: object) -> LineProtocol:
        protocol = LineProtocol(self.server)
        protocol.factory = self
        return protocol
