"""The line protocol's session: its states and one handler per command.

:class:`LineCommands` is the part of :class:`chatroom.doors.line.protocol.ChatProtocol`
that knows the commands: the ``COMMANDS`` table (command → handler, states
it is allowed in) and an ``async def do_<command>`` each, written once
against the :class:`~chatroom.core.registry.Registry` whichever implementation
the server has. A refusal is raised as a :class:`~chatroom.core.errors.ChatError`
and answered by the connection's one error boundary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from chatroom.core import errors, rules
from chatroom.core.events import Encoder, to_id_line
from chatroom.core.moderation import Action
from chatroom.core.text import has_control_characters, name_key
from chatroom.core.wire import format_line
from chatroom.doors.base.connection import DoorConnection
from chatroom.doors.line.positions import (
    parse_caps,
    parse_history,
    parse_join,
    render_history,
)
from chatroom.doors.line.rendering import render_listing

USERNAME, LOBBY, ROOM = "username", "lobby", "room"
_ANY, _NAMED, _IN_ROOM, _UNNAMED = (
    frozenset({USERNAME, LOBBY, ROOM}),
    frozenset({LOBBY, ROOM}),
    frozenset({ROOM}),
    frozenset({USERNAME}),
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
/login NAME PASSWORD   sign in to an account (instead of a name)
/register PASSWORD     make your name an account
/register NAME PASSWORD   (before choosing a name) register NAME and sign in
/password OLD NEW      change your password
/unregister PASSWORD   give up your account
Moderating the room you are in (owner and operators):
/op USER, /deop USER   make or unmake an operator (owner only)
/kick USER [REASON]    send someone back to the lobby
/ban USER, /unban USER, /bans   keep someone out (by account, else name)
/set invite-only|topic-lock|keep on|off, /set key KEY|off
/invite USER      let someone into an invite-only room
/info             the room's settings and operators
Server admins: /kill USER [REASON], /gban USER, /gunban USER, /gbans,
/announce TEXT, /delete any room
//text            send a message that starts with /
/quit [REASON]    leave the server"""


# -- argument parsing shared by several commands --------------------------------


def single_word(args: str, usage: str) -> str:
    """The single argument of ``/create NAME`` and the like, or ``BAD_ARGS``."""
    if not args or " " in args:
        raise errors.usage(usage)
    return args


def two_words(args: str, usage: str) -> tuple[str, str]:
    """The two arguments of ``/login NAME PASSWORD`` and the like."""
    words = args.split(" ")
    if len(words) != 2 or not all(words):
        raise errors.usage(usage)
    return words[0], words[1]


def split_private_message(args: str) -> tuple[str, str]:
    """``/msg USER TEXT`` split into its target and its text."""
    target, _, text = args.partition(" ")
    if not target or not text:
        raise errors.usage("/msg USER TEXT")
    return target, text


