"""The line protocol's session: its states and one handler per command.

A :class:`LineSession` is what one line-protocol connection knows of the
chat: its name, its state (``username`` → ``lobby`` → ``room``), its room,
how it renders events, and its ``async def do_<command>`` handlers, written
once against the :class:`~chatroom.core.registry.Registry`. ``COMMANDS``,
at the end, names every command's handler (one of these methods, or a
function of :mod:`~chatroom.doors.line.moderating`,
:mod:`~chatroom.doors.line.messages` or :mod:`~chatroom.doors.line.account`
taking the session) and the states it is allowed in. The door's
protocol (:class:`chatroom.doors.line.protocol.LineProtocol`, also at
``/ws`` with another :class:`LineOutput`) holds it beside its
:class:`~chatroom.doors.base.connection.Connection`; a refusal is raised as
a :class:`~chatroom.core.model.errors.ChatError` for the protocol's error boundary.

The state changes in one place, :meth:`_settle`: called by the command
once the registry has answered (``/join``, ``/create``, ``/leave``,
``/focus``), or by :meth:`removed` when a room goes away under it, with
the :class:`~chatroom.doors.line.places.Places` that says which rooms the
session is in and which is current (one room, or several with ``/caps
multi``). The registry's :meth:`entered` callback only renders the welcome
and hands its room to the waiting command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from twisted.logger import Logger

from chatroom.core import registering
from chatroom.core.accounts.invitations import Redeemed
from chatroom.core.infra.fanout import redirected
from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Encoder,
    Event,
    Listing,
    LobbyChanges,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import Member, MessageWriter
from chatroom.core.model.text import (
    name_key,
    without_control_characters,
)
from chatroom.core.registry import Registry
from chatroom.doors.base.connection import Connection
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.base.rare_fields import Rare
from chatroom.doors.base.sendq import SendQueue
from chatroom.doors.line import (
    account,
    app_passwords,
    bots,
    calls,
    history,
    invitations,
    mailbox,
    markers,
    messages,
    moderating,
    notify,
    pins,
    profiles,
    reporting,
    slash_commands,
    threads,
    webhooks,
)
from chatroom.doors.line.arguments import (
    name_and_password,
    parse_caps,
    parse_join,
    rest_as_password,
    room_pattern,
    single_word,
    split_private_message,
    split_say,
)
from chatroom.doors.line.keyed import KEYED, render_ack, said_outside
from chatroom.doors.line.markers import render_marker
from chatroom.doors.line.places import NOWHERE, Places
from chatroom.doors.line.rendering import (
    AS_LINES,
    LineOutput,
    hiding_previews,
    render_listing,
    render_lobby_changes,
    render_welcome,
    replay_id_line,
    replay_line,
    replay_rich_line,
)
from chatroom.wire.commands import help_lines
from chatroom.wire.lines import format_line
from chatroom.wire.said import is_command, said_text
from chatroom.wire.txn import split_txn

#: The ``/help`` reply, every line of the wire table's help as ``HELP``,
#: built once.
HELP_REPLY = b"".join(format_line("HELP", text=line) for line in help_lines())

USERNAME, LOBBY, ROOM = "username", "lobby", "room"
_ANY, _NAMED, _IN_ROOM, _UNNAMED = (
    frozenset({USERNAME, LOBBY, ROOM}),
    frozenset({LOBBY, ROOM}),
    frozenset({ROOM}),
    frozenset({USERNAME}),
)


class LineSession:
    """One line-protocol user's states and command handlers.

    Its fields are slots: a server holds one session per client, and an
    idle one should cost little more than its socket.
    """

    __slots__ = (
        "_extras",
        "caps",
        "connection",
        "events",
        "member",
        "name",
        "output",
        "places",
        "previews",
        "render",
        "send_queue",
        "server",
        "state",
    )

    log = Logger()

    #: The invitation ``/redeem`` gave this connection: it may register
    #: one account (chatroom.core.accounts.invitations). Rare, as the next: kept in
    #: ``_extras`` only while set, not in a slot of every connection.
    invited: Rare[Redeemed | None] = Rare(None)
    #: The label of the app password ``/login`` signed in with ("": the
    #: account's own password, or none): chatroom.core.services.app_passwords.
    app_password: Rare[str] = Rare("")
    #: The room ``/in ROOM LINE`` names while LINE runs (None: none is
    #: named, room commands act on the current room): set only for the
    #: one command, so it costs an idle connection nothing.
    addressed: Rare[str | None] = Rare(None)

    def __init__(
        self,
        server: DoorHub,
        connection: Connection,
        member: Member,
        output: LineOutput = AS_LINES,
    ) -> None:
        """Args:
        server: the door's hub: the registry, the clock, the settings.
        connection: the socket's life (sending, closing, timers).
        member: what the registry knows this session as (the protocol).
        output: how lines and events are put on the wire (lines, or
            WebSocket frames at ``/ws``).
        """
        self.server = server
        self.connection = connection
        self.member = member
        self.output = output
        self.name: str | None = None
        self.state = USERNAME
        #: The fields below that are at their default: none of them
        #: (:mod:`~chatroom.doors.base.rare_fields`).
        self._extras: dict[str, Any] | None = None
        #: The rooms it is in and the current one (see :meth:`_settle`).
        self.places = NOWHERE
        #: The capabilities ``/caps`` turned on, in that order.
        self.caps: tuple[str, ...] = ()
        #: How room events are rendered inside this session's own lines
        #: (welcome, history): with ``@ID`` once it sent ``/caps ids``.
        self.render: Encoder = replay_line
        #: How room events are rendered when delivered one by one.
        self.events: Encoder = output.events
        #: The connection's output queue once it is open (the protocol sets
        #: it): deliveries write to it without reading the connection.
        self.send_queue: SendQueue | None = None
        #: Whether link previews are shown (``/set previews on|off``).
        self.previews = True

    @property
    def room(self) -> str | None:
        """The current room: where plain lines and room commands act."""
        return self.places.current

    @property
    def multi(self) -> bool:
        """Whether ``/caps multi`` is on: joins add a room, leaving none."""
        return "multi" in self.caps

    @property
    def host(self) -> str:
        return self.connection.host

    @property
    def registry(self) -> Registry:
        return self.server.registry

    def send(self, data: bytes) -> None:
        """Send the session's own lines (framed as its door needs)."""
        frame = self.output.frame
        self.connection.send(data if frame is None else frame(data))

    # -- output, and the Member callbacks that concern the session ---------------

    def error(self, code: str, text: str) -> None:
        """Send ``ERR code text``; text that echoes input is made safe first."""
        self.send(format_line("ERR", code, text=without_control_characters(text)))

    def refuse(self, refusal: ChatError) -> None:
        self.error(refusal.code, refusal.text)

    def entered(self, welcome: Welcome) -> None:
        """The registry put us in ``welcome.room``: say so (the command that
        asked settles the state once the registry has answered). Without
        ``multi`` the join left the room we were in."""
        old = None if self.multi else self.room
        data = format_line("LEFT", old) if old is not None else b""
        self.send(data + render_welcome(welcome, self.render, "rich" in self.caps))
        if self.multi:  # unasked too: another device of the account entered it
            self._settle(self.places.added(welcome.room))

    def removed(self, room: str, listing: Listing | None) -> None:
        """A room went away under us (deleted, kicked): out of it, to the
        lobby if it was the last, else ``FOCUS`` if it was current."""
        if self.places.find(room) is None:
            return
        self._leave_place(room, listing)

    def room_renamed(self, renamed: RoomRenamed) -> None:
        """One of our rooms has a new name: ``RENAMED``, and we are in it
        under that name (current if it was)."""
        if self.places.find(renamed.room) is None:
            return
        self._settle(self.places.renamed(renamed.room, renamed.new))
        self.deliver(renamed)

    def lobby_changed(self, changes: LobbyChanges) -> None:
        if self.state == LOBBY:
            self.send(changes.encoded(render_lobby_changes))

    def _settle(self, places: Places) -> None:
        """The one place the session's place changes: its rooms, the
        current one, and with them its state (``room`` or ``lobby``)."""
        self.places = places
        self.state = LOBBY if places.current is None else ROOM

    def _leave_place(self, room: str, listing: Listing | None = None) -> None:
        """Out of ``room``: ``FOCUS`` if another room became current,
        ``listing`` (if any) if none remains."""
        was = self.room
        self._settle(self.places.left(room))
        if self.room is None:
            if listing is not None:
                self.send(listing.encoded(render_listing))
        elif self.room != was:
            self.send(format_line("FOCUS", self.room))

    async def _enter(self, entering: Awaitable[str]) -> None:
        """Run a join or a create; settle in the room it welcomed us to
        (a ``multi`` session is then told its read marker there; the call
        on there, if any, came with the welcome)."""
        arrived = await entering
        self._settle(self.places.entered(arrived, self.multi))
        if self.multi:
            marker = await self.registry.markers.read_marker(self.member, arrived)
            self.send(render_marker(arrived, marker))

    def _in(self, room: str) -> str:
        """A room this session is in, by any spelling (``NOT_IN_ROOM``)."""
        found = self.places.find(room)
        if found is None:
            raise errors.not_in_room(f"you are not in {room}")
        return found

    # -- dispatch ------------------------------------------------------------------

    async def handle(self, line: str) -> None:
        """Dispatch one line by state: a name, a command or a message."""
        if is_command(line):
            command, _, args = line[1:].partition(" ")
            await self.command(command.lower(), args.strip())
        elif self.state == USERNAME:
            await self.choose_name(line.strip())
        elif self.state == ROOM:
            if not line:
                raise errors.bad_args("empty message not sent")
            await self.say(said_text(line))
        else:
            raise errors.in_lobby()

    def command(self, command: str, args: str) -> Awaitable[None]:
        entry = COMMANDS.get(command)
        if entry is None:
            if self.addressed or self.state == ROOM:  # the room's own, if any
                return slash_commands.run_slash(self, command, args)
            raise errors.unknown_command(command)
        handler, states = entry
        if self.state not in states:
            if self.state == USERNAME:
                raise errors.no_name()
            if states == _UNNAMED:
                raise errors.not_allowed(
                    f"/{command} works only before you have a name"
                )
            raise errors.room_command_only(command)
        return handler(self, args)

    # -- the username state -----------------------------------------------------

    async def choose_name(
        self, name: str, account: str | None = None, takeover: bool = True
    ) -> None:
        if self.connection.closing:  # gone while the password was checked: take nothing
            return
        self.connection.verdict.check_name(account)  # a listed address (--dnsbl)
        await self.registry.claim_name(self.member, name, account, takeover)
        await self._named(name)

    async def _named(self, name: str) -> None:
        """The registry gave us ``name``: the lobby (gone meanwhile: give it
        back)."""
        if self.connection.closing:  # gone while the registry answered
            self.registry.release(self.member, "connection lost")
            return
        if self.name and self.name != name:
            redirected()  # its own messages are known by its new name
        self.name = name
        self.state = LOBBY
        await self.connection.named()  # counted on every node before WELCOME
        self.log.info("{host} is now {user}", host=self.host, user=name)
        self.send(format_line("WELCOME", name))
        for line in self.connection.config.motd or ():  # --motd, if given
            self.send(format_line("MOTD", text=line))
        await self.send_lobby_list()
        await self.registry.messages.deliver_kept(self.member)  # an account's, kept

    async def send_lobby_list(self) -> None:
        """The lobby's list, on entering the lobby: at most ``--lobby-rooms``
        rooms, ``ROOMS`` saying how many more ``/list`` lists."""
        listing = await self.registry.rooms.lobby_rooms(self.member)
        self.send(listing.encoded(render_listing))

    async def send_room_list(self, pattern: str = "") -> None:
        """Every room (``/list``), or those whose name matches ``pattern``
        (``/list PATTERN``: :func:`room_pattern`)."""
        listing = await self.registry.rooms.list_rooms(self.member)
        if pattern:
            matches = room_pattern(pattern)
            listing = listing.keeping(lambda info: matches(name_key(info.name)))
        self.send(listing.encoded(render_listing))

    # -- commands ---------------------------------------------------------------

    async def do_nick(self, args: str) -> None:
        single_word(args, "/nick NAME")
        if self.state == USERNAME:
            await self.choose_name(args)
            return
        old = self.name
        await self.registry.claim_name(self.member, args)  # NICK came from it
        self.name = args
        redirected()  # its own messages are known by its new name
        self.log.info("{old} is now {new}", old=old, new=args)

    async def do_help(self, args: str) -> None:
        self.send(HELP_REPLY)

    async def do_limits(self, args: str) -> None:
        """``/limits``: this connection's flood limits, so that a client paces
        its lines to the server it is on instead of to the defaults."""
        config = self.connection.config
        self.send(
            format_line(
                "LIMITS", f"{config.rate:g}", str(config.burst), str(config.max_backlog)
            )
        )

    async def do_quit(self, args: str) -> None:
        """``/quit [REASON]``: the core's quit, then ``BYE`` with its words."""
        self.connection.close(self.registry.quit(self.member, args))

    async def do_list(self, args: str) -> None:
        await self.send_room_list(single_word(args, "/list [PATTERN]") if args else "")

    async def do_create(self, args: str) -> None:
        name = single_word(args, "/create NAME")
        leaving = None if self.multi else self.room
        await self._enter(self.registry.rooms.create_room(self.member, name, leaving))

    async def do_join(self, args: str) -> None:
        name, key, since = parse_join(args)
        leaving = None if self.multi else self.room
        await self._enter(
            self.registry.rooms.join_room(
                self.member, name, leaving, since, key, catch_up=self.multi
            )
        )

    async def do_caps(self, args: str) -> None:
        wanted = parse_caps(args)  # every name known, or nothing turned on
        if "rich" in wanted:
            wanted.insert(0, "ids")  # rich turns ids on too
        widened = "multi" in wanted and not self.multi and self.state != USERNAME
        self.caps += tuple(dict.fromkeys(c for c in wanted if c not in self.caps))
        if "ids" in self.caps:  # stored events with @ID, and tags if rich
            rich = "rich" in self.caps
            self.render = replay_rich_line if rich else replay_id_line
        self._choose_events()
        self.send(format_line("CAPS", *self.caps))
        if widened:  # the other rooms of the account, if it is in several
            await self.registry.devices.show_rooms(self.member)

    def _choose_events(self) -> None:
        """How delivered events are rendered: by the capabilities on, and
        without link previews once they were turned off."""
        output = self.output
        if "rich" in self.caps:
            events = output.events_rich
        else:
            events = output.events_with_ids if "ids" in self.caps else output.events
        self.events = events if self.previews else hiding_previews(events)
        if self.places.rooms:  # the rooms write its messages in this rendering
            redirected()  # (not before any: a connect storm's /caps redirects none)

    def show_previews(self, on: bool) -> None:
        """``/set previews on|off``: this connection's link previews shown
        or hidden (answered ``PREVIEWS on|off``)."""
        self.previews = on
        self._choose_events()
        self.send(format_line("PREVIEWS", "on" if on else "off"))

    async def do_focus(self, args: str) -> None:
        room = self._in(single_word(args, "/focus ROOM"))
        self._settle(self.places.focused(room))
        self.send(format_line("FOCUS", room))

    async def do_say(self, args: str) -> None:
        room, text = split_say(args)
        await self.registry.messages.say(self.member, self._in(room), text)

    async def do_txn(self, args: str) -> None:
        """``/txn KEY LINE``: LINE done once per KEY of this sender, then
        ``ACK`` (:mod:`chatroom.doors.line.keyed`). LINE must be one a key
        may carry, sent where LINE alone may be (in a room, or the lobby
        for ``/msg``), and is refused as LINE alone would be."""
        try:
            key, command, rest = split_txn(args)
        except ValueError as why:
            raise errors.bad_args(str(why)) from None
        if command:
            _, states = COMMANDS[command]
            if self.state not in states:
                refusal = errors.room_command_only(command)
                if command != "say":
                    raise refusal
                # /say names its room: a repeat from the lobby is answered
                acknowledged = await said_outside(self, rest, key, refusal)
                self.send(render_ack(acknowledged))
                return
        elif self.state != ROOM:
            raise errors.in_lobby()
        acknowledged = await KEYED[command](self, rest, key)
        self.send(render_ack(acknowledged))

    async def do_in(self, args: str) -> None:
        """``/in ROOM LINE``: LINE (words, ``/me``, any room command) runs
        in ROOM, one of this session's rooms, as if ROOM were current,
        and the current room stays what it was. A client addresses what
        is typed in a room's view by the room's name this way, so a line
        never lands in whichever room the server last made current (a
        ``/focus`` still on its way, a room shown unasked at sign-in)."""
        room, _, line = args.partition(" ")
        if not room or not line:
            raise errors.usage("/in ROOM LINE")
        named, self.addressed = self.addressed, self._in(room)
        try:
            await self.handle(line)
        finally:
            self.addressed = named

    async def do_leave(self, args: str) -> None:
        """``/leave [ROOM]``: without ``multi`` the one room, whatever ROOM."""
        if args and self.multi:
            room = self._in(single_word(args, "/leave [ROOM]"))
        else:
            room = self.current_room()
        await self.registry.rooms.leave_room(self.member, room)
        if self.places.find(room) is not None:  # not removed meanwhile
            self.send(format_line("LEFT", room))
            self._leave_place(room)
        if self.room is None:
            await self.send_lobby_list()

    async def do_who(self, args: str) -> None:
        details = await self.registry.rooms.room_details(self.current_room())
        reply = format_line("MEMBERS", details.room, *details.members)
        if details.owner:
            reply += format_line("OWNER", details.room, details.owner)
        self.send(reply)

    async def do_topic(self, args: str) -> None:
        room = self.current_room()
        if args:
            await self.registry.rooms.set_topic(self.member, room, args)
            return
        details = await self.registry.rooms.room_details(room)
        self.send(
            format_line(
                "TOPIC", details.room, details.topic_by or "-", text=details.topic
            )
        )

    def message_writer(self) -> MessageWriter | None:
        """A message by another, as :meth:`deliver` renders and writes it
        (every event is written so here): the room's fan-out writes it."""
        send_queue, name = self.send_queue, self.name
        if send_queue is None or not name:
            return None
        return MessageWriter(
            name, self.events, send_queue.write, send_queue, every_event=True
        )

    def deliver(self, event: Event) -> None:
        """A room event or private message, rendered as this session
        renders events (the protocol's ``deliver``, on the hot path: it
        reads this session, the event and the queue, which takes nothing
        once the connection is closing)."""
        send_queue = self.send_queue
        if send_queue is not None:
            send_queue.write(event.encoded(self.events))

    async def do_me(self, args: str) -> None:
        if not args:
            raise errors.usage("/me TEXT")
        await self.say(args, action=True)

    async def do_msg(self, args: str) -> None:
        target, text = split_private_message(args)
        event = await self.registry.messages.private_message(self.member, target, text)
        if name_key(event.recipient) != name_key(str(self.name)):
            self.deliver(event)  # our copy; the target has had its own

    async def do_watch(self, args: str) -> None:
        if args not in ("on", "off"):
            raise errors.usage("/watch on|off")
        await self.registry.rooms.watch_lobby(self.member, args == "on")
        self.send(
            format_line("LOBBY", text="watching" if args == "on" else "not watching")
        )

    async def do_delete(self, args: str) -> None:
        """``/delete NAME``: its members hear ``DELETED``; so does its owner
        deleting it from outside (an account's room kept empty)."""
        name = single_word(args, "/delete NAME")
        inside = self.places.find(name) is not None
        deleted = await self.registry.rooms.delete_room(self.member, name)
        if not inside:
            self.send(format_line("DELETED", deleted, str(self.name)))

    async def do_rename(self, args: str) -> None:
        name, _, reason = args.strip().partition(" ")
        if not name:
            raise errors.usage("/rename NEWNAME [REASON]")
        await self.registry.rooms.rename_room(
            self.member, self.current_room(), name, reason.strip()
        )

    # -- accounts -----------------------------------------------------------------

    async def do_login(self, args: str) -> None:
        name, password = name_and_password(args, "/login NAME PASSWORD")
        account, self.app_password = await self.registry.accounts.sign_in_or_app(
            name, password, self.host
        )
        await self.choose_name(account.name, account=account.key)

    async def do_session(self, args: str) -> None:
        """A device session (:mod:`chatroom.core.accounts.sign_in_tokens`):
        ``/session TOKEN`` before a name signs in as ``/login`` does;
        ``/session new`` (an account signed in with its own password) is
        answered ``SESSION <token> <seconds>``; ``/session end`` ends the
        one this connection holds, ``SESSION_ENDED``."""
        word = single_word(args, "/session new|end|TOKEN")
        sign_ins = self.registry.accounts.sign_ins
        if word in ("new", "end"):
            if self.state == USERNAME:
                raise errors.no_name()
            account = self.registry.sessions.account_of(self.member)
            if word == "end":
                await sign_ins.end(self.member, account)
                self.send(format_line("SESSION_ENDED"))
                return
            token, seconds = await sign_ins.issue(
                self.member, account, self.app_password
            )
            self.send(format_line("SESSION", token, str(seconds)))
            return
        if self.state != USERNAME:
            raise errors.not_allowed("/session TOKEN works only before you have a name")
        found, held = await sign_ins.sign_in(word, self.host)
        if self.connection.closing:
            return  # gone meanwhile: nothing to hold
        self.app_password = ""
        # Held before the name is taken: the device is listed among the
        # account's (on every node) while its sign-in still goes on, and a
        # /logout of it then ends this token too.
        sign_ins.signed_in(self.member, held)
        try:
            await self.choose_name(found.name, account=found.key)
        except BaseException:
            sign_ins.let_go(self.member)
            raise

    async def do_oidc(self, args: str) -> None:
        """``/oidc TICKET``: the web page, back from the OpenID provider,
        signs in to the account its ticket names (chatroom.core.accounts.oidc)."""
        ticket = single_word(args, "/oidc TICKET")
        if self.server.oidc is None:
            raise errors.not_allowed("this server signs in with no OpenID provider")
        account = await self.server.oidc.sign_in_ticket(ticket)
        await self.choose_name(account.name, account=account.key)

    async def do_register(self, args: str) -> None:
        self.connection.verdict.check_registration()  # a listed address (--dnsbl)
        if self.state == USERNAME:
            await self.register_new_name(args)
            return
        account = await registering.register_name(
            self.registry.accounts,
            self.registry,
            self.member,
            rest_as_password(args, "/register PASSWORD"),
            self.host,
            self.invited,
        )
        self.send(format_line("REGISTERED", account.name))
        mailbox.tell_email_required(self, account)
        await self._invited_in()

    async def register_new_name(self, args: str) -> None:
        """``/register NAME PASSWORD`` before a name (``--require-account``
        servers): a name someone holds is ``NAME_TAKEN``, never taken over."""
        name, password = name_and_password(args, "/register NAME PASSWORD")
        account = await registering.register_new_name(
            self.registry.accounts,
            self.registry,
            self.member,
            name,
            password,
            self.host,
            self.invited,
        )
        await self._named(account.name)
        self.send(format_line("REGISTERED", account.name))
        mailbox.tell_email_required(self, account)
        await self._invited_in()

    async def _invited_in(self) -> None:
        """An account registered: the invitation redeemed is spent, and the
        new account joins its room, if it names one (a room gone since, or
        one that keeps it out, is said as a refusal to ``/join`` is)."""
        invited, self.invited = self.invited, None
        if invited is not None and invited.room:
            await self.do_join(invited.room)

    # -- helpers for the commands -----------------------------------------------

    def current_room(self) -> str:
        """The room a room command acts on: the one ``/in`` named while
        its line runs, else the current room (``NOT_IN_ROOM``: none).
        Every plain line asks this, and nearly every session holds no rare
        field (``_extras`` None), so ``/in``'s room is read through its
        descriptor only when one is set: no call on the message path."""
        if self._extras is None:
            room = self.places.current
        else:
            room = self.addressed or self.places.current
        if room is None:
            raise errors.not_in_room()
        return room

    async def say(self, text: str, action: bool = False) -> None:
        """A message or action to the room, stamped by the registry."""
        await self.registry.messages.say(
            self.member, self.current_room(), text, action=action
        )


