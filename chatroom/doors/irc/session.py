"""One IRC client's session: its registration state, its channels, its
replies, and the table of commands it answers.

An :class:`IRCSession` is held by the door's twisted protocol
(:class:`chatroom.doors.irc.protocol.IRCProtocol`) next to its
:class:`~chatroom.doors.base.connection.Connection`. Handlers are plain
``async def handler(session, params)`` functions in
:mod:`chatroom.doors.irc.registration`, :mod:`~chatroom.doors.irc.signin`,
:mod:`~chatroom.doors.irc.commands` and :mod:`~chatroom.doors.irc.moderation`,
listed once in the explicit table :data:`chatroom.doors.irc.table.COMMANDS`
(as Ergo's ``commands.go`` lists them: handler, minimum parameters,
whether registration must be complete). This module imports none of them,
so there is no cycle: handlers import the session, the table imports the
handlers, the protocol imports the table.

What the session's state is changes through its own methods only:
:meth:`register` (the nick is ours), :meth:`entering` (a join or create
answered: the channel is ours), :meth:`parted` (left, kicked, deleted).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from twisted.logger import Logger
from twisted.words.protocols import irc

from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.events import Listing, Welcome
from chatroom.core.registry import Member, Registry
from chatroom.core.text import name_key
from chatroom.doors.base.connection import Connection
from chatroom.doors.irc.directory import Directory
from chatroom.doors.irc.wire import (
    RPL_MONOFFLINE,
    RPL_MONONLINE,
    IRCRenderer,
    build,
    channel,
    refusal,
)
from chatroom.wiring.server import ChatServer

#: The session's states: before the nick is ours, after, and after it
#: ended (out of the door's directory).
REGISTERING, REGISTERED, GONE = "registering", "registered", "gone"


@dataclass
class SignIn:
    """What a session learns about its account before it is registered."""

    #: ``PASS`` as given, until a sign-in uses it.
    password: str | None = None
    #: The account signed in to (its key and name), once one is.
    account: str = ""
    account_name: str = ""
    #: SASL in progress: the payload so far (None when none is).
    sasl: str | None = None
    #: ``900`` was sent already (SASL sends it at once).
    told: bool = False
    #: The server password (``--irc-password``) was given and right.
    admitted: bool = False
    caps: set[str] = field(default_factory=set)


Handler = Callable[["IRCSession", tuple[str, ...]], Coroutine[Any, Any, None]]


class Command(NamedTuple):
    """One row of the command table."""

    handler: Handler
    #: Parameters without which the command is ``461``, before it runs.
    min_params: int = 0
    #: Allowed before registration completes (else ``451``).
    before_welcome: bool = False


class IRCSession:
    """One IRC user: nick, registration, channels, and IRC's replies.

    Its fields are slots: a server holds one session per client.
    """

    __slots__ = (
        "_arrived",
        "away",
        "capping",
        "caps",
        "commands",
        "connection",
        "directory",
        "invisible",
        "me",
        "member",
        "monitoring",
        "name",
        "realname",
        "renderer",
        "rooms",
        "server",
        "signed_on",
        "signing_in",
        "spoke",
        "state",
        "user",
        "wanted",
    )

    log = Logger()

    def __init__(
        self,
        server: ChatServer,
        connection: Connection,
        member: Member,
        renderer: IRCRenderer,
        commands: dict[str, Command],
        directory: Directory | None = None,
    ) -> None:
        """Args:
        connection: the socket's life (sending, closing, timers).
        member: what the registry knows this session as (the protocol).
        renderer: the door's renderer, shared by all its sessions.
        commands: the command table (:data:`chatroom.doors.irc.table.COMMANDS`).
        directory: the door's users on this node, shared by its sessions
            (a session of its own when not given).
        """
        self.server = server
        self.connection = connection
        self.member = member
        self.renderer = renderer
        self.commands = commands
        self.me = renderer.server  # the server's name, source of its lines
        self.state = REGISTERING
        self.name: str | None = None
        self.wanted: str | None = None  # NICK given before registration
        self.user: str | None = None  # USER given
        self.realname = ""
        self.capping = False  # CAP LS seen, CAP END not yet
        #: PASS, SASL and the account, until registered (then None).
        self.signing_in: SignIn | None = SignIn()
        self.invisible = False
        #: The rooms this client is in: name key → the room's name.
        self.rooms: dict[str, str] = {}
        #: The room the registry's ``entered`` named, for the waiting command.
        self._arrived: str | None = None
        self.directory = directory if directory is not None else Directory()
        #: The capabilities enabled (kept past registration).
        self.caps: set[str] = set()
        #: The away message ("" when here), and when this user registered
        #: and last sent a message (``317``), in the clock's seconds.
        self.away = ""
        self.signed_on = self.spoke = 0.0
        #: The nicks this client monitors: key → the nick as given.
        self.monitoring: dict[str, str] = {}

    @property
    def registry(self) -> Registry:
        return self.server.registry

    @property
    def config(self) -> ServerConfig:
        return self.server.config

    @property
    def host(self) -> str:
        return self.connection.host

    @property
    def closing(self) -> bool:
        """The connection is closing: nothing more is claimed or sent."""
        return self.connection.closing

    @property
    def nick(self) -> str:
        """How numerics address this client: its nick, or ``*`` before one."""
        return self.name or "*"

    @property
    def source(self) -> str:
        return self.renderer.source(self.nick)

    def send(self, data: bytes) -> None:
        self.connection.send(data)

    def close(self, reason: str, room_reason: str | None = None) -> None:
        self.gone()  # watchers and WHOWAS know at once, as the rooms do
        self.connection.close(reason, room_reason)

    # -- replies ----------------------------------------------------------------

    def numeric(self, code: str, *params: str) -> None:
        """A numeric reply addressed to this client."""
        self.send(build(self.me, code, self.nick, *params))

    def notice(self, text: str) -> None:
        self.send(build(self.me, "NOTICE", self.nick, text))

    def refuse(self, error: ChatError, command: str, target: str) -> None:
        """The error boundary's output: the numeric for ``error``'s code."""
        self.send(refusal(self.me, self.nick, error, command, target))

    # -- state: the one place each part changes ----------------------------------

    @property
    def now(self) -> float:
        return self.server.clock.seconds()

    def register(self, nick: str) -> None:
        """The registry gave us ``nick``: registration is complete."""
        self.name = nick
        self.state = REGISTERED
        if self.signing_in is not None:
            self.caps = self.signing_in.caps
        self.signing_in = None
        self.signed_on = self.spoke = self.now
        self.connection.named()
        self.directory.arrived(self, nick)

    def renamed(self, nick: str) -> None:
        old, self.name = self.name, nick
        if old is not None and name_key(old) == name_key(nick):
            self.directory.here[name_key(nick)] = self  # only its case changed
            return
        if old is not None:
            self.directory.left(self, old, self.now)
        self.directory.arrived(self, nick)

    def gone(self) -> None:
        """The session ended (it quit, or its connection closed): out of
        the door's directory, once."""
        for key in list(self.monitoring):
            self.directory.unwatch(self, key)
        self.monitoring.clear()
        if self.state == REGISTERED and self.name is not None:
            self.directory.left(self, self.name, self.now)
        self.state = GONE

    def monitored(self, nick: str, online: bool) -> None:
        """A nick this client monitors arrived (``730``) or went (``731``)."""
        if online:
            self.numeric(RPL_MONONLINE, self.renderer.source(nick))
        else:
            self.numeric(RPL_MONOFFLINE, nick)

    async def entering(self, entering: Awaitable[None]) -> None:
        """Run a join or a create; the channel is ours once it answered."""
        self._arrived = None
        await entering
        room, self._arrived = self._arrived, None
        if room is not None:
            self.rooms[name_key(room)] = room

    def parted(self, room: str) -> str | None:
        """We are out of ``room`` (left, kicked, deleted); its name as we had
        it, or None if we were not in it."""
        return self.rooms.pop(name_key(room), None)

    # -- the Member callbacks that concern the session ----------------------------

    def entered(self, welcome: Welcome) -> None:
        """``JOIN``, the topic, then the room's history as notices."""
        room = welcome.room
        chan = channel(room)
        data = build(self.source, "JOIN", chan)
        if welcome.topic:
            data += build(self.me, irc.RPL_TOPIC, self.nick, chan, welcome.topic)
        render = self.renderer.render
        data += b"".join(event.encoded(render) for event in welcome.history)
        self.send(data)
        self._arrived = room

    def removed(self, room: str, listing: Listing | None) -> None:
        if self.parted(room) is not None:
            self.send(build(self.source, "PART", channel(room), "room deleted"))
