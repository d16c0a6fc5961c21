"""Outgoing slash commands: ``/NAME ARGS`` in a room calls a URL and shows
its answer, as Mattermost's and Slack's custom slash commands do.

A room's owner (or a server admin) adds a command with ``/command add
NAME URL`` and is shown its token, which every call carries so that the
receiver knows the call is the room's. A member's ``/NAME ARGS`` in that
room ``POST``s Mattermost's form fields (:func:`call_fields`) to the URL,
and the answer (:func:`answer_of`) is said in the room by ``NAME[bot]``
(``in_channel``: stored, tagged ``bot``, through the one append, as a
webhook's post is) or shown only to the device that typed it
(``ephemeral``: an :class:`~chatroom.core.model.slash_commands.Ephemeral`
its door renders). Every rule is here, once: who may manage a room's
commands, what a name and a URL may be, how many a room may have, what
a call sends and how long it waits (:data:`ANSWER_SECONDS`, on the
injected clock), and what an answer may be.

The URL is a user's word, and the server posts to it from inside its own
network: the wiring's :class:`CommandCaller` makes every request through
the server's one outbound guard (``OutboundGuard``, docs/operations.md
"Requests made on a user's word"), which vets the URL when it is added and
checks the address again at each call, and never follows a redirect (a
``3xx`` answer is a failure, as is anything but ``200``). A back-end only
keeps the commands (its
:class:`~chatroom.core.model.slash_commands.CommandStore`), with the
room: they go when it goes and follow its renames.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from twisted.internet.defer import CancelledError, Deferred, TimeoutError
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import (
    AddCommand,
    CommandHeld,
    FewerCommandsThan,
    RemoveCommand,
    RoomCommands,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.member import Member
from chatroom.core.model.slash_commands import Ephemeral, SlashCommand
from chatroom.core.model.text import has_control_characters, name_key
from chatroom.core.policy.moderation import Actor, check_manager, check_speak
from chatroom.core.rooms.store import RoomStore
from chatroom.core.rooms.webhooks import bot_name, say_as_bot, slack_text
from chatroom.wire.commands import COMMANDS as SERVER_COMMANDS
from chatroom.wire.lines import format_time
from chatroom.wire.pastes import oversize, pasted_lines

#: The most slash commands one room may have.
COMMANDS_PER_ROOM = 10
#: How long a call may take, from the request to the answer's last byte.
ANSWER_SECONDS = 5.0
#: The largest answer read (a longer one is a failure).
ANSWER_MAX = 64 * 1024
#: Random bytes in a command's token (32 characters of base64url).
TOKEN_BYTES = 24
#: A command's name: 1 to 32 letters, digits, ``_`` and ``-``.
_NAME = re.compile(r"[\w-]{1,32}")
#: The longest URL a command may have.
URL_MAX = 2000

#: Mattermost's answer types: said in the room, or to the typer alone.
IN_CHANNEL, EPHEMERAL = "in_channel", "ephemeral"


class CallFailedError(Exception):
    """A call that got no HTTP answer: why, as the user is told it (never
    the address the URL's host resolved to)."""


@dataclass(frozen=True)
class CallReply:
    """An HTTP answer as the caller read it: its status, its content type
    (lower case, without parameters) and its body."""

    status: int
    content_type: str
    body: bytes


class CommandCaller(Protocol):
    """The wiring's edge that reaches a command's URL, through the server's
    one outbound guard, following no redirect."""

    def vet(self, url: str) -> Deferred[bool]:
        """Whether the guard would let a request to ``url`` be made now."""
        ...

    def post(self, url: str, fields: Sequence[tuple[str, str]]) -> Deferred[CallReply]:
        """``POST`` ``fields`` form-encoded to ``url``; the answer, its body
        at most :data:`ANSWER_MAX` bytes. Cancelling it drops the request.

        Raises (as its failure):
            CallFailedError: no answer (refused by the guard, no
                connection, a body too long).
        """
        ...


@dataclass(frozen=True)
class CommandAnswer:
    """What a command answered: ``kind`` :data:`IN_CHANNEL` or
    :data:`EPHEMERAL` and its lines (none: show nothing), and the name it
    asked to be shown under (``""``: the command's)."""

    kind: str
    lines: tuple[str, ...] = ()
    username: str = ""


def check_command_name(name: str) -> None:
    """1 to 32 letters, digits, ``_`` and ``-`` (``BAD_NAME``); not one of
    the server's own commands (``NAME_TAKEN``)."""
    if not _NAME.fullmatch(name):
        raise errors.bad_command_name()
    if name.lower() in SERVER_COMMANDS:
        raise errors.command_is_the_servers(name)


def check_command_url(url: str) -> None:
    """An ``http://`` or ``https://`` URL with a host (``BAD_ARGS``)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or len(url) > URL_MAX
        or has_control_characters(url)
        or any(character.isspace() for character in url)
    ):
        raise errors.bad_args("a command's URL is an http:// or https:// URL")


def command_key(name: str) -> str:
    """A command's name as names are compared: case folded."""
    return name.casefold()


def call_fields(
    command: SlashCommand, text: str, actor: Actor, room: str, team: str
) -> list[tuple[str, str]]:
    """Mattermost's form fields of a call: the command's token, ``/NAME``,
    the arguments, who typed it, the room (its name, and its name key for
    an id), the account (else the name) and the server's ``--name``."""
    return [
        ("token", command.token),
        ("command", "/" + command.name),
        ("text", text),
        ("user_name", actor.name),
        ("channel_name", room),
        ("channel_id", name_key(room)),
        ("user_id", actor.account or actor.name),
        ("team_domain", team),
    ]


def answer_of(reply: CallReply) -> CommandAnswer:
    """What a reply means: Mattermost's or Slack's JSON (``text``,
    ``response_type``, ``username``), or plain text (an ephemeral
    answer); an empty ``200`` shows nothing.

    Raises:
        CallFailedError: a status other than ``200`` (a redirect too: none
            is followed), a body that is neither, lines past a paste's
            bounds.
    """
    if 300 <= reply.status < 400:
        raise CallFailedError(f"it redirected: {reply.status}")
    if reply.status != 200:
        raise CallFailedError(f"status {reply.status}")
    try:
        body = reply.body.decode("utf-8")
    except UnicodeDecodeError:
        raise CallFailedError("its answer is not UTF-8") from None
    if not body.strip():
        return CommandAnswer(EPHEMERAL)
    if reply.content_type == "text/plain":
        return CommandAnswer(EPHEMERAL, _lines(body))
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("text", ""), str):
        raise CallFailedError('its answer is neither {"text": ...} nor plain text')
    kind = data.get("response_type")
    username = data.get("username")
    return CommandAnswer(
        IN_CHANNEL if kind == IN_CHANNEL else EPHEMERAL,
        _lines(slack_text(data.get("text", ""))),
        username if isinstance(username, str) else "",
    )


