"""One IRC connection: framing, registration, flood control, keepalive, and
the :class:`~chatroom.core.registry.Member` callbacks rendered as IRC.

Built like the line door (:mod:`chatroom.doors.line.protocol`), from the same parts:

- framing: :class:`chatroom.doors.base.framing.LineFraming` with ``MAX_LENGTH`` 512
  (IRC's line limit), so an over-long line is ``417`` and the session goes
  on; clients that end lines with a bare LF are served too;
- output: :class:`chatroom.doors.base.sendq.SendQueue` (``--sendq``, backpressure);
- the session, here: the nick, the channels it is in (an IRC client sits
  in several rooms at once, so it never passes ``leaving``), timers, and a
  handler per command in :mod:`chatroom.doors.irc.commands` (with
  :mod:`chatroom.doors.irc.signin` and :mod:`chatroom.doors.irc.moderation`);
- registration signs in first when the client gave ``PASS`` or SASL
  (:mod:`chatroom.doors.irc.signin`), then claims the nick for that account.

Two things differ from the line door, as IRC expects:

- **Flood control says nothing.** Both doors slow a flood down rather
  than drop it (:class:`chatroom.doors.base.flood.FloodGate`, "fake lag"), but IRC
  clients expect no notice of it: no ``SLOW`` line here, and an
  ``ERROR :Closing Link (Excess Flood)`` past ``--max-backlog``.
- **No echo of one's own messages** (IRC clients show their own lines
  themselves): :meth:`deliver` skips a ``MSG``/``ACTION`` by this user
  before writing the bytes the room's other IRC members share.
"""

from __future__ import annotations

import re
from typing import cast

from twisted.internet.defer import CancelledError
from twisted.internet.protocol import ServerFactory
from twisted.python.failure import Failure
from twisted.words.protocols import irc

from chatroom.core import errors
from chatroom.core.errors import ChatError
from chatroom.core.events import Event, Listing, LobbyChanges, Welcome
from chatroom.core.text import name_key
from chatroom.doors.base.connection import DoorConnection
from chatroom.doors.irc import commands, signin
from chatroom.doors.irc import moderation as _moderation  # noqa: F401 (its handlers)
from chatroom.doors.irc.signin import SignIn
from chatroom.doors.irc.wire import (
    MAX_LINE,
    IRCRenderer,
    build,
    channel,
    isupport,
    parse,
    refusal,
)
from chatroom.wiring.server import ChatServer

REGISTERING, REGISTERED = "registering", "registered"

#: Events IRC addresses to the one user who gets them (``IRCRenderer.personal``).
_PERSONAL = frozenset({"KICKED", "INVITED", "ANNOUNCE"})

#: The first line of an HTTP request: someone pointed a browser at this port.
_HTTP_REQUEST = re.compile(r"^[A-Z]{3,7} \S+ HTTP/\d\.\d$")

_HTTP_REPLY = (
    b"HTTP/1.0 400 Bad Request\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n"
    b"This port speaks IRC, not HTTP: point an IRC client at it "
    b"(the browser client is served by --http).\r\n"
)