#: A command's handler: the session and the command's arguments.
Handler = Callable[[LineSession, str], Awaitable[None]]

#: command → (handler, states it is allowed in): every line command.
COMMANDS: dict[str, tuple[Handler, frozenset[str]]] = {
    "nick": (LineSession.do_nick, _ANY),
    "caps": (LineSession.do_caps, _ANY),
    "help": (LineSession.do_help, _ANY),
    "quit": (LineSession.do_quit, _ANY),
    "limits": (LineSession.do_limits, _ANY),
    "list": (LineSession.do_list, _NAMED),
    "create": (LineSession.do_create, _NAMED),
    "join": (LineSession.do_join, _NAMED),
    "msg": (LineSession.do_msg, _NAMED),
    "watch": (LineSession.do_watch, _NAMED),
    "delete": (LineSession.do_delete, _NAMED),
    "rename": (LineSession.do_rename, _IN_ROOM),
    "login": (LineSession.do_login, _UNNAMED),
    "oidc": (LineSession.do_oidc, _UNNAMED),
    "session": (LineSession.do_session, _ANY),
    "register": (LineSession.do_register, _ANY),
    "password": (account.do_password, _NAMED),
    "unregister": (account.do_unregister, _NAMED),
    "devices": (account.do_devices, _NAMED),
    "logout": (account.do_logout, _NAMED),
    "token": (account.do_token, _NAMED),
    "export": (account.do_export, _NAMED),
    "delete-account": (account.do_delete_account, _NAMED),
    "push": (account.do_push, _NAMED),
    "app-password": (app_passwords.do_app_password, _NAMED),
    "bot": (bots.do_bot, _NAMED),
    "email": (mailbox.do_email, _NAMED),
    "verify": (mailbox.do_verify, _NAMED),
    "reset": (mailbox.do_reset, _ANY),
    "redeem": (invitations.do_redeem, _ANY),
    "invite-link": (invitations.do_invite_link, _NAMED),
    "invite-links": (invitations.do_invite_links, _NAMED),
    "op": (moderating.do_op, _IN_ROOM),
    "deop": (moderating.do_deop, _IN_ROOM),
    "owner": (moderating.do_owner, _IN_ROOM),
    "voice": (moderating.do_voice, _IN_ROOM),
    "opmsg": (moderating.do_opmsg, _IN_ROOM),
    "devoice": (moderating.do_devoice, _IN_ROOM),
    "kick": (moderating.do_kick, _IN_ROOM),
    "ban": (moderating.do_ban, _IN_ROOM),
    "unban": (moderating.do_unban, _IN_ROOM),
    "bans": (moderating.do_bans, _IN_ROOM),
    "set": (moderating.do_set, _NAMED),  # previews in the lobby too
    "invite": (moderating.do_invite, _IN_ROOM),
    "info": (moderating.do_info, _IN_ROOM),
    "kill": (moderating.do_kill, _NAMED),
    "gban": (moderating.do_gban, _NAMED),
    "gunban": (moderating.do_gunban, _NAMED),
    "gbans": (moderating.do_gbans, _NAMED),
    "announce": (moderating.do_announce, _NAMED),
    "lockdown": (moderating.do_lockdown, _NAMED),
    "ignore": (moderating.do_ignore, _NAMED),
    "unignore": (moderating.do_unignore, _NAMED),
    "ignores": (moderating.do_ignores, _NAMED),
    "rehash": (moderating.do_rehash, _NAMED),
    "leave": (LineSession.do_leave, _IN_ROOM),
    "focus": (LineSession.do_focus, _IN_ROOM),
    "say": (LineSession.do_say, _IN_ROOM),
    "in": (LineSession.do_in, _IN_ROOM),
    "txn": (LineSession.do_txn, _NAMED),
    "read": (markers.do_read, _NAMED),
    "unread": (markers.do_unread, _NAMED),
    "conversations": (markers.do_conversations, _NAMED),
    "who": (LineSession.do_who, _IN_ROOM),
    "history": (history.do_history, _NAMED),
    "topic": (LineSession.do_topic, _IN_ROOM),
    "me": (LineSession.do_me, _IN_ROOM),
    "paste": (messages.do_paste, _IN_ROOM),
    "reply": (messages.do_reply, _IN_ROOM),
    "edit": (messages.do_edit, _IN_ROOM),
    "redact": (messages.do_redact, _IN_ROOM),
    "react": (messages.do_react, _IN_ROOM),
    "unreact": (messages.do_unreact, _IN_ROOM),
    "typing": (messages.do_typing, _IN_ROOM),
    "modlog": (messages.do_modlog, _NAMED),  # /modlog server from the lobby too
    "webhook": (webhooks.do_webhook, _IN_ROOM),
    "command": (slash_commands.do_command, _IN_ROOM),
    "call": (calls.do_call, _NAMED),
    "search": (messages.do_search, _NAMED),
    "thread": (threads.do_thread, _IN_ROOM),
    "threads": (threads.do_threads, _IN_ROOM),
    "follow": (threads.do_follow, _IN_ROOM),
    "unfollow": (threads.do_unfollow, _IN_ROOM),
    "pin": (pins.do_pin, _IN_ROOM),
    "unpin": (pins.do_unpin, _IN_ROOM),
    "pins": (pins.do_pins, _IN_ROOM),
    "report": (reporting.do_report, _NAMED),
    "reports": (reporting.do_reports, _NAMED),
    "notify": (notify.do_notify, _NAMED),
    "profile": (profiles.do_profile, _NAMED),
}
