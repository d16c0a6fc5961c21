"""One IRC client's session: its registration state, its channels, its
replies, and the row of the command table (:class:`IRCCommand`).

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

from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, cast

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.words.protocols import irc

from chatroom.core.accounts.accounts import Account
from chatroom.core.accounts.invitations import Redeemed
from chatroom.core.infra.fanout import redirected
from chatroom.core.infra.seats import rooms_of
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Announcement,
    AwayChanged,
    Departure,
    DepartureKind,
    Event,
    Invitation,
    Invited,
    Joined,
    Kicked,
    Listing,
    LockdownChanged,
    MarkerMoved,
    Message,
    OperatorMessage,
    ProfileChanged,
    RealnameChanged,
    Redacted,
    Renamed,
    ReportClosed,
    ReportFiled,
    RoomMetadataChanged,
    RoomRenamed,
    Sighting,
    Wallops,
    Watched,
    Welcome,
)
from chatroom.core.model.member import Member, MessageWriter
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.core.model.whowas import Departed
from chatroom.core.registry import Registry
from chatroom.core.services.scram_sign_in import ScramSignIn
from chatroom.doors.base.connection import Connection
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.base.rare_fields import Rare
from chatroom.doors.base.sendq import SendQueue
from chatroom.doors.irc.caps import CHANNEL_RENAME, NO_CAPS, has_metadata, shared_caps
from chatroom.doors.irc.directory import Directory
from chatroom.doors.irc.notes import NOTED
from chatroom.doors.irc.rendering import IRCRenderer, Personal
from chatroom.doors.irc.replay import in_batch, replay
from chatroom.doors.irc.tags import add_tags, lines_of
from chatroom.doors.irc.wire import (
    NO_TAGS,
    RPL_MONOFFLINE,
    RPL_MONONLINE,
    RPL_TOPICWHOTIME,
    build,
    channel,
    refusal,
)
from chatroom.wire.tags import tag_section

#: The capability each kind of extended-monitor news needs.
WATCHED_CAPS = {
    Sighting.AWAY: "away-notify",
    Sighting.REALNAME: "setname",
    Sighting.ACCOUNT: "account-notify",
}

#: The session's states: before the nick is ours, after, and after it
#: ended (out of the door's directory).
REGISTERING, REGISTERED, GONE = "registering", "registered", "gone"


def pins_notice(count: int) -> str:
    """What a joiner is told of a room's pins (IRC has no command to list
    them: the line door's ``/pins`` and the web page show them)."""
    return f"{count} pinned message{'s' if count != 1 else ''} in this channel"


@dataclass
class PendingSignIn:
    """What a session learns about its account before it is registered."""

    #: ``PASS`` as given, until a sign-in uses it.
    password: str | None = None
    #: The account signed in to (its key and name), once one is.
    account: str = ""
    account_name: str = ""
    #: SASL in progress: the payload so far (None when none is), its
    #: mechanism, and for SCRAM the exchange (then, once the proof was
    #: right, the account, until the client's last empty message).
    sasl: str | None = None
    mechanism: str = ""
    scram: ScramSignIn | None = None
    scram_account: Account | None = None
    #: ``900`` was sent already (SASL sends it at once).
    told: bool = False
    #: The server password (``--irc-password``) was given and right.
    admitted: bool = False
    #: The key of the name ``REGISTER`` before connecting registered and
    #: claimed for the session ("" if none): registration claims it no more.
    claimed: str = ""


Handler = Callable[["IRCSession", tuple[str, ...]], Coroutine[Any, Any, None]]


@dataclass
class Multiline:
    """A ``draft/multiline`` batch a client is sending."""

    ref: str
    target: str
    command: str
    #: The client-only tags and the label of the opening ``BATCH`` line:
    #: the message's tags, and the label its echo answers.
    tags: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    #: The lines so far, each (text, glued to the previous line).
    lines: list[tuple[str, bool]] = field(default_factory=list)
    #: Bytes of text so far, and whether a limit was passed (then the batch
    #: is refused when it ends, and nothing in it is said).
    size: int = 0
    failed: bool = False


