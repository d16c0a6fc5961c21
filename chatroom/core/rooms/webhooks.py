"""Incoming webhooks: Slack's (or Mattermost's) JSON posted at a secret
address says a message in a room (issue 34).

A room's owner (or a server admin) adds a hook with ``/webhook add NAME``,
the server's operator with ``chatroom-admin hooks add ROOM`` (the ``*_as``
methods, with the operator as the actor), and gets its address,
``<base>/hooks/<secret>`` (:func:`chatroom.core.model.hooks.hook_url`),
where Mattermost's incoming webhooks are, so apprise's ``mmost://`` posts
there unchanged. A ``POST`` there of Slack's or Mattermost's
incoming-webhook JSON (``{"text": ..., "username": ..., "attachments":
[...]}``: Alertmanager's Slack receiver sends attachments alone) is a
message in the room, at every door, from a bot name (:func:`bot_name`)
and carrying the ``bot`` tag (IRC's bot mode, the web client's mark).
Every rule is here, once: who may manage a room's hooks
(:func:`check_manager`), what a hook's name may be, how many a room may
have, what a post may hold (:func:`payload_of`, :func:`attachment_parts`,
:func:`slack_text`), and how fast one hook may post
(:attr:`Webhooks.limits`, on the injected clock, per hook on each node;
every post that names a hook counts, a refused one too). A back-end only
keeps the hooks (its :class:`~chatroom.core.model.hooks.HookStore`) and
numbers, keeps and publishes the message (an ``Append`` from outside,
through ``Backend.apply``); a door only
carries the commands and the HTTP request, and renders the answers.

A hook belongs to its room: it goes when the room goes (``/delete``, or
emptied and dropped), as the room's moderation log does, so a room made
later under the same name never inherits another room's hooks. Its secret
is the only thing that admits a post: it is never logged, by the core or
the HTTP door.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.infra.throttle import WindowLimit
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import (
    AddHook,
    Append,
    FewerHooksThan,
    HookHeld,
    RemoveHook,
    RoomHooks,
    RoomMessages,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Message
from chatroom.core.model.facts import RoomFacts
from chatroom.core.model.hooks import Hook
from chatroom.core.model.member import Member
from chatroom.core.model.multiline import as_message
from chatroom.core.model.text import NAME_MAX_LENGTH, is_valid_name, name_key
from chatroom.core.policy import moderation
from chatroom.core.policy.moderation import Actor
from chatroom.core.policy.rules import oldest_kept
from chatroom.core.rooms.store import RoomStore
from chatroom.wire.lines import format_time
from chatroom.wire.pastes import oversize, pasted_lines
from chatroom.wire.tags import BOT_TAG

#: The most hooks one room may have.
HOOKS_PER_ROOM = 10
#: The largest body a post may have, in bytes (the HTTP door refuses a
#: larger one from its headers, ``413``); the message it makes is bounded
#: as a paste is (:data:`chatroom.wire.pastes.MAX_BYTES`).
HOOK_BODY_MAX = 16 * 1024
#: The window of ``--webhook-limit``: posts per hook in any this many seconds.
HOOK_WINDOW = 10.0
#: What every bot name ends with: no name a user can take holds ``[``.
BOT_SUFFIX = "[bot]"
#: Random bytes in a secret (32 characters of base64url).
SECRET_BYTES = 24

#: What a user name may not hold (letters, digits, ``_``, ``-``, ``.``).
_NOT_NAME = re.compile(r"[^\w.-]+")
#: A Slack code block: three backquotes either side.
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
#: A Slack link, mention or special word: ``<target>`` or ``<target|label>``.
_LINK = re.compile(r"<([^<>|\s]+)(?:\|([^<>]*))?>")
#: The three characters Slack has its senders escape, and how.
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def check_manager(room: RoomFacts, actor: Actor) -> None:
    """Only a room's owner (or a server admin) adds, lists and removes its
    hooks: its address posts as the room's own bot."""
    moderation.check_manager(room, actor, errors.not_hook_owner(room.name))


