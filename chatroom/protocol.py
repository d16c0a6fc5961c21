"""The line protocol door: one connection, its states and one handler per command.

A :class:`ChatProtocol` is three things stacked:

- framing (:class:`chatroom.framing.LineFraming`, a LineReceiver);
- output (:class:`chatroom.sendq.SendQueue`: ``--sendq`` and backpressure);
- the session, here: its name, its state (``username`` → ``lobby`` →
  ``room``), its room, its timers, and a handler per command.

It holds only its own connection's state. Names and rooms live behind the
shared :class:`~chatroom.registry.Registry`, which calls back through the
:class:`~chatroom.registry.Member` methods (``deliver``, ``entered``...).
Those hand it :mod:`chatroom.events` objects, rendered here into lines once
per event (:meth:`~chatroom.events.Encodable.encoded`), whatever the number
of members. Bytes are decoded at the edge, in :meth:`lineReceived`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, cast

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IDelayedCall, ITCPTransport
from twisted.internet.protocol import ServerFactory, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom import errors
from chatroom.errors import ChatError
from chatroom.events import (
    Encoder,
    Event,
    Listing,
    LobbyChanges,
    RoomGone,
    RoomInfo,
    Welcome,
    to_id_line,
    to_line,
)
from chatroom.framing import LineFraming
from chatroom.positions import parse_caps, parse_history, parse_join, render_history
from chatroom.ratelimit import TokenBucket
from chatroom.sendq import SendQueue, Transport
from chatroom.server import ChatServer
from chatroom.text import has_control_characters, name_key, without_control_characters
from chatroom.wire import PROTOCOL_VERSION, format_line

USERNAME, LOBBY, ROOM = "username", "lobby", "room"
_ANY, _NAMED, _IN_ROOM = (
    frozenset({USERNAME, LOBBY, ROOM}),
    frozenset({LOBBY, ROOM}),
    frozenset({ROOM}),
)

HELP_TEXT = """\
Commands (in a room, any other line is a message to everyone in it):
/nick NAME        choose or change your name
/list             list the rooms
/create NAME      create a room and enter it
/join NAME        enter a room (leaving the one you are in)
/join NAME since ID   ... and get what was said after event ID
/history N [before ID]  N earlier messages of this room
/caps ids         prefix stored events with @ID
/leave            go back to the lobby
/who              who is in this room
/topic [TEXT]     show or set the room's topic
/me TEXT          an action: * you TEXT
/msg USER TEXT    a private message to anyone connected
/delete NAME      delete a room you own
/watch on|off     push room list changes while in the lobby
//text            send a message that starts with /
/quit [REASON]    leave the server"""

#: How a connection's end is described to its room when nothing better is known.
_LOST_REASONS = {
    "ConnectionDone": "connection closed",
    "ConnectionLost": "connection lost",
    "ConnectionAborted": "connection aborted",
}


# -- the line renderings of shared events ---------------------------------------


def render_room(info: RoomInfo) -> bytes:
    """``ROOM name members capacity topic``."""
    return format_line(
        "ROOM", info.name, str(info.members), str(info.capacity), text=info.topic
    )


def render_listing(listing: Listing) -> bytes:
    """``ROOMS n`` and a ``ROOM`` line per room, as one write."""
    return format_line("ROOMS", str(len(listing.rooms))) + b"".join(
        info.encoded(render_room) for info in listing.rooms
    )


def render_lobby_changes(changes: LobbyChanges) -> bytes:
    """A ``ROOM`` line per changed room, ``ROOM_GONE`` per removed one."""
    return b"".join(
        format_line("ROOM_GONE", change.name)
        if isinstance(change, RoomGone)
        else change.encoded(render_room)
        for change in changes.changes
    )


def render_welcome(welcome: Welcome, render: Encoder = to_line) -> bytes:
    """``JOINED``, ``MEMBERS``, ``GAP`` if a resume left some out, the
    history oldest first, then ``TOPIC``."""
    room = welcome.room
    lines = [
        format_line("JOINED", room, str(len(welcome.members)), str(welcome.capacity)),
        format_line("MEMBERS", room, *welcome.members),
    ]
    if welcome.gap:
        lines.append(format_line("GAP", room, welcome.gap))
    lines.extend(event.encoded(render) for event in welcome.history)
    if welcome.topic:
        lines.append(format_line("TOPIC", room, welcome.topic_by, text=welcome.topic))
    return b"".join(lines)


# -- argument parsing shared by several commands --------------------------------


def single_word(args: str, usage: str) -> str:
    """The single argument of ``/create NAME`` and the like, or ``BAD_ARGS``."""
    if not args or " " in args:
        raise errors.usage(usage)
    return args


def split_private_message(args: str) -> tuple[str, str]:
    """``/msg USER TEXT`` split into its target and its text."""
    target, _, text = args.partition(" ")
    if not target or not text:
        raise errors.usage("/msg USER TEXT")
    return target, text


class ChatProtocol(LineFraming):
    """The server end of one line-protocol connection."""

    log = Logger()

    #: command → (handler name, states it is allowed in)
    COMMANDS: ClassVar[dict[str, tuple[str, frozenset[str]]]] = {
        "nick": ("do_nick", _ANY),
        "caps": ("do_caps", _ANY),
        "help": ("do_help", _ANY),
        "quit": ("do_quit", _ANY),
        "list": ("do_list", _NAMED),
        "create": ("do_create", _NAMED),
        "join": ("do_join", _NAMED),
        "msg": ("do_msg", _NAMED),
        "watch": ("do_watch", _NAMED),
        "delete": ("do_delete", _NAMED),
        "leave": ("do_leave", _IN_ROOM),
        "who": ("do_who", _IN_ROOM),
        "history": ("do_history", _IN_ROOM),
        "topic": ("do_topic", _IN_ROOM),
        "me": ("do_me", _IN_ROOM),
    }

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.registry = server.registry
        self.config = config = server.config
        self.clock = server.clock
        self.name: str | None = None
        self.state = USERNAME
        self.room: str | None = None  # the line protocol's one room
        #: How room events are rendered for this connection: with ``@ID``
        #: once it has sent ``/caps ids``.
        self.render: Encoder = to_line
        self.host = ""
        self.MAX_LENGTH = config.max_line
        self.max_unterminated = config.max_unterminated
        self.sendq: SendQueue | None = None
        self._closing = False
        self._close_reason: str | None = None
        self._bucket = TokenBucket(config.rate, config.burst, server.clock)
        self._last_heard = server.clock.seconds()
        self._timer: IDelayedCall | None = None
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
            cast(Transport, self.transport), self.config.sendq, self._sendq_full
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
        self._set_timer(self.config.login_timeout, self._login_expired)

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
        self.log.info("dropping {user}: send queue exceeded", user=self.name)
        self._tcp.abortConnection()

    def _cancel_timers(self) -> None:
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
        if not self._bucket.allow():
            self._refuse(errors.rate_limited(self.config.rate))
            return
        self._run(self.handle(text))

    def _run(self, command: Coroutine[Any, Any, None]) -> None:
        """Run one command; if it has to wait, hold the lines after it.

        With the in-process registry nothing ever waits, so the command is
        stepped once, as a plain call, without the cost of a Deferred. A
        command that does wait (on Redis) is handed to
        ``Deferred.fromCoroutine``, which resumes it; meanwhile
        ``pauseProducing`` (LineReceiver's contract) holds back this
        connection's later lines and stops reading its socket, so each
        user's commands take effect in the order they were sent.
        """
        try:
            command.send(None)
        except StopIteration:
            return
        except Exception:
            self._refused(Failure())
            return
        self.pauseProducing()
        waiting = Deferred.fromCoroutine(command)
        waiting.addErrback(self._refused)
        waiting.addBoth(self._done_waiting)

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

    async def handle(self, line: str) -> None:
        """Dispatch one line by state: a name, a command or a message."""
        if line.startswith("/") and not line.startswith("//"):
            command, _, args = line[1:].partition(" ")
            await self.command(command.lower(), args.strip())
        elif self.state == USERNAME:
            await self.choose_name(line.strip())
        elif self.state == ROOM:
            if not line:
                raise errors.bad_args("empty message not sent")
            await self.say("MSG", line[1:] if line.startswith("//") else line)
        else:
            raise errors.in_lobby()

    def command(self, command: str, args: str) -> Awaitable[None]:
        entry = self.COMMANDS.get(command)
        if entry is None:
            raise errors.unknown_command(command)
        handler_name, states = entry
        if self.state not in states:
            if self.state == USERNAME:
                raise errors.no_name()
            raise errors.room_command_only(command)
        handler: Callable[[str], Awaitable[None]] = getattr(self, handler_name)
        return handler(args)

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

    def _set_timer(self, delay: float, call: Callable[[], None]) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = self.clock.callLater(delay, call)

    def _login_expired(self) -> None:
        self.close("no username chosen in time")

    def _check_idle(self) -> None:
        """Ping a client that has been silent for ``--ping-interval`` seconds."""
        interval = self.config.ping_interval
        silent = self.clock.seconds() - self._last_heard
        if silent < interval:
            self._set_timer(interval - silent, self._check_idle)
            return
        self._pinged_at = self.clock.seconds()
        self.send(format_line("PING", text=secrets.token_hex(4)))
        self._set_timer(self.config.ping_timeout, self._check_pong)

    def _check_pong(self) -> None:
        """Close a client that said nothing at all since we pinged it."""
        if self._last_heard < self._pinged_at:
            self.close("ping timeout")
        else:
            self._check_idle()

    # -- the username state -----------------------------------------------------

    async def choose_name(self, name: str) -> None:
        await self.registry.claim_name(self, name)
        self.name = name
        self.state = LOBBY
        self._set_timer(self.config.ping_interval, self._check_idle)
        self.log.info("{host} is now {user}", host=self.host, user=name)
        self.send(format_line("WELCOME", name))
        await self.send_room_list()

    async def send_room_list(self) -> None:
        listing = await self.registry.list_rooms()
        self.send(listing.encoded(render_listing))

    # -- commands ---------------------------------------------------------------

    async def do_nick(self, args: str) -> None:
        single_word(args, "/nick NAME")
        if self.state == USERNAME:
            await self.choose_name(args)
            return
        old = self.name
        announced = await self.registry.claim_name(self, args)
        self.name = args
        self.log.info("{old} is now {new}", old=old, new=args)
        if not announced:  # in a room, the NICK came to us from the room
            self.send(format_line("NICK", str(old), args))

    async def do_help(self, args: str) -> None:
        self.send(b"".join(format_line("HELP", text=t) for t in HELP_TEXT.splitlines()))

    async def do_quit(self, args: str) -> None:
        reason = "Goodbye" if not args or has_control_characters(args) else args
        self.close(reason, room_reason=f"quit: {reason}")

    async def do_list(self, args: str) -> None:
        await self.send_room_list()

    async def do_create(self, args: str) -> None:
        name = single_word(args, "/create NAME")
        await self.registry.create_room(self, name, leaving=self.room)

    async def do_join(self, args: str) -> None:
        name, since = parse_join(args)
        await self.registry.join_room(self, name, leaving=self.room, since=since)

    async def do_caps(self, args: str) -> None:
        parse_caps(args)
        self.render = to_id_line
        self.send(format_line("CAPS", "ids"))

    async def do_history(self, args: str) -> None:
        count, before = parse_history(args)
        room = self._current_room()
        events = await self.registry.room_history(self, room, count, before)
        self.send(render_history(room, events, self.render))

    async def do_leave(self, args: str) -> None:
        room = self._current_room()
        await self.registry.leave_room(self, room, "left")
        if self.room == room:
            self.room = None
            self.state = LOBBY
            self.send(format_line("LEFT", room))
        await self.send_room_list()

    async def do_who(self, args: str) -> None:
        details = await self.registry.room_details(self._current_room())
        reply = format_line("MEMBERS", details.room, *details.members)
        if details.owner:
            reply += format_line("OWNER", details.room, details.owner)
        self.send(reply)

    async def do_topic(self, args: str) -> None:
        room = self._current_room()
        if args:
            await self.registry.set_topic(self, room, args)
            return
        details = await self.registry.room_details(room)
        self.send(
            format_line(
                "TOPIC", details.room, details.topic_by or "-", text=details.topic
            )
        )

    async def do_me(self, args: str) -> None:
        if not args:
            raise errors.usage("/me TEXT")
        await self.say("ACTION", args)

    async def do_msg(self, args: str) -> None:
        target, text = split_private_message(args)
        event = await self.registry.private_message(self, target, text)
        if name_key(event.fields[1]) != name_key(str(self.name)):
            self.deliver(event)  # our copy; the target has had its own

    async def do_watch(self, args: str) -> None:
        if args not in ("on", "off"):
            raise errors.usage("/watch on|off")
        self.registry.watch_lobby(self, args == "on")
        self.send(
            format_line("LOBBY", text="watching" if args == "on" else "not watching")
        )

    async def do_delete(self, args: str) -> None:
        await self.registry.delete_room(self, single_word(args, "/delete NAME"))

    # -- helpers for the commands -----------------------------------------------

    def _current_room(self) -> str:
        if self.room is None:
            raise errors.not_in_room()
        return self.room

    async def say(self, kind: str, text: str) -> None:
        """A message or action to the room, stamped by the registry."""
        await self.registry.say(self, self._current_room(), kind, text)


class ChatFactory(ServerFactory):
    """Builds one :class:`ChatProtocol` per connection, all sharing one server."""

    noisy = False  # the protocol logs each connection itself

    def __init__(self, server: ChatServer) -> None:
        self.server = server

    def buildProtocol(self, addr: object) -> ChatProtocol:
        protocol = ChatProtocol(self.server)
        protocol.factory = self
        return protocol
