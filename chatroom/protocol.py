"""One chat connection: framing, states and one handler per command.

A :class:`ChatProtocol` holds only its own connection's state: its name, its
state (``username`` → ``lobby`` → ``room``), its room, and the bookkeeping of
its socket (partial line, send queue, timers, flood bucket). Names and rooms
live on the shared :class:`chatroom.server.ChatServer`.

Bytes arrive; whole lines are decoded to ``str`` here, at the edge, and all
replies are encoded once by :func:`chatroom.wire.format_line`.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from twisted.internet import tcp
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IDelayedCall, IPushProducer
from twisted.internet.protocol import Protocol, ServerFactory, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatroom.ratelimit import TokenBucket
from chatroom.rooms import Room
from chatroom.server import ChatError, ChatServer
from chatroom.text import (
    TOPIC_MAX_LENGTH,
    has_control_characters,
    without_control_characters,
)
from chatroom.wire import PROTOCOL_VERSION, format_line, format_time

USERNAME, LOBBY, ROOM = "username", "lobby", "room"


def single_word(args: str, usage: str) -> str:
    """The single argument of ``/create NAME`` and the like, or ``BAD_ARGS``."""
    if not args or " " in args:
        raise ChatError("BAD_ARGS", f"usage: {usage}")
    return args


def check_text(text: str) -> None:
    """Refuse text that would reach other users' terminals as controls."""
    if has_control_characters(text):
        raise ChatError(
            "BAD_TEXT", "control characters and escape sequences are not allowed"
        )


def check_topic(topic: str) -> None:
    check_text(topic)
    if len(topic) > TOPIC_MAX_LENGTH:
        raise ChatError("BAD_ARGS", f"topics are at most {TOPIC_MAX_LENGTH} characters")


def split_private_message(args: str) -> tuple[str, str]:
    """``/msg USER TEXT`` split into its target and its (checked) text."""
    target, _, text = args.partition(" ")
    if not target or not text:
        raise ChatError("BAD_ARGS", "usage: /msg USER TEXT")
    check_text(text)
    return target, text