class IRCSession(DoorConnection):
    """The server end of one IRC client's connection."""

    door = "irc"
    MAX_LENGTH = MAX_LINE
    LOGIN_EXPIRED = ("Registration timed out", None)
    PING_TIMEOUT = ("Ping timeout", "ping timeout")
    EXCESS_FLOOD = ("Excess Flood", "excess flood")

    def __init__(self, server: ChatServer, renderer: IRCRenderer) -> None:
        super().__init__(server)
        self.renderer = renderer
        self.render = renderer.render
        self.me = renderer.server  # the server's name, source of its lines
        self.state = REGISTERING
        self.wanted: str | None = None  # NICK given before registration
        self.user: str | None = None  # USER given
        self.realname = ""
        self.capping = False  # CAP LS seen, CAP END not yet
        #: PASS, SASL and the account, until registered (then None).
        self.signing_in: SignIn | None = SignIn()
        self.invisible = False
        #: The rooms this client is in: name key → the room's name.
        self.rooms: dict[str, str] = {}
        self._last_nick: tuple[str, ...] = ()
        self._first_line = True

    def __repr__(self) -> str:
        return f"<IRCSession {self.name or self.host!r} {self.state}>"

    @property
    def nick(self) -> str:
        """How numerics address this client: its nick, or ``*`` before one."""
        return self.name or "*"

    @property
    def source(self) -> str:
        return self.renderer.source(self.nick)

    # -- IRC's words for the connection's life ---------------------------------

    def refusal_lines(self, reason: str) -> bytes:
        return self.goodbye(reason)

    def goodbye(self, reason: str) -> bytes:
        return build("", "ERROR", f"Closing Link: {self.host} ({reason})")

    def ping(self, token: str) -> bytes:
        return build("", "PING", token)

    # -- output and the Member callbacks ----------------------------------------

    def numeric(self, code: str, *params: str) -> None:
        """A numeric reply addressed to this client."""
        self.send(build(self.me, code, self.nick, *params))

    def notice(self, text: str) -> None:
        self.send(build(self.me, "NOTICE", self.nick, text))

    def refuse(self, error: ChatError, command: str, target: str) -> None:
        """The error boundary's output: the numeric for ``error``'s code."""
        self.send(refusal(self.me, self.nick, error, command, target))

    def deliver(self, event: Event) -> None:
        name = event.name
        if name in ("MSG", "ACTION") and event.fields[1] == self.name:
            return  # IRC clients show their own messages themselves
        if name in _PERSONAL:
            if name == "KICKED":  # out of the channel: removed() adds no PART
                self.rooms.pop(name_key(event.fields[0]), None)
            self.send(cast(bytes, self.renderer.personal(event, self.nick)))
            return
        if name == "NICK":  # one NICK per shared room: pass on the first only
            if event.fields == self._last_nick:
                return
            self._last_nick = event.fields
        self.send(event.encoded(self.render))

    def entered(self, welcome: Welcome) -> None:
        """``JOIN``, the topic, then the room's history as notices."""
        room = welcome.room
        self.rooms[name_key(room)] = room
        chan = channel(room)
        data = build(self.source, "JOIN", chan)
        if welcome.topic:
            data += build(self.me, irc.RPL_TOPIC, self.nick, chan, welcome.topic)
        data += b"".join(event.encoded(self.render) for event in welcome.history)
        self.send(data)

    def removed(self, room: str, listing: Listing | None) -> None:
        if self.rooms.pop(name_key(room), None) is not None:
            self.send(build(self.source, "PART", channel(room), "room deleted"))

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """IRC has no lobby to keep current (``LIST`` asks when it wants)."""

    # -- input ------------------------------------------------------------------

    def lineLengthExceeded(self, line: bytes) -> None:
        self.refuse(errors.line_too_long(self.MAX_LENGTH), "*", "*")

    def unterminatedLine(self) -> None:
        self.close("Input line too long")

    def lineReceived(self, line: bytes) -> None:
        """Decode at the edge, then run the line or hold it (flood control)."""
        if self._closing:
            return
        if self._first_line:
            self._first_line = False
            if _HTTP_REQUEST.match(line.decode("latin-1")):
                self._not_http()
                return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            self.refuse(errors.bad_encoding(), "*", "*")
            return
        self.admit_line(text)

    def _not_http(self) -> None:
        """A web browser (or curl) at the IRC port: answer in HTTP, close."""
        self.log.info("HTTP request on the IRC port from {host}", host=self.host)
        self.send(_HTTP_REPLY)
        self._closing = True
        self._harvest("HTTP request on the IRC port")
        self._finish("not IRC")

    def dispatch(self, text: str) -> bool:
        """Run one line; True if its command is still waiting on the registry."""
        message = parse(text)
        if message is None:
            return False  # an empty or command-less line: ignored, as servers do
        command = message.command
        handler = commands.HANDLERS.get(command)
        if handler is None:
            if self.state == REGISTERING:
                self.refuse(errors.no_name(), command, "*")
            else:
                self.refuse(errors.unknown_command(command), command, "*")
            return False
        if self.state == REGISTERING and command not in commands.BEFORE_WELCOME:
            self.refuse(errors.no_name(), command, "*")
            return False
        target = message.params[0] if message.params else "*"
        return self.run(
            handler(self, message.params),
            lambda failure: self._refused(failure, command, target),
        )

    def _refused(self, failure: Failure, command: str, target: str) -> None:
        """The error boundary: a refusal is its numeric, anything else logged."""
        if failure.check(ChatError):
            if command != "NOTICE":  # never an automatic reply to a NOTICE
                self.refuse(cast(ChatError, failure.value), command, target)
        elif not failure.check(CancelledError):
            self.log.failure("IRC command failed: {user}", failure, user=self.name)
            self.refuse(errors.internal(), command, target)

    # -- registration -----------------------------------------------------------

    async def try_register(self) -> None:
        """With a NICK and a USER (and CAP negotiation over), claim the nick."""
        if self.state != REGISTERING or self.capping:
            return
        if self.wanted is None or self.user is None:
            return
        wanted = self.wanted
        pending = self.signing_in
        assert pending is not None
        if not await signin.check_password(self, wanted):
            return
        try:
            await self.registry.claim_name(self, wanted, pending.account or None)
        except ChatError as refused:
            self.wanted = None
            if refused.code in signin.TURNED_AWAY:
                signin.turn_away(self, refused)
            else:  # 432, or 433 (taken, registered): the client picks another
                self.refuse(refused, "NICK", wanted)
            return
        self.name = wanted
        self.state = REGISTERED
        self.named()
        self.log.info("{host} is IRC user {user}", host=self.host, user=wanted)
        self.welcome()
        signin.logged_in(self)
        self.signing_in = None
        if self.server.account_service.is_admin(pending.account):
            self.numeric(irc.RPL_YOUREOPER, "You are a server admin (--admins)")

    def welcome(self) -> None:
        """001-005 and the MOTD, once the nick is ours."""
        name, nick = self.config.name, self.nick
        self.numeric(irc.RPL_WELCOME, f"Welcome to {name}, {self.source}")
        self.numeric(irc.RPL_YOURHOST, f"Your host is {self.me}, running chatroom")
        self.numeric(irc.RPL_CREATED, "This server speaks IRC and chatroom's protocol")
        self.send(
            build(self.me, irc.RPL_MYINFO, nick, self.me, "chatroom", "io", "biklnot")
        )
        tokens = isupport(name)
        self.send(
            build(
                self.me, irc.RPL_ISUPPORT, nick, *tokens, "are supported by this server"
            )
        )
        self.numeric(irc.RPL_MOTDSTART, f"- {self.me} Message of the day -")
        for line in (
            f"- Rooms of {name} are channels here: the room tea is #tea.",
            "- /list shows them; /join #name enters one, creating it if needed.",
            "- Users of the line protocol and the web client are in the same rooms.",
        ):
            self.numeric(irc.RPL_MOTD, line)
        self.numeric(irc.RPL_ENDOFMOTD, "End of /MOTD command.")


class IRCFactory(ServerFactory):
    """One :class:`IRCSession` per connection, sharing the server and one
    renderer (so each event is rendered once for all of them)."""

    noisy = False

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.renderer = IRCRenderer(server.config.name)

    def buildProtocol(self, addr: object) -> IRCSession:
        session = IRCSession(self.server, self.renderer)
        session.factory = self
        return session
