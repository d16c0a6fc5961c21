"""One IRC connection's twisted protocol: framing, dispatch, and the
:class:`~chatroom.core.model.member.Member` callbacks rendered as IRC.

Built like the line door (:mod:`chatroom.doors.line.protocol`), from the same parts:

- framing: it is a :class:`chatroom.doors.base.framing.SlottedFraming`
  (the line door's splitting, without an instance dict) with
  IRC's line limit (512 bytes, and message-tags' 4094 for the tags before
  them), so an over-long line is ``417``
  and the session goes on; clients that end lines with a bare LF are
  served too (why ``twisted.words.protocols.irc.IRC`` frames for itself);
- the connection: a :class:`chatroom.doors.base.connection.Connection`
  (``--sendq``, admission, flood control, keepalive), held, not inherited;
- the session: a :class:`chatroom.doors.irc.session.IRCSession` (the nick,
  the channels it is in: an IRC client sits in several rooms at once, so
  it never passes ``leaving``), with the command table
  :data:`chatroom.doors.irc.table.COMMANDS`;
- registration signs in first when the client gave ``PASS`` or SASL
  (:mod:`chatroom.doors.irc.signin`), then claims the nick for that account
  (:mod:`chatroom.doors.irc.registration`).

Two things differ from the line door, as IRC expects:

- **Flood control says nothing.** Both doors slow a flood down rather
  than drop it (:class:`chatroom.doors.base.flood.FloodGate`, "fake lag"), but IRC
  clients expect no notice of it: no ``SLOW`` line here, and an
  ``ERROR :Closing Link (Excess Flood)`` past ``--max-backlog``.
- **No echo of one's own messages** (IRC clients show their own lines
  themselves) unless the client asked for ``echo-message``: the session's
  ``deliver`` (:meth:`IRCSession.deliver`, which the protocol's is) skips a
  ``MSG``/``ACTION`` by this user before writing the bytes the room's other
  IRC members share.

What a member is sent is ``event.encoded(session.render)``: the session's
rendering variant (:mod:`chatroom.doors.irc.rendering`), the same callable
for every session with the same rendering capabilities, so an event is
rendered once per variant in use, and for clients without capabilities
exactly as before IRCv3.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any, cast

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.protocol import ServerFactory, connectionDone
from twisted.python.failure import Failure
from twisted.words.protocols import irc

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Event,
    Listing,
    LobbyChanges,
    MarkerMoved,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import MessageWriter
from chatroom.doors.base.connection import Connection, Farewell
from chatroom.doors.base.framing import SlottedFraming
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.irc import bouncer, extensions, positions, renaming
from chatroom.doors.irc.directory import Directory
from chatroom.doors.irc.msgids import MsgIds
from chatroom.doors.irc.positions import PositionKeeper
from chatroom.doors.irc.rendering import IRCRenderer
from chatroom.doors.irc.session import REGISTERING, Handler, IRCSession
from chatroom.doors.irc.sts import STSPolicy
from chatroom.doors.irc.table import COMMANDS
from chatroom.doors.irc.tags import (
    MAX_CLIENT_LINE,
    MAX_LINE,
    over_budget,
)
from chatroom.doors.irc.wire import ClientLine, build, parse

#: The first line of an HTTP request: someone pointed a browser at this port.
_HTTP_REQUEST = re.compile(r"^[A-Z]{3,7} \S+ HTTP/\d\.\d$")
#: A line's command, past its tags and source: letters, or a numeric.
_COMMAND = re.compile(rb"^(?:@\S* +)?(?::\S* +)?([A-Za-z]+|\d{3})(?: |$)")


def _command_of(line: bytes) -> str:
    """The command of a line that is not UTF-8 (its ``INVALID_UTF8`` names
    it, as standard replies do), ``*`` if it has none to name."""
    found = _COMMAND.match(line)
    return found.group(1).decode("ascii").upper() if found else "*"


_HTTP_REPLY = (
    b"HTTP/1.0 400 Bad Request\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n"
    b"This port speaks IRC, not HTTP: point an IRC client at it "
    b"(the browser client is served by --http).\r\n"
)


class IRCProtocol(SlottedFraming):
    """The server end of one IRC client's connection."""

    # Slots for every attribute set on it (see LineProtocol.__slots__).
    __slots__ = (
        "_buffer",
        "_busyReceiving",
        "_first_line",
        "_offset",
        "_pending",
        "_skipping",
        "connected",
        "connection",
        "factory",
        "max_unterminated",
        "paused",
        "session",
        "transport",
    )

    door = "irc"
    #: The command table (:data:`chatroom.doors.irc.table.COMMANDS`).
    commands = COMMANDS
    MAX_LENGTH = MAX_CLIENT_LINE  # tags and the rest: each has its budget
    login_expired: Farewell = ("Registration timed out", None)
    ping_timeout: Farewell = ("Ping timeout", "ping timeout")
    excess_flood: Farewell = ("Excess Flood", "excess flood")

    def __init__(
        self,
        server: DoorHub,
        renderer: IRCRenderer,
        directory: Directory[IRCSession] | None = None,
    ) -> None:
        # Every attribute is set here or by the framing, each a slot (see
        # LineProtocol).
        super().__init__()
        self.max_unterminated = server.config.max_unterminated
        self.connection = connection = Connection(server, self)
        self.session = IRCSession(connection, renderer, directory)
        self._first_line = True

    def __repr__(self) -> str:
        session = self.session
        return f"<IRCProtocol {session.name or session.host!r} {session.state}>"

    # -- what tests and the shared side read ------------------------------------

    @property
    def name(self) -> str | None:
        return self.session.name

    @property
    def host(self) -> str:
        return self.connection.host

    #: A device of an account is in all its rooms, as in a bouncer.
    views_every_room = True
    #: An IRC client keeps its log: it is sent only what it missed.
    starts_blank = False

    @property
    def rooms(self) -> dict[str, str]:
        """The channels this client is in: name key → the room's name."""
        return self.session.rooms

    # -- twisted's side ---------------------------------------------------------

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.connection.made(self.transport)
        self.session.send_queue = self.connection.send_queue

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        positions.keep_later(self.session)  # what it was sent, for its account
        self.connection.lost(reason, self.session.gone)

    def close(self, reason: str, room_reason: str | None = None) -> None:
        """Say ``ERROR``, leave everything now, close once the output drained
        (the server's shutdown closes every connection this way)."""
        self.connection.close(reason, room_reason)

    def dataReceived(self, data: bytes) -> None:
        self.connection.heard()
        super().dataReceived(data)
        self.connection.read()

    # -- IRC's words for the connection's life (DoorHooks) ----------------------

    def greet(self) -> None:
        """IRC clients speak first."""

    def refusal_lines(self, reason: str) -> bytes:
        return self.goodbye(reason)

    def goodbye(self, reason: str) -> bytes:
        return build("", "ERROR", f"Closing Link: {self.connection.host} ({reason})")

    def banned_lines(self, reason: str) -> bytes:
        """``465`` (``ERR_YOUREBANNEDCREEP``) before the ``ERROR``."""
        return build(self.session.me, irc.ERR_YOUREBANNEDCREEP, "*", reason)

    def ping(self, token: str) -> bytes:
        return build("", "PING", token)

    def slowed(self) -> None:
        """IRC clients expect no notice of being slowed."""

    def answer_waiting_keepalives(self) -> None:
        """IRC's PING waits its turn like any line (clients allow for lag)."""

    # -- the Member callbacks ----------------------------------------------------

    @property
    def deliver(self) -> Callable[[Event], None]:
        """The session's own ``deliver`` (:meth:`IRCSession.deliver`): a
        seat keeps this bound method, so a room's fan-out reads the session
        and its output queue, not the protocol and its ``Connection`` as
        well (as at the line door, docs/performance.md)."""
        return self.session.deliver

    def message_writer(self) -> MessageWriter | None:
        return self.session.message_writer()

    def show_marker(self, moved: MarkerMoved) -> None:
        """Another session of the account moved a read marker: the bouncer
        shows it here (in the background: it may read the store)."""
        self._background(bouncer.marker_moved(self.session, moved))

    def entered(self, welcome: Welcome) -> None:
        asked = self.session.asking
        self.session.entered(welcome)
        if not asked:  # another device of the account entered it
            self._background(bouncer.joined_elsewhere(self.session, welcome))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run what no command waits for (a device's burst); failures logged."""
        done = Deferred.fromCoroutine(work)
        done.addErrback(lambda f: self.connection.log.failure("IRC device", f))

    def removed(self, room: str, listing: Listing | None) -> None:
        self.session.removed(room, listing)

    def room_renamed(self, renamed: RoomRenamed) -> None:
        """``RENAME``, or ``PART`` and ``JOIN`` and then the join's topic and
        names (in the background: they are read from the room)."""
        if self.session.room_renamed(renamed):
            self._background(renaming.rejoined(self.session, renamed))

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """IRC has no lobby to keep current (``LIST`` asks when it wants)."""

    def shown_marker(self, room: str, marker: int | None) -> None:
        """An unasked join's burst says its own ``MARKREAD`` (``bouncer``)."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        """Another device's ``/leave``: ``PART``, as for a room taken from us."""
        self.session.removed(room, listing)

    def disconnect(self, reason: str) -> None:
        """The shared side ends this session (its name went to another)."""
        self.connection.close(reason, room_reason="name lost")

    # -- input ------------------------------------------------------------------

    def lineLengthExceeded(self, line: bytes) -> None:
        self.session.refuse(errors.line_too_long(MAX_LINE), "*", "*")

    def unterminatedLine(self) -> None:
        self.connection.close("Input line too long")

    def lineReceived(self, line: bytes) -> None:
        """Decode at the edge, then run the line or hold it (flood control)."""
        if self.connection.closing:
            return
        if self._first_line:
            self._first_line = False
            if _HTTP_REQUEST.match(line.decode("latin-1")):
                self._not_http()
                return
        if over_budget(line):  # message-tags: 4094 bytes of tags, 512 of the rest
            self.lineLengthExceeded(line)
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:  # draft/standard-replies, as UTF8ONLY says
            session = self.session
            command, why = _command_of(line), "Lines must be UTF-8"
            session.send(build(session.me, "FAIL", command, "INVALID_UTF8", why))
            return
        self.connection.admit(text)

    def _not_http(self) -> None:
        """A web browser (or curl) at the IRC port: answer in HTTP, close."""
        connection = self.connection
        connection.log.info(
            "HTTP request on the IRC port from {host}", host=connection.host
        )
        connection.send(_HTTP_REPLY)
        connection.end("HTTP request on the IRC port")

    def dispatch(self, text: str) -> bool:
        """Run one line; True if its command is still waiting on the registry.

        A line with a ``label`` tag from a ``labeled-response`` client has
        every reply it causes collected and sent labeled
        (:meth:`IRCSession.answer_labeled`), refusals included.
        """
        message = parse(text)
        if message is None:
            return False  # an empty or command-less line: ignored, as servers do
        session = self.session
        label = message.tags.get("label") if message.tags else None
        batch = session.multiline
        if label is None and batch is not None and message.command == "BATCH":
            label = batch.label  # a multiline batch's end: the opening's label
        if label is None or "labeled-response" not in session.caps:
            return self._dispatch(message)
        session.labeled = []
        waiting = self._dispatch(message, label)
        if batch is None and session.multiline is not None:
            session.labeled = None  # a batch opened: its end is answered
        if not waiting and session.labeled is not None:
            session.answer_labeled(label)
        return waiting

    def _dispatch(self, message: ClientLine, label: str | None = None) -> bool:
        session = self.session
        command, params = message.command, message.params
        target = params[0] if params else "*"
        if session.multiline is not None and extensions.collect(session, message):
            return False
        entry = self.commands.get(command)
        if entry is None:
            refusal = (
                errors.no_name()
                if session.state == REGISTERING
                else errors.unknown_command(command)
            )
            session.refuse(refusal, command, "*")
            return False
        if session.state == REGISTERING and not entry.before_welcome:
            session.refuse(errors.no_name(), command, "*")
            return False
        if len(params) < entry.min_params or not all(params[: entry.min_params]):
            if command != "NOTICE":
                session.refuse(
                    errors.bad_args("Not enough parameters"), command, target
                )
            return False
        session.tags = message.tags
        opening = command == "BATCH" and params[0].startswith("+")
        if label is not None and not opening:  # a batch's end answers for it
            running = self._labeled(entry.handler, params, label, command, target)
        else:
            running = entry.handler(session, params)
        return self.connection.run(
            running, lambda failure: self._refused(failure, command, target)
        )

    async def _labeled(
        self,
        handler: Handler,
        params: tuple[str, ...],
        label: str,
        command: str,
        target: str,
    ) -> None:
        """A labeled command: its refusal is part of its labeled answer.

        The command's own coroutine is made here, once this one runs, not
        handed in made: a sign-on line that waits for a slot may never
        run (its connection closes first, the server stops), and closing
        this coroutine unstarted would not close one it was handed, which
        Python would then find unawaited at its collection
        (:meth:`~chatroom.doors.base.connection.Connection.run`)."""
        try:
            await handler(self.session, params)
        except Exception:
            self._refused(Failure(), command, target)
        finally:
            if self.session.labeled is not None:
                self.session.answer_labeled(label)

    def _refused(self, failure: Failure, command: str, target: str) -> None:
        """The error boundary: a refusal is its numeric, anything else logged."""
        if failure.check(ChatError):
            if command != "NOTICE":  # never an automatic reply to a NOTICE
                self.session.refuse(cast(ChatError, failure.value), command, target)
        elif not failure.check(CancelledError):
            self.connection.log.failure(
                "IRC command failed: {user}", failure, user=self.session.name
            )
            self.session.refuse(errors.internal(), command, target)


class IRCFactory(ServerFactory[IRCProtocol]):
    """One :class:`IRCProtocol` per connection, sharing the server and one
    renderer (so each event is rendered once for all of them) and one
    :class:`~chatroom.doors.irc.directory.Directory` (its users on this node)."""

    noisy = False

    def __init__(self, server: DoorHub) -> None:
        self.server = server
        #: IRCv3 STS, once a TLS ``--irc`` port listens (:mod:`chatroom.doors.irc.sts`).
        self.sts: STSPolicy | None = None
        self.directory: Directory[IRCSession] = Directory()
        self.renderer = IRCRenderer(
            server.config.name,
            server.clock,
            server.registry.sessions.account_named,
            MsgIds(lambda: server.registry.store_epoch),
        )
        #: Keeps the sessions' replay positions now and then
        #: (chatroom.doors.irc.positions), while the door listens.
        self.positions = PositionKeeper(server.clock, self.directory.here)

    def startFactory(self) -> None:
        self.positions.start()

    def stopFactory(self) -> None:
        self.positions.stop()

    def buildProtocol(self, addr: object) -> IRCProtocol:
        protocol = IRCProtocol(self.server, self.renderer, self.directory)
        protocol.factory = self
        return protocol


class IRCPort(ServerFactory[IRCProtocol]):
    """One ``--irc`` port: the door's protocols, each told the port it
    came in by, so that its ``CAP LS`` knows whether it is TLS
    (:mod:`chatroom.doors.irc.sts`)."""

    noisy = False

    def __init__(self, door: IRCFactory, secure: bool) -> None:
        self.door = door
        self.secure = secure

    def logPrefix(self) -> str:
        """The door's name in the log (``IRCFactory starting on 6667``)."""
        return self.door.logPrefix()

    def sts(self) -> str | None:
        """``sts``'s value on this port's connections (None: no TLS port)."""
        policy = self.door.sts
        return None if policy is None else policy.value(self.secure)

    def buildProtocol(self, addr: object) -> IRCProtocol:
        protocol = self.door.buildProtocol(addr)
        protocol.session.port = self
        return protocol