def one_batch(lines: list[bytes]) -> bool:
    """Whether ``lines`` are one batch, from its start to its end."""

    def words(line: bytes) -> list[bytes]:
        found = line.rstrip(b"\r\n").split(b" ")
        return found[1:] if found[0].startswith(b"@") else found

    first, last = words(lines[0]), words(lines[-1])
    return (
        len(first) > 2
        and first[1] == b"BATCH"
        and first[2].startswith(b"+")
        and last[1:] == [b"BATCH", b"-" + first[2][1:]]
    )


class IRCCommand(NamedTuple):
    """One row of the command table."""

    handler: Handler
    #: Parameters without which the command is ``461``, before it runs.
    min_params: int = 0
    #: Allowed before registration completes (else ``451``).
    before_welcome: bool = False


#: Events IRC addresses to the user's own nick.
_PERSONAL = frozenset(
    {Kicked, Invited, Announcement, LockdownChanged, ReportFiled, ReportClosed}
)
#: Departures that end a session: IRC says one QUIT for all the rooms.
_QUITS = frozenset({DepartureKind.QUIT, DepartureKind.HARVEST})
#: News of a user that only clients with a capability are told.
_ASKED_FOR: dict[type[Event], str] = {
    AwayChanged: "away-notify",
    RealnameChanged: "setname",
}


class MarkerShower(Protocol):
    """What shows another session's moved read marker (the IRC protocol,
    through the bouncer, which this module cannot import)."""

    def show_marker(self, moved: MarkerMoved) -> None: ...


class ArrivedBy(Protocol):
    """The ``--irc`` port a connection came in by
    (:class:`chatroom.doors.irc.protocol.IRCPort`, which this module cannot
    import): what IRCv3 STS says on it."""

    def sts(self) -> str | None: ...