def _lines(text: str) -> tuple[str, ...]:
    """An answer's lines, under a paste's bounds, without control
    characters (a failure otherwise)."""
    lines = pasted_lines(text)
    if oversize(lines):
        raise CallFailedError("its answer is too long")
    if any(has_control_characters(line) for line in lines):
        raise CallFailedError("its answer holds control characters")
    return tuple(lines)


def _timed_out(result: object, timeout: float) -> CallReply:
    """A call cancelled at its time limit failed for that, however the
    HTTP client words its cancellation."""
    raise TimeoutError(f"no answer in {timeout:g} s")


@dataclass(frozen=True)
class SlashCall:
    """A call decided on (:meth:`SlashCommands.called`): ``command`` of
    ``room`` (its name as kept), posted ``fields``."""

    command: SlashCommand
    room: str
    fields: list[tuple[str, str]]


class SlashCommands:
    """``/command add|list|remove`` and the calls (composed into the core)."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        rooms: RoomStore,
        apply: Applies,
        actor: Callable[[Member], Actor],
        place: Callable[[Member, str], str],
        caller: CommandCaller | None,
    ) -> None:
        """Args:
        rooms: a room's facts and its commands as kept.
        apply: the back-end's one write (a command added or removed, an
            answer said in the room).
        actor: who a door's member is, with what standing.
        place: the room a member is in by that name (``NOT_IN_ROOM``).
        caller: reaches the URLs (None: no command can be added or used).
        """
        self.clock = clock
        #: ``--name``: every call's ``team_domain``.
        self.team = config.name
        #: ``--retention-age``, for the operand each answer is kept with.
        self.retention_age = config.retention_age
        self.rooms = rooms
        self.apply = apply
        self.actor = actor
        self.joined_room = place
        self.caller = caller

    async def _managed(self, member: Member, room: str) -> tuple[str, Actor]:
        """The room ``member`` is in, by its own name, if it may manage its
        commands; and who it is."""
        facts = await self.rooms.facts(self.joined_room(member, room))
        actor = self.actor(member)
        refusal = errors.not_command_owner(facts.room.name)
        check_manager(facts.room, actor, refusal)
        return facts.room.name, actor

    def _caller(self) -> CommandCaller:
        if self.caller is None:
            raise errors.ChatError(
                "UNAVAILABLE", "this server makes no requests for slash commands"
            )
        return self.caller

    async def add(self, member: Member, room: str, name: str, url: str) -> SlashCommand:
        """A command ``/name`` for the room, posting to ``url``: decided on
        its commands as read (no other of that name, fewer than
        :data:`COMMANDS_PER_ROOM`), its URL vetted by the guard, and added
        on those premises, or decided again."""
        check_command_name(name)
        check_command_url(url)
        where, actor = await self._managed(member, room)
        if not await self._caller().vet(url):
            raise errors.command_not_public()
        key = command_key(name)

        async def attempt() -> SlashCommand:
            kept = await self.rooms.commands.of_room(where)
            if any(command_key(each.name) == key for each in kept):
                raise errors.command_exists(name, where)
            if len(kept) >= COMMANDS_PER_ROOM:
                raise errors.commands_full(where, COMMANDS_PER_ROOM)
            token = secrets.token_urlsafe(TOKEN_BYTES)
            command = SlashCommand(name, url, token, actor.name)
            premises = (CommandHeld(key, False), FewerCommandsThan(COMMANDS_PER_ROOM))
            added = DecidedChange(
                RoomCommands(name_key(where)), premises, (AddCommand(key, command),)
            )
            await self.apply(added)
            return command

        command = await retried(attempt)
        self._logged(actor, "added", name, where)
        return command

    async def remove(self, member: Member, room: str, name: str) -> str:
        """Returns the room's name."""
        where, actor = await self._managed(member, room)
        key = command_key(name)

        async def attempt() -> None:
            kept = await self.rooms.commands.of_room(where)
            if not any(command_key(each.name) == key for each in kept):
                raise errors.no_such_command(name, where)
            change = DecidedChange(
                RoomCommands(name_key(where)),
                (CommandHeld(key, True),),
                (RemoveCommand(key),),
            )
            await self.apply(change)

        await retried(attempt)
        self._logged(actor, "removed", name, where)
        return where

    async def listed(self, member: Member, room: str) -> tuple[str, list[SlashCommand]]:
        """The room's name and its commands, by name."""
        where, _ = await self._managed(member, room)
        return where, await self.rooms.commands.of_room(where)

    def _logged(self, actor: Actor, done: str, name: str, room: str) -> None:
        """Who added or removed which command where (never its token)."""
        self.log.info(
            "{user} {done} slash command /{command} in {room}",
            user=actor.name,
            done=done,
            command=name,
            room=room,
        )

    async def called(
        self, member: Member, room: str, name: str, text: str
    ) -> SlashCall:
        """``/name text`` typed by ``member`` in ``room``: the call to make,
        once the room has the command and the member may use it (a door
        answers these refusals in the order its lines came, and need not
        wait for the call's answer to read the next line).

        Raises:
            ChatError: ``UNKNOWN_COMMAND`` (the room has no such command),
                ``NOT_IN_ROOM``, ``MODERATED`` (a member who may not speak
                in the room calls nothing).
        """
        where = self.joined_room(member, room)
        key = command_key(name)
        kept = await self.rooms.commands.of_room(where)
        command = next((each for each in kept if command_key(each.name) == key), None)
        if command is None:
            raise errors.unknown_command(name)
        facts = await self.rooms.facts(where)
        where = facts.room.name
        actor = self.actor(member)
        # The answer is said in the room: from a member who may speak there.
        check_speak(facts.room, actor)
        return SlashCall(
            command, where, call_fields(command, text, actor, where, self.team)
        )

    async def answered(self, call: SlashCall) -> Ephemeral | None:
        """``call`` made: its answer said in the room (None) or for the
        typer alone.

        Raises:
            ChatError: ``UNAVAILABLE`` (no answer in :data:`ANSWER_SECONDS`,
                or not one of Mattermost's), or a refusal of the room (gone
                meanwhile).
        """
        command, where = call.command, call.room
        try:
            answer = answer_of(await self._call(command.url, call.fields))
        except CallFailedError as why:
            self.log.info(
                "slash command /{command} in {room} did not answer ({why})",
                command=command.name,
                room=where,
                why=why,
            )
            raise errors.command_silent(command.name, str(why)) from None
        if not answer.lines:
            return None
        shown = bot_name(answer.username, command.name)
        now = self.clock.seconds()
        if answer.kind == EPHEMERAL:
            shown_lines = tuple(line for line in answer.lines if line.strip())
            return Ephemeral(where, shown, format_time(now), shown_lines)
        lines = list(answer.lines)
        await say_as_bot(self.apply, where, shown, lines, now, self.retention_age)
        return None

    async def _call(self, url: str, fields: list[tuple[str, str]]) -> CallReply:
        """The POST, bounded by :data:`ANSWER_SECONDS` on the clock."""
        request = self._caller().post(url, fields)
        request.addTimeout(ANSWER_SECONDS, self.clock, _timed_out)
        try:
            return await request
        except (TimeoutError, CancelledError):
            raise CallFailedError(f"no answer in {ANSWER_SECONDS:g} s") from None
        except CallFailedError:
            raise
        except Exception as problem:
            self.log.info("a slash command's call failed: {problem}", problem=problem)
            raise CallFailedError("no connection") from None