def check_hook_name(name: str) -> None:
    """A hook's name is a name as users' are (it is its bot's name when a
    post gives none)."""
    if not is_valid_name(name):
        raise errors.bad_name()


def bot_name(username: str, hook: str) -> str:
    """Who a post is shown from: Slack's ``username`` (else the hook's
    name) as a user name reads (what a name may not hold made ``-``), cut
    to fit, then :data:`BOT_SUFFIX`. No user can ever hold it, so a post
    never passes for a person, whatever it calls itself."""
    room_for = NAME_MAX_LENGTH - len(BOT_SUFFIX)
    shown = _NOT_NAME.sub("-", unicodedata.normalize("NFKC", username))
    shown = shown.strip("-.")[:room_for] or hook[:room_for]
    return shown + BOT_SUFFIX


async def say_as_bot(
    apply: Applies,
    room: str,
    name: str,
    lines: list[str],
    now: float,
    retention_age: float,
) -> Message:
    """``lines`` said in ``room`` by ``name`` (a :func:`bot_name`), tagged
    as a bot's (``bot``), from outside the room (no member of it says
    them: a hook's post, a slash command's answer); kept as every message
    is, the oldest past the retention let go with it. Returns the message.
    """
    words, tags = as_message(lines)
    event = Message(room, name, format_time(now), words, tags=(*tags, (BOT_TAG, "")))
    oldest = oldest_kept(retention_age, now)
    said = (Append(event, now, outside=True, oldest=oldest),)
    await apply(DecidedChange(RoomMessages(name_key(room)), (), said))
    return event


def slack_text(text: str) -> str:
    """Slack's mrkdwn as plain text: a code block's text without its
    backquotes (and on lines of its own when it had them), a link as its
    label and address (``<http://x|label>`` → ``label (http://x)``,
    ``<http://x>`` → ``http://x``), a mention as its name (``<@U1|bob>`` →
    ``@bob``, ``<#C1|ops>`` → ``#ops``, ``<!here>`` → ``@here``), and
    ``&lt;``, ``&gt;``, ``&amp;`` as what they stand for. Bold, italics
    and inline code stay as they were written, as they read well enough."""
    parts = _CODE_BLOCK.split(text)
    for index, part in enumerate(parts):
        if index % 2:  # a code block's text: nothing in it is markup
            part = part.removeprefix("\n").removesuffix("\n")
        else:
            part = _LINK.sub(_plain_link, part)
        for entity, character in _ENTITIES:
            part = part.replace(entity, character)
        parts[index] = part
    return "".join(parts)


def _plain_link(found: re.Match[str]) -> str:
    target, label = found.group(1), found.group(2) or ""
    if target[0] in "@#":  # a user or a channel, by id (and name)
        return target[0] + (label.lstrip("@#") or target[1:])
    if target[0] == "!":  # <!here>, <!channel>, <!subteam^ID|@team>, <!date^...|x>
        return label or "@" + target[1:].split("^")[0]
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    return f"{label} ({target})" if label and label != target else target


def payload_of(body: bytes) -> tuple[str, str]:
    """A post's text and username, from Slack's or Mattermost's JSON: the
    body's ``text`` (its markup made plain), then the lines of its
    ``attachments`` (:func:`attachment_parts`), one line each part; the
    ``username`` else "". ``icon_url``, ``channel`` (a hook posts in its
    room) and every other field are taken and ignored.

    Raises:
        ChatError: ``BAD_ARGS`` (not a JSON object, or neither a text nor
            an attachment that holds anything).
    """
    try:
        data = json.loads(body)
    except ValueError:  # bad JSON, or bytes that are no UTF-8
        raise errors.bad_args('the body is no JSON: post {"text": "..."}') from None
    if not isinstance(data, dict):
        raise errors.bad_args('the body is no JSON object: post {"text": "..."}')
    parts = [_said(data.get("text"))]
    attachments = data.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else ():
        if isinstance(attachment, dict):
            parts.extend(attachment_parts(attachment))
    text = "\n".join(part for part in parts if part)
    if not text:
        raise errors.bad_args('the JSON has no "text"')
    username = data.get("username")
    return text, username if isinstance(username, str) else ""