class IRCSession:
    """One IRC user: nick, registration, channels, and IRC's replies.

    A server holds one per client: fields read on every delivery or kept
    by every client are slots, the rest :class:`Rare` (usually default)."""

    __slots__ = (
        "_channels",
        "_extras",
        "_last_quit",
        "cap_version",
        "caps",
        "connection",
        "directory",
        "name",
        "own_echoes",
        "port",
        "realname",
        "render",
        "renderer",
        "send_queue",
        "signed_on",
        "spoke",
        "state",
        "user",
    )

    #: NICK given before registration.
    wanted: Rare[str | None] = Rare(None)
    #: CAP LS seen, CAP END not yet.
    capping = Rare(False)
    #: The replies to a labeled command, while it runs (labeled-response).
    labeled: Rare[list[bytes] | None] = Rare(None)
    #: A ``draft/multiline`` batch the client is sending: its reference,
    #: target and lines so far.
    multiline: Rare[Multiline | None] = Rare(None)
    #: The tags of the command running (``+draft/react``, ``label``...).
    tags: Rare[Mapping[str, str]] = Rare(NO_TAGS)
    #: PASS, SASL and the account, until registered (then None).
    signing_in: Rare[PendingSignIn | None] = Rare(None)
    #: The invitation ``REDEEM`` gave this connection: it may register one
    #: account (chatroom.core.accounts.invitations).
    invited: Rare[Redeemed | None] = Rare(None)
    #: The room of the invitation an account was registered with, to join
    #: once the command is done (and the connection complete).
    invited_room = Rare("")
    #: The label of the app password SASL PLAIN signed in with ("": the
    #: account's own password, or none): chatroom.core.services.app_passwords.
    app_password = Rare("")
    #: SASL after registration (IRCv3 SASL 3.2's reauthentication).
    reauthenticating: Rare[PendingSignIn | None] = Rare(None)
    #: User modes ``+i``; ``+B`` (IRCv3 bot-mode: its messages carry the
    #: ``bot`` tag, ``WHOIS`` says ``335``, ``WHO`` flags it ``B``); ``+w``
    #: (receives server admins' ``WALLOPS``).
    invisible, bot, wallops = Rare(False), Rare(False), Rare(False)
    away = Rare("")  # the away message ("" when here)
    #: The ``draft/metadata-2`` keys whose changes this client is told of.
    metadata_subs: Rare[frozenset[str]] = Rare(frozenset())
    #: What ``METADATA * SET`` kept before the welcome (``before-connect``),
    #: set for the user once it is registered.
    metadata_before: Rare[tuple[tuple[str, str], ...]] = Rare(())
    #: The welcome of a big room just joined (chatroom.core.rooms.big_rooms),
    #: whose members the join's NAMES shows, not the whole room's.
    arrival: Rare[Welcome | None] = Rare(None)
    #: The history of rooms just entered (by room key), rendered when the
    #: registry answered, sent after the join's NAMES (:meth:`play_history`).
    held_history: Rare[dict[str, bytes] | None] = Rare(None)
    #: True while a JOIN of ours waits for the registry (else a room
    #: we hear we entered is one another device of the account entered).
    _asking = Rare(False)
    #: ``read_stamps`` and ``monitoring``, made on first use.
    _read_stamps: Rare[dict[str, tuple[int, str]] | None] = Rare(None)
    _monitoring: Rare[dict[str, str] | None] = Rare(None)
    #: ``positions`` and ``kept_positions`` (chatroom.doors.irc.positions),
    #: made on first use.
    _positions: Rare[dict[str, int] | None] = Rare(None)
    _kept_positions: Rare[dict[str, int] | None] = Rare(None)
    #: Reactions, edits and deletions are not told in words (``irc-notes
    #: off``: chatroom.doors.irc.notes).
    notes_off = Rare(False)
    #: True once its QUIT put its nick in ``WHOWAS`` (:meth:`remember_gone`).
    _whowas_told = Rare(False)

    log = Logger()

    def __init__(
        self,
        connection: Connection,
        renderer: IRCRenderer,
        directory: Directory[IRCSession] | None = None,
    ) -> None:
        """Args:
        connection: the socket's life (sending, closing, timers); its
            door, the protocol, is the :attr:`member` the registry knows.
        renderer: the door's renderer, shared by all its sessions.
        directory: the door's users on this node, shared by its sessions
            (a session of its own when not given).
        """
        self._extras: dict[str, object] | None = None
        self.connection = connection
        self.renderer = renderer
        self.state = REGISTERING
        self.name: str | None = None
        self.user: str | None = None  # USER given
        self.realname = ""
        #: The IRCv3 capabilities enabled (:mod:`chatroom.doors.irc.caps`),
        #: and the encoder of its rendering variant that follows from them.
        self.caps: frozenset[str] = NO_CAPS
        #: The highest ``CAP LS`` version the client named: a slot, not a
        #: rare field, as every client of today names 302 and keeps it for
        #: good (a field of ``_extras`` would hold a dict per connection).
        self.cap_version = 0
        self.render = renderer.render
        #: Room messages it said whose events have not come back yet: an
        #: event in its name past those is another device's of the account.
        self.own_echoes = 0
        #: The last user whose QUIT this client was sent (one for all the
        #: channels it shares with them).
        self._last_quit = ""
        #: The connection's output queue once it is open (the protocol sets
        #: it): deliveries write to it without reading the connection.
        self.send_queue: SendQueue | None = None
        #: The ``--irc`` port it came in by (None: the web page's ``/irc``,
        #: or a test's transport): ``CAP LS`` offers its ``sts``.
        self.port: ArrivedBy | None = None
        self.signing_in = PendingSignIn()
        #: The channels it is in (:attr:`rooms`); one's tuple is shared.
        self._channels: tuple[str, ...] = ()
        self.directory: Directory[IRCSession] = (
            directory if directory is not None else Directory()
        )
        #: When this user registered and last sent a message (``317``), in
        #: the clock's seconds.
        self.signed_on = self.spoke = 0.0

    @property
    def read_stamps(self) -> dict[str, tuple[int, str]]:
        """``MARKREAD`` times as this client set them, by target key: for a
        room with the core's marker (event id) they were set at, so the
        client gets its own time back while that marker holds; for a nick
        alone (private conversations have no core markers)."""
        if self._read_stamps is None:
            self._read_stamps = {}
        return self._read_stamps

    @read_stamps.setter
    def read_stamps(self, stamps: dict[str, tuple[int, str]]) -> None:
        self._read_stamps = stamps

    @property
    def positions(self) -> dict[str, int]:
        """Where a join of each room starts, by room key: the newest event
        this connection was sent there before it left it, and (signed in)
        the account's IRC sessions' (:mod:`chatroom.doors.irc.positions`)."""
        if self._positions is None:
            self._positions = {}
        return self._positions

    def position_in(self, room: str) -> int | None:
        """Where a join of ``room`` starts (None: nothing was sent there)."""
        positions = self._positions
        return None if positions is None else positions.get(name_key(room))

    def held_positions(self) -> dict[str, int]:
        """A copy of :attr:`positions` (made for none)."""
        return dict(self._positions) if self._positions is not None else {}

    @property
    def kept_positions(self) -> dict[str, int]:
        """The positions the account keeps, as far as this session knows
        (read at sign-in, and each it kept since)."""
        if self._kept_positions is None:
            self._kept_positions = {}
        return self._kept_positions

    @kept_positions.setter
    def kept_positions(self, kept: dict[str, int]) -> None:
        self._kept_positions = kept

    @property
    def monitoring(self) -> dict[str, str]:
        """The nicks this client monitors: key → the nick as given."""
        if self._monitoring is None:
            self._monitoring = {}
        return self._monitoring

    @property
    def echo(self) -> bool:
        """Whether its own messages come back to it (``echo-message``)."""
        return "echo-message" in self.caps

    @property
    def member(self) -> Member:
        """What the registry knows this session as: its protocol."""
        return cast(Member, self.connection.door)

    @property
    def server(self) -> DoorHub:
        return self.connection.server

    @property
    def me(self) -> str:
        """The server's name, source of its lines."""
        return self.renderer.server

    @property
    def rooms(self) -> dict[str, str]:
        """The channels this client is in: name key → the room's name (a
        new dict each time: change them with :meth:`entering`,
        :meth:`parted`)."""
        return {name_key(room): room for room in self._channels}

    def in_channel(self, room: str) -> str | None:
        """The name of ``room`` as this client entered it, if it is in it."""
        if room in self._channels:  # as it entered it: the usual spelling
            return room
        key = name_key(room)
        return next((had for had in self._channels if name_key(had) == key), None)

    def _add_channel(self, room: str) -> None:
        """In ``room`` (its name as given now, in its place if it was in it)."""
        key = name_key(room)
        had = [other if name_key(other) != key else room for other in self._channels]
        if room not in had:
            had.append(room)
        self._channels = rooms_of(tuple(had))

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

    def message_writer(self) -> MessageWriter | None:
        """A message by another, as :meth:`deliver` renders and writes it
        (its own, and every other event, go through :meth:`deliver`)."""
        send_queue, name = self.send_queue, self.name
        if send_queue is None or not name:
            return None
        return MessageWriter(name, self.render, send_queue.write, send_queue)

    def deliver(self, event: Event) -> None:
        """A room event or private message, as IRC shows it to this client
        (the protocol's ``deliver``, on the hot path: a plain message reads
        this session, the event and the output queue, which takes nothing
        once the connection is closing). No echo of one's own messages
        unless the client asked for ``echo-message``; one ``QUIT`` for all
        the shared channels; news of a user only to clients that asked."""
        kind = type(event)
        if kind is MarkerMoved:  # another session of the account moved a marker
            assert isinstance(event, MarkerMoved)
            cast(MarkerShower, self.connection.door).show_marker(event)
            return
        if kind is Message:  # the most frequent, first
            if self.own_echoes:
                assert isinstance(event, Message)
                if event.user == self.name:  # ours (another device's show as any)
                    self.own_echoes -= 1
                    if self.echo:  # else IRC clients show their own themselves
                        self.send(event.encoded(self.render))  # labeled if asked
                    else:  # its client has it: no replay sends it again
                        self.renderer.saw(event)
                    return
        elif kind is OperatorMessage:
            assert isinstance(event, OperatorMessage)
            if event.user == self.name and not self.echo:
                return  # to the operators, from one of them
        elif kind is Invitation:
            assert isinstance(event, Invitation)
            if event.by == self.name:
                return  # the inviter's confirmation is 341, first (RFC 2812 3.2.7)
        elif kind in _PERSONAL:
            assert isinstance(event, Personal)
            if isinstance(event, Kicked):  # out of the channel: removed() adds no PART
                self.parted(event.room)
            renderer = self.renderer
            data = renderer.personal(event, self.nick)
            tags = renderer.personal_tags(event, self.caps)
            if tags:
                data = b"".join(add_tags(x, tag_section(tags)) for x in lines_of(data))
            self.connection.send(data)
            return
        elif kind is Departure:  # a quit is one QUIT for all the shared rooms
            assert isinstance(event, Departure)
            if event.kind in _QUITS:
                if event.user == self._last_quit:
                    return
                self._last_quit = event.user
        elif kind is Joined:
            assert isinstance(event, Joined)
            if event.user == self._last_quit:
                self._last_quit = ""  # back: a later quit is news again
            if "away-notify" in self.caps:  # the joiner's AWAY, if away
                timed = "server-time" in self.caps
                away = self.renderer.joiner_away(event, timed)
                self.connection.send(event.encoded(self.render) + away)
                return
        elif kind is Renamed:
            assert isinstance(event, Renamed)
            if event.old == self.name:  # our own NICK: its command's answer
                self.send(event.encoded(self.render))  # labeled if asked
                return
        elif kind is ProfileChanged or kind is RoomMetadataChanged:
            # draft/metadata-2, of the keys subscribed
            assert isinstance(event, ProfileChanged | RoomMetadataChanged)
            if not has_metadata(self.caps) or event.key not in self.metadata_subs:
                return
            if isinstance(event, RoomMetadataChanged) and event.by == self.name:
                return  # its own change: answered by its command
        elif kind in _ASKED_FOR:  # news of a user, for clients that asked
            if _ASKED_FOR[kind] not in self.caps:
                return
        elif kind in NOTED:  # a reaction, an edit, a deletion
            if self.notes_off and self._as_note(kind):
                return  # irc-notes off: not told in words
        elif kind is Wallops:  # for users with +w, as ircds send it (no tags)
            assert isinstance(event, Wallops)
            if self.wallops:
                data = event.encoded(self.renderer.render)
                if event.by == self.name:  # its sender's: the command's answer
                    self.send(data)  # labeled if asked
                else:
                    self.connection.send(data)
            return
        send_queue = self.send_queue  # the usual case: straight to the queue
        if send_queue is not None:
            send_queue.write(event.encoded(self.render))

    def _as_note(self, kind: type[Event]) -> bool:
        """Whether this client is told an event of ``kind`` (one of
        :data:`~chatroom.doors.irc.notes.NOTED`) as a note in words: it
        has no tags for it (a deletion: no ``draft/message-redaction``)."""
        if kind is Redacted:
            return "draft/message-redaction" not in self.caps
        return "message-tags" not in self.caps

    def send(self, data: bytes) -> None:
        if self.labeled is not None:
            self.labeled.append(data)
        else:
            self.connection.send(data)

    def answer_labeled(self, label: str) -> None:
        """Send what a labeled command caused, labeled (labeled-response):
        ``ACK`` for nothing, the label on a single line, or a
        ``labeled-response`` batch around several."""
        data, self.labeled = b"".join(self.labeled or ()), None
        tag = tag_section({"label": label})
        lines = lines_of(data)
        if not lines:
            self.send(add_tags(build(self.me, "ACK"), tag))
        elif len(lines) == 1 or one_batch(lines):  # the label on its start
            self.send(add_tags(lines[0], tag) + b"".join(lines[1:]))
        elif "batch" in self.caps:
            self.send(in_batch(self.renderer, "labeled-response", (), data, tag))
        else:
            self.send(add_tags(lines[0], tag) + b"".join(lines[1:]))

    def set_caps(self, caps: frozenset[str]) -> None:
        """The capabilities enabled now: the rendering variant follows."""
        self.caps = shared_caps(caps)
        self.render = self.renderer.encoder(caps)
        if self._channels:  # the rooms write its messages in this rendering
            redirected()  # (not before any: a connect storm's CAP redirects none)

    def news_of(self, news: Watched) -> None:
        """News of a user this client monitors (``AWAY``, ``SETNAME``,
        ``ACCOUNT``: :class:`~chatroom.core.model.events.Watched`), if it has
        ``extended-monitor`` and the news' capability, shares no channel
        with the user (then it had the news there) and is not the user,
        with ``@time`` for ``server-time`` (IRCv3 extended-monitor)."""
        if self.name is None or name_key(self.name) == name_key(news.user):
            return
        caps = self.caps
        if WATCHED_CAPS[news.sighting] not in caps or "extended-monitor" not in caps:
            return
        if any(name_key(had) in news.rooms for had in self._channels):
            return
        line = self.renderer.watched(news)
        self.connection.send(
            self.renderer.timed(line) if "server-time" in caps else line
        )

    def stop_watching(self, keys: Iterable[str]) -> None:
        """This client monitors ``keys`` no more; if nobody here monitors
        anyone now, the door stops following the shared side's news."""
        last = False
        for key in keys:
            last = self.directory.unwatch(self, key) or last
        if last:
            following = Deferred.fromCoroutine(
                self.registry.presence.follow_names(self.directory.heard, False)
            )
            following.addErrback(lambda failure: None)  # a resume forgets it

    async def set_account(self, key: str) -> None:
        """The registered session signs in to account ``key`` ("" signs it
        out): the core tells its rooms (``account-notify``) and whoever
        monitors it (``extended-monitor``)."""
        await self.registry.set_account(self.member, key)

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

    def register(self, nick: str, signed_on: float) -> Deferred[None]:
        """The registry gave us ``nick``, the session signing on at
        ``signed_on``: registration is complete. Fires once the server
        counts the session named (``LUSERS``)."""
        self.name = nick
        self.state = REGISTERED
        self.signing_in = self.wanted = None
        self.signed_on = self.spoke = signed_on
        counted = self.connection.named()
        self.directory.arrived(self, nick)
        return counted

    async def renamed(self, nick: str, shared: bool = False) -> None:
        """The registry gave us ``nick`` for the one we had (``NICK``,
        NickServ's ``GHOST``); its presence follows (:meth:`share_presence`)
        unless the claim kept it (``shared``)."""
        old, self.name = self.name, nick
        redirected()  # its own messages are known by its new name
        if old is not None and name_key(old) == name_key(nick):
            self.directory.here[name_key(nick)] = self  # only its case changed
            return
        if old is not None:
            self.directory.left(self, old)
        self.directory.arrived(self, nick)
        if old is not None:
            await self.remember_gone(old)
        if not shared:
            await self.share_presence()

    async def share_presence(self) -> bool:
        """What the other nodes' ``WHO`` and ``WHOIS`` show of this user
        (:mod:`chatroom.core.model.presence`), after each change; whether the
        session is still open once it is done.

        The caller awaits it before it answers the change (the welcome,
        ``305``/``306``, the ``SETNAME`` or ``MODE`` echo), as one server
        has the change before it answers: a client that hears the answer
        and asks another node at once (irctest does) sees it there. The
        core keeps the realname and away message for the session's joins
        (``extended-join``, ``away-notify``). In one process nothing else
        is kept and it returns at once, sending nothing.
        Redis down or slow costs at most ``--redis-timeout``: the failure
        is logged and the answer goes on, the other nodes showing the
        facts as they were until the next change is shared."""
        kept = self.registry.sessions.get(self.member)
        if self.name is None or kept is None:
            return not self.closing
        # what the session keeps goes with the facts, so that a new nick's
        # presence carries it too
        facts = self.presence(self.name, self.signed_on, kept.metadata)
        try:
            await self.registry.presence.set_presence(self.member, facts)
        except ChatError as failed:
            self.log.warn(
                "presence of {user} not shared: {why}", user=self.name, why=failed.code
            )
        return self.still_open

    def presence(
        self, name: str, signed_on: float, metadata: tuple[tuple[str, str], ...] = ()
    ) -> Presence:
        """What the other nodes show of this user as ``name``: the facts
        :meth:`share_presence` shares, and a sign-on's claim carries."""
        return Presence(
            name,
            self.user or "",
            self.realname,
            self.away,
            self.bot,
            self.invisible,
            signed_on,
            metadata=metadata,
        )

    @property
    def still_open(self) -> bool:
        """Whether the session goes on: neither gone nor closing."""
        return self.state != GONE and not self.closing

    async def remember_gone(self, nick: str) -> None:
        """``nick`` is no longer this user's: ``WHOWAS`` on every node
        shows it with this session's USER name and realname
        (:mod:`chatroom.core.model.whowas`). Awaited before the answer that says
        so (the ``ERROR`` of a ``QUIT``, the rest of a ``NICK``), as
        :meth:`share_presence` is; a failure (Redis down) is logged."""
        gone = Departed(nick, self.user or nick, self.realname, self.now)
        if nick == self.name:
            self._whowas_told = True  # gone() need not, if it comes meanwhile
        try:
            await self.registry.presence.remember_gone(gone)
        except ChatError as failed:
            self.log.warn(
                "{nick} not kept for WHOWAS: {why}", nick=nick, why=failed.code
            )

    def gone(self) -> None:
        """The session ended (it quit, or its connection closed): out of
        the door's directory, once, and its nick into ``WHOWAS`` (unless
        its ``QUIT`` put it there)."""
        self.stop_watching(list(self._monitoring or ()))
        self._monitoring = None
        if self._kept_positions is not None:  # it signed in to an account
            self.directory.signed_out(self)
        if self.state == REGISTERED and self.name is not None:
            self.directory.left(self, self.name)
            if self.invisible:
                self.server.counted(invisible=-1)
            if not self._whowas_told:
                Deferred.fromCoroutine(self.remember_gone(self.name))
        self.state = GONE

    def monitored(self, nick: str, online: bool) -> None:
        """A nick this client monitors arrived (``730``) or went (``731``)."""
        if online:
            self.numeric(RPL_MONONLINE, self.renderer.source(nick))
        else:
            self.numeric(RPL_MONOFFLINE, nick)

    @property
    def asking(self) -> bool:
        """Whether a join of ours waits for the registry."""
        return self._asking

    async def entering(self, entering: Awaitable[str]) -> str:
        """Run a join or a create; the channel is ours once it answered.
        Its room's name as entered (a renamed room's former name leads to
        the room)."""
        self._asking = True
        try:
            room = await entering
        finally:
            self._asking = False
        self._add_channel(room)
        return room

    def parted(self, room: str) -> str | None:
        """We are out of ``room`` (left, kicked, deleted); its name as we had
        it, or None if we were not in it. What it was sent there is where a
        join of it again on this connection starts (the room's newest event
        rendered here: :mod:`chatroom.doors.irc.positions`)."""
        had = self.in_channel(room)
        if had is not None:
            key = name_key(room)
            kept = tuple(other for other in self._channels if name_key(other) != key)
            self._channels = rooms_of(kept)
            rendered = self.renderer.newest.get(key)
            if rendered is not None:
                positions = self.positions
                positions[key] = max(positions.get(key, 0), rendered)
        return had

    # -- the Member callbacks that concern the session ----------------------------

    def entered(self, welcome: Welcome) -> None:
        """``JOIN`` and the topic; the room's history as the messages it
        was (:mod:`chatroom.doors.irc.replay`) is rendered now, as it
        stands at the join, and held for :meth:`play_history` after the
        ``NAMES`` reply, the order Ergo sends them in (a ``draft/chathistory``
        client asks for history itself, so it gets none unasked), then a
        ``NOTICE`` saying how many messages are pinned, if any."""
        room = welcome.room
        chan = channel(room)
        account = self.registry.sessions.account_named(self.nick)
        joined = Joined(room, self.nick, account=account, realname=self.realname)
        data = self.render(joined)
        if welcome.topic:
            data += build(self.me, irc.RPL_TOPIC, self.nick, chan, welcome.topic)
            if welcome.topic_at and welcome.topic_by:
                who, when = welcome.topic_by, str(welcome.topic_at)
                data += build(self.me, RPL_TOPICWHOTIME, self.nick, chan, who, when)
        later = b""
        if "draft/chathistory" not in self.caps:
            if welcome.gap:  # a catch-up missed more than it replays
                later = build(self.me, "NOTICE", chan, self._left_out(welcome))
            if welcome.history:
                later += replay(self.renderer, self.caps, chan, welcome.history)
        if welcome.pins:
            later += build(self.me, "NOTICE", chan, pins_notice(welcome.pins))
        if later:
            held = self.held_history or {}
            held[name_key(room)] = later
            self.held_history = held
        if not self._asking:  # another device of the account entered it
            self._add_channel(room)
        self.send(data)
        # Kept for the JOIN's NAMES: a big room's (its members shown), and
        # while we asked, a room listed whole whose marks it carries.
        listed = welcome.owner_alone_marked and self._asking
        self.arrival = welcome if welcome.total is not None or listed else None

    def _left_out(self, welcome: Welcome) -> str:
        """What a catch-up's ``NOTICE`` says of the events it left out: how
        many (the welcome's gap; when the core could not count them, those
        it resumed past are older than the room keeps in memory, and ids
        follow each other, so they are the ids between its start and the
        first it replays), and that a replay holds at most
        ``--resume-bound``."""
        gap, first = welcome.gap, welcome.history[0].id if welcome.history else ""
        if gap == "?" and welcome.since is not None and first.isdigit():
            counted = int(first) - 1 - welcome.since
            gap = str(counted) if counted > 0 else gap
        bound = self.config.resume_bound
        many = "Earlier events" if gap == "?" else f"{gap} earlier events"
        return f"{many} left out: a replay holds the newest {bound}"

    def play_history(self, room: str) -> None:
        """The history (and pins' notice) :meth:`entered` held for
        ``room``, once its join's ``353``/``366`` are sent (nothing if it
        held none)."""
        held = self.held_history
        if held is None:
            return
        data = held.pop(name_key(room), b"")
        if not held:
            self.held_history = None
        if data:
            self.send(data)

    def room_renamed(self, renamed: RoomRenamed) -> bool:
        """A channel we are in has a new name: ``RENAME`` with
        ``draft/channel-rename``; else ``PART`` and ``JOIN`` unless only its
        case changed (the specification's fallback), and then True: the
        join's topic and names are to follow, and a ``NOTICE`` saying what
        happened (:func:`chatroom.doors.irc.renaming.rejoined`). The
        ``PART``'s reason names the new channel, who renamed it and why,
        though irssi closes the old window on it, reason and all. The
        renamer's own lines are its command's answer (labeled if asked)."""
        had = self.in_channel(renamed.room)
        if had is None:
            return False
        new = renamed.new
        self._channels = rooms_of(
            tuple(new if other == had else other for other in self._channels)
        )
        self._positions_moved(had, new)
        send = self.send if renamed.by == self.name else self.connection.send
        if CHANNEL_RENAME in self.caps:
            send(renamed.encoded(self.render))
            return False
        if name_key(had) == name_key(new):
            return False
        said = f"renamed to {channel(new)} by {renamed.by}"
        words = f"{said}: {renamed.reason}" if renamed.reason else said
        account = self.registry.sessions.account_named(self.nick)
        joined = Joined(new, self.nick, account=account, realname=self.realname)
        send(build(self.source, "PART", channel(had), words) + self.render(joined))
        return True

    def _positions_moved(self, old: str, new: str) -> None:
        """Room ``old`` is called ``new``: its positions go with it (the
        renderer's too, once per node: the events after the rename carry
        the new name)."""
        old_key, new_key = name_key(old), name_key(new)
        if old_key == new_key:
            return
        newest = self.renderer.newest
        if old_key in newest:
            newest[new_key] = max(newest.get(new_key, 0), newest[old_key])
        if self._positions is not None and old_key in self._positions:
            self._positions[new_key] = self._positions.pop(old_key)

    def removed(self, room: str, listing: Listing | None) -> None:
        if self.parted(room) is not None:
            self.send(build(self.source, "PART", channel(room), "room deleted"))