class LineCommands(DoorConnection):
    """The line protocol's states and command handlers, over the shared
    connection life; :class:`chatroom.doors.line.protocol.ChatProtocol` adds the
    protocol's words (greeting, errors, renderings)."""

    state: str
    room: str | None
    render: Encoder

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
        "login": ("do_login", _UNNAMED),
        "register": ("do_register", _ANY),
        "password": ("do_password", _NAMED),
        "unregister": ("do_unregister", _NAMED),
        "op": ("do_op", _IN_ROOM),
        "deop": ("do_deop", _IN_ROOM),
        "kick": ("do_kick", _IN_ROOM),
        "ban": ("do_ban", _IN_ROOM),
        "unban": ("do_unban", _IN_ROOM),
        "bans": ("do_bans", _IN_ROOM),
        "set": ("do_set", _IN_ROOM),
        "invite": ("do_invite", _IN_ROOM),
        "info": ("do_info", _IN_ROOM),
        "kill": ("do_kill", _NAMED),
        "gban": ("do_gban", _NAMED),
        "gunban": ("do_gunban", _NAMED),
        "gbans": ("do_gbans", _NAMED),
        "announce": ("do_announce", _NAMED),
        "leave": ("do_leave", _IN_ROOM),
        "who": ("do_who", _IN_ROOM),
        "history": ("do_history", _IN_ROOM),
        "topic": ("do_topic", _IN_ROOM),
        "me": ("do_me", _IN_ROOM),
    }

    # -- dispatch ------------------------------------------------------------------

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
            if states == _UNNAMED:
                raise errors.not_allowed(
                    f"/{command} works only before you have a name"
                )
            raise errors.room_command_only(command)
        handler: Callable[[str], Awaitable[None]] = getattr(self, handler_name)
        return handler(args)

    # -- the username state -----------------------------------------------------

    async def choose_name(
        self, name: str, account: str | None = None, takeover: bool = True
    ) -> None:
        if self._closing:  # gone while the password was checked: take nothing
            return
        await self.registry.claim_name(self, name, account, takeover)
        if self._closing:  # gone while the registry answered: give it back
            self.registry.release(self, "connection lost")
            return
        self.name = name
        self.state = LOBBY
        self.named()
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
        name, key, since = parse_join(args)
        await self.registry.join_room(
            self, name, leaving=self.room, since=since, key=key
        )

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

    # -- accounts -----------------------------------------------------------------

    async def do_login(self, args: str) -> None:
        name, password = two_words(args, "/login NAME PASSWORD")
        account = await self.server.account_service.sign_in(name, password, self.host)
        await self.choose_name(account.name, account=account.key)

    async def do_register(self, args: str) -> None:
        if self.state == USERNAME:
            await self.register_new_name(args)
            return
        password = single_word(args, "/register PASSWORD")
        signed_in = self.registry.account_of(self)
        name = str(self.name)
        if signed_in == name_key(name):
            raise errors.name_registered(name)
        if signed_in:
            raise errors.not_allowed(f"you are signed in to {signed_in} already")
        account = await self.server.account_service.register(name, password, self.host)
        await self.registry.set_account(self, account.key)
        self.send(format_line("REGISTERED", account.name))

    async def register_new_name(self, args: str) -> None:
        """``/register NAME PASSWORD`` before having a name: register a free
        name and sign in to it (how users join a ``--require-account``
        server). A name someone holds is ``NAME_TAKEN``: nobody is taken over."""
        name, password = two_words(args, "/register NAME PASSWORD")
        rules.check_name(name)
        account = await self.server.account_service.register(name, password, self.host)
        try:
            await self.choose_name(account.name, account.key, takeover=False)
        except BaseException:
            await self.registry.account_store.delete(account.key)
            raise
        self.send(format_line("REGISTERED", account.name))

    async def do_password(self, args: str) -> None:
        old, new = two_words(args, "/password OLD NEW")
        account = await self.server.account_service.change_password(
            self.registry.account_of(self), old, new, self.host
        )
        self.send(format_line("PASSWORD_CHANGED", account.name))

    async def do_unregister(self, args: str) -> None:
        password = single_word(args, "/unregister PASSWORD")
        account = await self.server.account_service.unregister(
            self.registry.account_of(self), password, self.host
        )
        await self.registry.set_account(self, "")
        self.send(format_line("UNREGISTERED", account.name))

    # -- moderating the room we are in ------------------------------------------

    async def moderate(self, command: str, target: str, value: str = "") -> None:
        await self.registry.moderate(
            self, self._current_room(), Action(command, target, value)
        )

    async def do_op(self, args: str) -> None:
        await self.moderate("op", single_word(args, "/op USER"))

    async def do_deop(self, args: str) -> None:
        await self.moderate("deop", single_word(args, "/deop USER"))

    async def do_kick(self, args: str) -> None:
        user, _, reason = args.partition(" ")
        if not user:
            raise errors.usage("/kick USER [REASON]")
        rules.check_text(reason)
        await self.moderate("kick", user, reason.strip())

    async def do_ban(self, args: str) -> None:
        await self.moderate("ban", single_word(args, "/ban USER|MASK"))

    async def do_unban(self, args: str) -> None:
        await self.moderate("unban", single_word(args, "/unban USER|MASK"))

    async def do_set(self, args: str) -> None:
        setting, value = two_words(args, "/set invite-only|key|topic-lock|keep VALUE")
        await self.moderate("set", setting.lower(), value)

    async def do_invite(self, args: str) -> None:
        await self.moderate("invite", single_word(args, "/invite USER"))

    async def do_bans(self, args: str) -> None:
        settings = await self.registry.room_settings(self, self._current_room())
        self.send(format_line("BANS", settings.room, *settings.bans))

    async def do_info(self, args: str) -> None:
        settings = await self.registry.room_settings(self, self._current_room())
        self.send(
            b"".join(
                format_line("INFO", settings.room, setting, text=value)
                for setting, value in settings.lines
            )
            + format_line("INFO_END", settings.room)
        )

    # -- server admins ----------------------------------------------------------------

    async def do_kill(self, args: str) -> None:
        user, _, reason = args.partition(" ")
        if not user:
            raise errors.usage("/kill USER [REASON]")
        rules.check_text(reason)
        reason = reason.strip() or "no reason given"
        name = await self.registry.kill(self, user, reason)
        self.send(format_line("KILLED", name, str(self.name), text=reason))

    async def do_gban(self, args: str) -> None:
        mask = await self.registry.server_ban(
            self, single_word(args, "/gban USER|MASK"), True
        )
        self.send(format_line("GBAN", mask, str(self.name)))

    async def do_gunban(self, args: str) -> None:
        target = single_word(args, "/gunban USER|MASK")
        mask = await self.registry.server_ban(self, target, False)
        self.send(format_line("GUNBAN", mask, str(self.name)))

    async def do_gbans(self, args: str) -> None:
        account = self.registry.account_of(self)
        masks = await self.server.account_service.server_bans(account)
        self.send(format_line("GBANS", *masks))

    async def do_announce(self, args: str) -> None:
        if not args:
            raise errors.usage("/announce TEXT")
        await self.registry.announce(self, args)

    # -- helpers for the commands -----------------------------------------------

    def _current_room(self) -> str:
        if self.room is None:
            raise errors.not_in_room()
        return self.room

    async def say(self, kind: str, text: str) -> None:
        """A message or action to the room, stamped by the registry."""
        await self.registry.say(self, self._current_room(), kind, text)
