"""The line protocol door: one connection, its states and one handler per command.

A :class:`ChatProtocol` is three things stacked:

- framing (:class:`chatroom.doors.base.framing.LineFraming`, a LineReceiver);
- output (:class:`chatroom.doors.base.sendq.SendQueue`: ``--sendq`` and backpressure);
- the session: its name, its state (``username`` → ``lobby`` → ``room``),
  its room, its timers and a handler per command
  (:class:`chatroom.doors.line.commands.LineCommands`).

The connection life it shares with the other line-based doors (admission,
closing, waiting commands, flood control, keepalive timers) is
:class:`chatroom.doors.base.connection.DoorConnection`; this module adds the line
protocol's own words. It holds only its own connection's state. Names and
rooms live behind the shared :class:`~chatroom.core.registry.Registry`, which
calls back through the :class:`~chatroom.core.registry.Member` methods
(``deliver``, ``entered``...). Those hand it :mod:`chatroom.core.events`
objects, rendered into lines once per event (:mod:`chatroom.doors.line.rendering`,
through :meth:`~chatroom.core.events.Encodable.encoded`), whatever the number of
members. Bytes are decoded at the edge, in :meth:`lineReceived`.
"""

from __future__ import annotations

from typing import cast

from twisted.internet.defer import CancelledError
from twisted.internet.protocol import ServerFactory
from twisted.python.failure import Failure

from chatroom.core import errors
from chatroom.core.errors import ChatError
from chatroom.core.events import Encoder, Event, Listing, LobbyChanges, Welcome, to_line
from chatroom.core.text import name_key, without_control_characters
from chatroom.core.wire import PROTOCOL_VERSION, format_line
from chatroom.doors.line.commands import LOBBY, ROOM, USERNAME, LineCommands
from chatroom.doors.line.rendering import (
    render_listing,
    render_lobby_changes,
    render_welcome,
)
from chatroom.wiring.server import ChatServer

__all__ = ["LOBBY", "ROOM", "USERNAME", "ChatFactory", "ChatProtocol"]


class ChatProtocol(LineCommands):
    """The server end of one line-protocol connection."""

    door = "line"
    LOGIN_EXPIRED = ("no username chosen in time", None)

    def __init__(self, server: ChatServer) -> None:
        super().__init__(server)
        self.state = USERNAME
        self.room: str | None = None  # the line protocol's one room
        #: How room events are rendered for this connection: with ``@ID``
        #: once it has sent ``/caps ids`` (a second cached rendering).
        self.render: Encoder = to_line
        self.MAX_LENGTH = self.config.max_line

    def __repr__(self) -> str:
        return f"<ChatProtocol {self.name or self.host!r} {self.state}>"

    # -- the line protocol's words for the connection's life -------------------

    def greet(self) -> None:
        name = self.config.name
        self.send(
            format_line(
                "HELLO",
                name,
                PROTOCOL_VERSION,
                text=f"Welcome to {name}. Choose a username.",
            )
        )

    def refusal_lines(self, reason: str) -> bytes:
        return format_line("ERR", "SERVER_FULL", text=reason) + self.goodbye(reason)

    def goodbye(self, reason: str) -> bytes:
        return format_line("BYE", text=reason)

    def ping(self, token: str) -> bytes:
        return format_line("PING", text=token)

    def slowed(self) -> None:
        rate = f"{self.config.rate:g}"
        self.send(
            format_line(
                "SLOW",
                rate,
                text=f"you are sending more than {rate} lines a second: "
                "your lines wait their turn",
            )
        )

    # -- output, and the Member callbacks the registry makes ------------------

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

    # -- input ------------------------------------------------------------------

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
        self.admit_line(text)

    def dispatch(self, text: str) -> bool:
        return self.run(self.handle(text), self._refused)

    def answer_waiting_keepalives(self) -> None:
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


class ChatFactory(ServerFactory):
    """Builds one :class:`ChatProtocol` per connection, all sharing one server."""

    noisy = False  # the protocol logs each connection itself

    def __init__(self, server: ChatServer) -> None:
        self.server = server

    def buildProtocol(self, addr: object) -> ChatProtocol:
        protocol = ChatProtocol(self.server)
        protocol.factory = self
        return protocol