def attachment_parts(attachment: dict[str, object]) -> list[str]:
    """What one of Slack's (or Mattermost's) message attachments says, in
    order, each made plain (:func:`slack_text`), blank ones left out: its
    ``pretext``; its ``title``, as ``title (title_link)`` with a link; its
    ``text``; ``title: value`` for each of its ``fields``. One that says
    none of these says its ``fallback``. Its other fields (``color``,
    ``footer``, ``image_url``, ``mrkdwn_in``...) are shown nowhere."""
    title, link = _said(attachment.get("title")), _said(attachment.get("title_link"))
    if title and link and link != title:
        title = f"{title} ({link})"
    parts = [_said(attachment.get("pretext")), title, _said(attachment.get("text"))]
    fields = attachment.get("fields")
    for field in fields if isinstance(fields, list) else ():
        if isinstance(field, dict):
            parts.append(_field_line(field))
    said = [part for part in parts if part]
    if said:
        return said
    fallback = _said(attachment.get("fallback"))
    return [fallback] if fallback else []


def _field_line(field: dict[str, object]) -> str:
    """One of an attachment's ``fields``: ``title: value``; its value alone
    without a title; nothing without a value."""
    title, value = _said(field.get("title")), field.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # as some senders give a number
    said = _said(value)
    if not said:
        return ""
    return f"{title}: {said}" if title else said


def _said(value: object) -> str:
    """A post's string made plain (:func:`slack_text`), without the blank
    lines at its ends ("" for a blank one, or anything but a string)."""
    if not isinstance(value, str):
        return ""
    return "\n".join(pasted_lines(slack_text(value)))