HELP_TEXT = """\
Commands (in a room, any other line is a message to everyone in it):
/nick NAME        choose or change your name
/list             list the rooms
/create NAME      create a room and enter it
/join NAME        enter a room (leaving the one you are in)
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


def _can_write_directly(transport: object) -> bool:
    """Whether ``send`` may bypass the transport's buffer (plain TCP only).

    The fast path reads Twisted's own buffer state (``dataBuffer``,
    ``_tempDataLen``), which is not public API: should a Twisted release
    rename them, every connection quietly takes the ordinary path instead.
    """
    return (
        isinstance(transport, tcp.Connection)
        and not transport.TLS
        and hasattr(transport, "dataBuffer")
        and hasattr(transport, "_tempDataLen")
        and hasattr(transport, "socket")
    )


@implementer(IPushProducer)
class ChatProtocol(Protocol):
    """The server end of one client connection.

    It registers itself as the transport's streaming producer so that the
    transport tells it (``pauseProducing``) when the client stops reading;
    from then on everything it is asked to send is counted, and past
    ``--sendq`` bytes the connection is dropped instead of growing without
    bound. That keeps a stalled reader from ever slowing its room.
    """

    log = Logger()

    #: command → (handler name, states it is allowed in)
    COMMANDS: ClassVar[dict[str, tuple[str, frozenset[str]]]] = {
        "nick": ("do_nick", frozenset({USERNAME, LOBBY, ROOM})),
        "help": ("do_help", frozenset({USERNAME, LOBBY, ROOM})),
        "quit": ("do_quit", frozenset({USERNAME, LOBBY, ROOM})),
        "list": ("do_list", frozenset({LOBBY, ROOM})),
        "create": ("do_create", frozenset({LOBBY, ROOM})),
        "join": ("do_join", frozenset({LOBBY, ROOM})),
        "msg": ("do_msg", frozenset({LOBBY, ROOM})),
        "watch": ("do_watch", frozenset({LOBBY, ROOM})),
        "delete": ("do_delete", frozenset({LOBBY, ROOM})),
        "leave": ("do_leave", frozenset({ROOM})),
        "who": ("do_who", frozenset({ROOM})),
        "topic": ("do_topic", frozenset({ROOM})),
        "me": ("do_me", frozenset({ROOM})),
    }

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.name: str | None = None
        self.state = USERNAME
        self.room: Room | None = None
        self.host = ""
        config = server.config
        self._max_line = config.max_line
        self._buffer = b""
        self._skipping = 0  # bytes of an over-long line discarded so far
        self._closing = False
        self._close_reason: str | None = None
        self._paused = False
        self._queued = 0  # bytes written while the transport said "pause"
        self._bucket = TokenBucket(config.rate, config.burst, server.clock)
        self._last_heard = server.clock.seconds()
        self._timer: IDelayedCall | None = None
        self._pinged_at = 0.0
        self._abort_call: IDelayedCall | None = None
        self._socket: tcp.Connection | None = None  # plain TCP: see send()
        # A command waiting on shared state (cluster mode) holds back the
        # lines after it, so each connection's commands run in order.
        self._waiting: Deferred[Any] | None = None
        self._backlog: deque[bytes] = deque()

    def __repr__(self) -> str:
        return f"<ChatProtocol {self.name or self.host!r} {self.state}>"

    # -- connection life --------------------------------------------------------

    def connectionMade(self) -> None:
        # Nagle's algorithm plus the peer's delayed ACK holds small lines back
        # for tens of milliseconds; chat lines are small and must go at once.
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        if _can_write_directly(self.transport):
            self._socket = self.transport
        self.transport.registerProducer(self, True)
        self.server.opened(self)
        refusal = self.server.admit(self, self.transport.getPeer())
        if refusal is not None:
            self.send(format_line("ERR", "SERVER_FULL", text=refusal))
            self.send(format_line("BYE", text=refusal))
            self._closing = True  # never admitted: nothing to harvest
            self._finish(refusal)
            return
        self.log.info("connection from {host}", host=self.host)
        self.send(
            format_line(
                "HELLO",
                self.server.config.name,
                PROTOCOL_VERSION,
                text=f"Welcome to {self.server.config.name}. Choose a username.",
            )
        )
        self._set_timer(self.server.config.login_timeout, self._login_expired)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._cancel_timers()
        described = self._close_reason or _LOST_REASONS.get(
            type(reason.value).__name__, "disconnected"
        )
        self._closing = True
        self.server.forget(self, described)
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
        self.server.forget(self, room_reason or reason)
        self._finish(room_reason or reason)

    def _finish(self, reason: str) -> None:
        self._cancel_timers()
        self._close_reason = reason
        self.transport.unregisterProducer()
        self.transport.loseConnection()
        self._abort_call = self.server.clock.callLater(
            self.server.config.shutdown_grace, self.transport.abortConnection
        )

    def _drop(self, reason: str) -> None:
        """Abort at once, without flushing: for a client that stopped reading.

        The room hears of it from ``connectionLost``, which the reactor calls
        on its next turn; until then ``send`` writes nothing more.
        """
        self._closing = True
        self._close_reason = reason
        self.log.info("dropping {user}: {reason}", user=self.name, reason=reason)
        self.transport.abortConnection()

    def _cancel_timers(self) -> None:
        for call in (self._timer, self._abort_call):
            if call is not None and call.active():
                call.cancel()
        self._timer = None

    # -- output -----------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Queue bytes for the client, dropping it if it has stopped reading."""
        if self._closing:
            return
        if self._paused:
            self._queued += len(data)
            if self._queued > self.server.config.sendq:
                self._drop("send queue exceeded")
                return
        sock = self._socket
        if (
            sock is not None
            and not sock._tempDataLen
            and not sock.dataBuffer
            and sock.connected
            and not sock.disconnecting
        ):
            # Nothing is queued, so write straight to the socket: one send()
            # instead of buffering, registering for writability with epoll,
            # waking up for it, sending and unregistering, per member per
            # message. Whatever the kernel does not take goes the usual way.
            try:
                written = sock.socket.send(data)
            except OSError:  # would block, or the peer is gone: Twisted's
                written = 0  # own write path finds out and handles it
            if written == len(data):
                return
            if written:
                data = data[written:]
        self.transport.write(data)

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self._queued = 0

    def stopProducing(self) -> None:
        self._paused = True

    def error(self, code: str, text: str) -> None:
        """Send ``ERR code text``; text that echoes input is made safe first."""
        self.send(format_line("ERR", code, text=without_control_characters(text)))

    # -- input ------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        """Split the byte stream into lines, whatever the segment boundaries."""
        self._last_heard = self.server.clock.seconds()
        buffer = self._buffer + data if self._buffer else data
        if b"\n" not in buffer:
            self._buffer = buffer
        else:
            *lines, self._buffer = buffer.split(b"\n")
            for raw in lines:
                if self._closing:
                    return
                if self._skipping:  # the tail of a line already refused
                    self._skipping = 0
                    continue
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                if len(raw) > self._max_line:
                    self._line_too_long()
                    self._skipping = 0
                    continue
                if self._waiting is not None:
                    self._backlog.append(raw)
                else:
                    self.rawLineReceived(raw)
        if len(self._buffer) > self._max_line and not self._closing:
            self._discard_partial_line()

    def _discard_partial_line(self) -> None:
        """Refuse a line as soon as it is too long, then skip to its end."""
        if not self._skipping:
            self._line_too_long()
        self._skipping += len(self._buffer)
        self._buffer = b""
        if self._skipping > self.server.config.max_unterminated:
            self.close("line too long without a line end")

    def _line_too_long(self) -> None:
        self.error(
            "LINE_TOO_LONG",
            f"lines are limited to {self._max_line} bytes; that one was discarded",
        )

    def rawLineReceived(self, raw: bytes) -> None:
        """Decode one line and hand it on; bad UTF-8 is refused here."""
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.error("BAD_ENCODING", "lines must be UTF-8")
            return
        if line.startswith(("PING", "PONG")) and self._keepalive(line):
            return
        if not self._bucket.allow():
            self.error(
                "RATE_LIMITED",
                f"slow down: at most {self.server.config.rate:g} lines a second",
            )
            return
        try:
            pending = self.lineReceived(line)
        except Exception:
            self._refused(Failure())
            return
        if pending is not None:
            self._wait_for(Deferred.fromCoroutine(pending))

    def _refused(self, failure: Failure) -> None:
        """The error boundary: every failed command gets one ``ERR`` reply."""
        if failure.check(ChatError):
            refusal = failure.value
            self.error(refusal.code, refusal.text)
        elif failure.check(CancelledError):
            pass  # the connection went away while the command waited
        else:
            self.log.failure("command failed: {user}", failure, user=self.name)
            self.error("INTERNAL", "the server failed on that command; sorry")

    def _wait_for(self, pending: Deferred[Any]) -> None:
        """Hold this connection's input until ``pending`` (a command) is done.

        Reading stops too, so a client cannot pile up lines while it waits.
        """
        self._waiting = pending
        self.transport.pauseProducing()
        pending.addErrback(self._refused)
        pending.addBoth(self._done_waiting)

    def _done_waiting(self, result: object) -> None:
        self._waiting = None
        while self._backlog and self._waiting is None and not self._closing:
            self.rawLineReceived(self._backlog.popleft())
        if self._waiting is None and not self._closing:
            self.transport.resumeProducing()

    def lineReceived(self, line: str) -> Coroutine[Any, Any, None] | None:
        """Dispatch one decoded line by state: a name, a command or a message.

        Returns what the handler returned: ``None`` once it is done, or (in
        cluster mode) a coroutine still waiting on shared state.
        """
        if line.startswith("/") and not line.startswith("//"):
            command, _, args = line[1:].partition(" ")
            return self.command(command.lower(), args.strip())
        if self.state == USERNAME:
            return self.choose_name(line.strip())
        if self.state == ROOM:
            if not line:
                raise ChatError("BAD_ARGS", "empty message not sent")
            return self.say("MSG", line[1:] if line.startswith("//") else line)
        raise ChatError(
            "NOT_IN_ROOM", "you are in the lobby: /join or /create a room first"
        )

    def command(self, command: str, args: str) -> Coroutine[Any, Any, None] | None:
        entry = self.COMMANDS.get(command)
        if entry is None:
            raise ChatError("UNKNOWN_COMMAND", f"no command /{command}; try /help")
        handler_name, states = entry
        if self.state not in states:
            if self.state == USERNAME:
                raise ChatError("NO_NAME", "choose a username first")
            raise ChatError("NOT_IN_ROOM", f"/{command} works only in a room")
        handler: Callable[[str], Coroutine[Any, Any, None] | None]
        handler = getattr(self, handler_name)
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
        self._timer = self.server.clock.callLater(delay, call)

    def _login_expired(self) -> None:
        self.close("no username chosen in time")

    def _check_idle(self) -> None:
        """Ping a client that has been silent for ``--ping-interval`` seconds.

        Reading the clock per packet and checking here is cheaper than
        resetting a timer on every line.
        """
        interval = self.server.config.ping_interval
        silent = self.server.clock.seconds() - self._last_heard
        if silent < interval:
            self._set_timer(interval - silent, self._check_idle)
            return
        self._pinged_at = self.server.clock.seconds()
        self.send(format_line("PING", text=secrets.token_hex(4)))
        self._set_timer(self.server.config.ping_timeout, self._check_pong)

    def _check_pong(self) -> None:
        """Close a client that said nothing at all since we pinged it."""
        if self._last_heard < self._pinged_at:
            self.close("ping timeout")
        else:
            self._check_idle()

    # -- the username state -----------------------------------------------------

    def choose_name(self, name: str) -> Coroutine[Any, Any, None] | None:
        self.server.claim_name(self, name)
        self._named(name)
        self.send(format_line("WELCOME", name) + self.server.room_list())
        return None

    def _named(self, name: str) -> None:
        """The connection has its first name: on to the lobby."""
        self.name = name
        self.state = LOBBY
        self._set_timer(self.server.config.ping_interval, self._check_idle)
        self.log.info("{host} is now {user}", host=self.host, user=name)

    # -- commands ---------------------------------------------------------------

    def do_nick(self, args: str) -> Coroutine[Any, Any, None] | None:
        single_word(args, "/nick NAME")
        if self.state == USERNAME:
            return self.choose_name(args)
        old = self.name
        assert old is not None
        self.server.claim_name(self, args)
        self.name = args
        self.log.info("{old} is now {new}", old=old, new=args)
        line = format_line("NICK", old, args)
        if self.room is not None:
            self.room.broadcast(line)  # includes us
        else:
            self.send(line)
        return None

    def do_help(self, args: str) -> None:
        self.send(b"".join(format_line("HELP", text=t) for t in HELP_TEXT.splitlines()))

    def do_quit(self, args: str) -> None:
        reason = "Goodbye" if not args or has_control_characters(args) else args
        self.close(reason, room_reason=f"quit: {reason}")

    def do_list(self, args: str) -> None:
        self.send(self.server.room_list())

    def do_create(self, args: str) -> None:
        single_word(args, "/create NAME")
        room = self.server.create_room(args, owner=self)
        self._enter(room)

    def do_join(self, args: str) -> None:
        single_word(args, "/join NAME")
        room = self.server.find_room(args)
        if room is self.room:
            raise ChatError("ALREADY_IN_ROOM", f"you are already in {room.name}")
        self.server.check_space(room)  # before leaving, so a refusal keeps us here
        self._enter(room)

    def do_leave(self, args: str) -> None:
        self._leave("left")
        self.send(self.server.room_list())

    def do_who(self, args: str) -> None:
        room = self.room
        assert room is not None
        reply = format_line("MEMBERS", room.name, *(m.name for m in room.members))
        if room.owner is not None:
            reply += format_line("OWNER", room.name, room.owner.name)
        self.send(reply)

    def do_topic(self, args: str) -> None:
        room = self.room
        assert room is not None and self.name is not None
        if not args:
            self.send(
                format_line("TOPIC", room.name, room.topic_by or "-", text=room.topic)
            )
            return
        check_topic(args)
        room.topic, room.topic_by = args, self.name
        room.broadcast(format_line("TOPIC", room.name, self.name, text=args))
        self.server.room_changed(room)

    def do_me(self, args: str) -> Coroutine[Any, Any, None] | None:
        if not args:
            raise ChatError("BAD_ARGS", "usage: /me TEXT")
        return self.say("ACTION", args)

    def do_msg(self, args: str) -> None:
        target_name, text = split_private_message(args)
        target = self.server.find_user(target_name)
        assert self.name is not None and target.name is not None
        stamp = format_time(self.server.clock.seconds())
        line = format_line("PRIVMSG", self.name, target.name, stamp, text=text)
        target.send(line)
        if target is not self:
            self.send(line)

    def do_watch(self, args: str) -> None:
        if args not in ("on", "off"):
            raise ChatError("BAD_ARGS", "usage: /watch on|off")
        self.server.watch_lobby(self, args == "on")
        self.send(
            format_line("LOBBY", text="watching" if args == "on" else "not watching")
        )

    def do_delete(self, args: str) -> None:
        single_word(args, "/delete NAME")
        room = self.server.find_room(args)
        if room.permanent:
            raise ChatError("NOT_ALLOWED", f"{room.name} is permanent")
        if room.owner is not self:
            raise ChatError(
                "NOT_ALLOWED", f"only the owner of {room.name} can delete it"
            )
        assert self.name is not None
        self.server.delete_room(room, self.name)

    def returned_to_lobby(self, listing: bytes) -> None:
        """Our room went away under us (``/delete``): back to the lobby."""
        self.room = None
        self.state = LOBBY
        self.send(listing)

    # -- helpers for the commands -----------------------------------------------

    def say(self, event: str, text: str) -> Coroutine[Any, Any, None] | None:
        """Fan one message or action out to the room, stamped by the server."""
        room = self.room
        assert room is not None and self.name is not None
        check_text(text)
        stamp = format_time(self.server.clock.seconds())
        room.broadcast(format_line(event, room.name, self.name, stamp, text=text))
        room.remember(
            "HISTORY" if event == "MSG" else "HISTORY_ACTION", self.name, stamp, text
        )
        return None

    def _enter(self, room: Room) -> None:
        """Enter ``room``, leaving the current one first (``LEFT`` to us)."""
        if self.room is not None:
            self._leave(f"left for {room.name}")
        self.server.enter_room(self, room)
        self.state = ROOM

    def _leave(self, reason: str) -> None:
        room = self.room
        assert room is not None
        self.server.leave_room(self, reason)
        self.state = LOBBY
        self.send(format_line("LEFT", room.name))


class ChatFactory(ServerFactory):
    """Builds one :class:`ChatProtocol` per connection, all sharing one server."""

    noisy = False  # the protocol logs each connection itself

    def __init__(self, server: ChatServer) -> None:
        self.server = server

    def buildProtocol(self, addr: object) -> ChatProtocol:
        protocol = ChatProtocol(self.server)
        protocol.factory = self
        return protocol