class Webhooks:
    """``/webhook add|list|remove`` and the posts (composed into the core)."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        rooms: RoomStore,
        apply: Applies,
        actor: Callable[[Member], Actor],
        place: Callable[[Member, str], str],
    ) -> None:
        """Args:
        rooms: a room's facts and its hooks as kept.
        apply: the back-end's one write (a hook added or removed, a post).
        actor: who a door's member is, with what standing.
        place: the room a member is in by that name (``NOT_IN_ROOM``).
        """
        self.clock = clock
        #: ``--retention-age``, for the operand each post is kept with.
        self.retention_age = config.retention_age
        self.rooms = rooms
        self.apply = apply
        self.actor = actor
        self.joined_room = place
        #: Posts per hook (by secret) in any :data:`HOOK_WINDOW` seconds.
        self.limits = WindowLimit(clock, config.webhook_limit, HOOK_WINDOW)

    async def _managed(self, actor: Actor, room: str) -> str:
        """Room ``room``'s own name (``NO_SUCH_ROOM``), if ``actor`` may
        manage its hooks."""
        facts = await self.rooms.facts(room)
        check_manager(facts.room, actor)
        return facts.room.name

    async def add(self, member: Member, room: str, name: str) -> Hook:
        """``/webhook add``: in a room ``member`` is in."""
        where = self.joined_room(member, room)
        return await self.add_as(self.actor(member), where, name)

    async def add_as(self, actor: Actor, room: str, name: str) -> Hook:
        """A hook called ``name`` for the room: decided on its hooks as
        read (no other of that name, fewer than :data:`HOOKS_PER_ROOM`)
        and added on those premises, or decided again. ``actor`` is a
        door's member, or the operator (``chatroom-admin hooks add``)."""
        check_hook_name(name)
        where = await self._managed(actor, room)
        key = name_key(name)

        async def attempt() -> Hook:
            hooks = await self.rooms.hooks.of_room(where)
            if any(name_key(hook.name) == key for hook in hooks):
                raise errors.webhook_exists(name, where)
            if len(hooks) >= HOOKS_PER_ROOM:
                raise errors.webhooks_full(where, HOOKS_PER_ROOM)
            secret = secrets.token_urlsafe(SECRET_BYTES)
            hook = Hook(where, name, secret, actor.name)
            premises = (HookHeld(key, False), FewerHooksThan(HOOKS_PER_ROOM))
            added = DecidedChange(RoomHooks(hook.key), premises, (AddHook(hook),))
            await self.apply(added)
            return hook

        hook = await retried(attempt)
        self._logged(actor, "added", name, where)
        return hook

    async def remove(self, member: Member, room: str, name: str) -> str:
        """``/webhook remove``: in a room ``member`` is in."""
        where = self.joined_room(member, room)
        return await self.remove_as(self.actor(member), where, name)

    async def remove_as(self, actor: Actor, room: str, name: str) -> str:
        """Returns the room's name. Once removed, the hook's address admits
        no post, on any node (each post reads the hook where it is kept)."""
        where = await self._managed(actor, room)
        key = name_key(name)

        async def attempt() -> None:
            hooks = await self.rooms.hooks.of_room(where)
            if not any(name_key(hook.name) == key for hook in hooks):
                raise errors.no_such_webhook(name, where)
            removed = (RemoveHook(key),)
            change = DecidedChange(
                RoomHooks(name_key(where)), (HookHeld(key, True),), removed
            )
            await self.apply(change)

        await retried(attempt)
        self._logged(actor, "removed", name, where)
        return where

    def _logged(self, actor: Actor, done: str, name: str, room: str) -> None:
        """Who added or removed which hook where (never its secret)."""
        self.log.info(
            "{user} {done} webhook {hook} in {room}",
            user=actor.name,
            done=done,
            hook=name,
            room=room,
        )

    async def listed(self, member: Member, room: str) -> tuple[str, list[Hook]]:
        """``/webhook list``: the room's name and its hooks, by name."""
        return await self.listed_as(self.actor(member), self.joined_room(member, room))

    async def listed_as(self, actor: Actor, room: str) -> tuple[str, list[Hook]]:
        """The room's name and its hooks, by name."""
        where = await self._managed(actor, room)
        return where, await self.rooms.hooks.of_room(where)

    async def every_hook(self, actor: Actor) -> list[Hook]:
        """Every room's hooks, rooms by name, for a server admin (the
        operator's ``chatroom-admin hooks list``)."""
        if not actor.admin:
            raise errors.not_allowed("only a server admin lists every room's hooks")
        listing = await self.rooms.list_rooms()
        hooks: list[Hook] = []
        for room in sorted(listing.rooms, key=lambda room: name_key(room.name)):
            hooks.extend(await self.rooms.hooks.of_room(room.name))
        return hooks

    async def post(self, secret: str, body: bytes) -> Message:
        """A post's message, said in its hook's room; returns it.

        Raises:
            ChatError: ``NO_SUCH_WEBHOOK`` (no hook has ``secret``, its
                room went), ``TOO_FAST`` (:class:`errors.WebhookThrottledError`:
                past ``--webhook-limit``), ``BAD_ARGS``/``BAD_TEXT`` (see
                :func:`payload_of`; control characters), ``TOO_LARGE`` (over
                a paste's bounds), ``UNAVAILABLE`` (the store or Redis).
        """
        hook = await self.rooms.hooks.find(secret) if secret else None
        if hook is None:
            raise errors.no_such_webhook()
        wait = self.limits.take(secret)
        if wait:
            limits = self.limits
            raise errors.webhook_too_fast(limits.limit, limits.window, wait)
        text, username = payload_of(body)
        said = pasted_lines(text)
        if not said:
            raise errors.bad_args('the JSON has no "text"')
        size = oversize(said)
        if size:
            raise errors.webhook_too_large(f"a message is {size}")
        name = bot_name(username, hook.name)
        now = self.clock.seconds()
        try:
            return await say_as_bot(
                self.apply, hook.room, name, said, now, self.retention_age
            )
        except errors.ChatError as refusal:
            if refusal.code == "NO_SUCH_ROOM":  # gone meanwhile, its hooks too
                raise errors.no_such_webhook() from None
            raise
