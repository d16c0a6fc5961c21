"""``CHATHISTORY`` (draft/chathistory): a client asks for a room's history.

https://ircv3.net/specs/extensions/chathistory. Subcommands ``LATEST``,
``BEFORE``, ``AFTER``, ``AROUND``, ``BETWEEN`` (references ``msgid=ID`` or
``timestamp=YYYY-MM-DDThh:mm:ss.sssZ``) and ``TARGETS``; at most
:data:`~chatroom.doors.irc.caps.CHATHISTORY_LIMIT` messages a request
(``CHATHISTORY=`` in ``005``). Messages come as the room's history does on
joining (:mod:`chatroom.doors.irc.replay`): the original lines with their
``time`` and ``msgid``, in a ``chathistory`` batch.

Built on the registry's one history question,
:meth:`~chatroom.core.services.messages.MessageService.room_history` (``count`` events
before an id): a room's stored ids are consecutive, so any window of
``msgid``\\ s is one such call; a ``timestamp`` is found by paging back from
the newest (at most :data:`_PAGES` pages). A nick as target is the
account's private conversation with it
(:mod:`chatroom.doors.irc.chathistory_private`). A bad request is
``FAIL CHATHISTORY`` with the specification's codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Event,
    PrivateEvent,
    StoredEvent,
    happened_at,
    said_at,
)
from chatroom.core.model.text import name_key
from chatroom.core.policy.rules import HISTORY_PAGE_MAX
from chatroom.doors.irc.caps import CHATHISTORY_LIMIT
from chatroom.doors.irc.chathistory_private import (
    Picked,
    UnknownReferenceError,
    conversation,
)
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.replay import in_batch, replay
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build_words, room_of
from chatroom.wire.lines import format_time

#: How far back a ``timestamp=`` is looked for: pages of the largest size.
_PAGES = 10
_SUBCOMMANDS = ("LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS")


class BadRequestError(Exception):
    """A request the specification answers with ``FAIL CHATHISTORY``."""

    def __init__(self, code: str, *context: str) -> None:
        super().__init__(code)
        self.code = code
        self.context = context


def timestamp(value: str) -> str:
    """A client's timestamp in our stored form (milliseconds, ``Z``)."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequestError("INVALID_PARAMS", "Invalid timestamp") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return format_time(when.timestamp())


def limit_of(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise BadRequestError("INVALID_PARAMS", "Invalid limit")
    return min(int(value), CHATHISTORY_LIMIT)


class StoredMessages:
    """One room's stored messages, as one session may read them."""

    def __init__(self, session: IRCSession, room: str) -> None:
        self.session = session
        self.room = room

    async def span(self, first: int, last: int) -> list[StoredEvent]:
        """Events with ids ``first``..``last`` (those still kept)."""
        if last < first or last < 1:
            return []
        first = max(first, 1, last - HISTORY_PAGE_MAX + 1)
        registry, member = self.session.registry, self.session.member
        events = await registry.messages.room_history(
            member, self.room, last - first + 1, last + 1
        )
        return [event for event in events if int(event.id) >= first]

    async def newest(self) -> int:
        """The newest stored id (0 when none)."""
        registry, member = self.session.registry, self.session.member
        events = await registry.messages.room_history(member, self.room, 1)
        return int(events[-1].id) if events else 0

    async def position(self, reference: str) -> tuple[int, bool]:
        """A reference as (id, exact): ``msgid=`` of message N (this room's,
        :mod:`chatroom.doors.irc.msgids`) is message N itself;
        ``timestamp=T`` the first id said at T or later, exact when said
        at T (a message sent at T is the one the client names: references
        are exclusive, and everything before the id is before T)."""
        kind, _, value = reference.partition("=")
        if kind == "msgid":
            named = self.session.renderer.msgids.event_id(self.room, value)
            if named is None:
                raise BadRequestError("INVALID_PARAMS", "Unknown msgid")
            return named, True
        if kind != "timestamp":
            raise BadRequestError("INVALID_PARAMS", "Invalid message reference")
        wanted = timestamp(value)
        before = await self.newest() + 1
        found = (before, False)  # the first said at T or later so far
        for _ in range(_PAGES):
            page = await self.span(before - HISTORY_PAGE_MAX, before - 1)
            if not page:
                return found
            timed = [(e, at) for e in page if (at := happened_at(e)) is not None]
            later = [e for e, stamp in timed if stamp >= wanted]
            if later:
                found = (int(later[0].id), happened_at(later[0]) == wanted)
            if len(later) < len(timed):  # the boundary is in this page
                return found
            before = int(page[0].id)
        return before, False

    async def after(self, reference: str, limit: int) -> list[StoredEvent]:
        at, exact = await self.position(reference)
        first = at + 1 if exact else at
        return await self.span(first, first + limit - 1)

    async def before(self, reference: str, limit: int) -> list[StoredEvent]:
        at, _ = await self.position(reference)
        return await self.span(at - limit, at - 1)

    async def latest(self, reference: str, limit: int) -> list[StoredEvent]:
        newest = await self.newest()
        if reference == "*":
            return await self.span(newest - limit + 1, newest)
        at, exact = await self.position(reference)
        first = at + 1 if exact else at
        return await self.span(max(first, newest - limit + 1), newest)

    async def around(self, reference: str, limit: int) -> list[StoredEvent]:
        at, _ = await self.position(reference)
        first = at - limit // 2
        return await self.span(first, first + limit - 1)

    async def between(self, start: str, end: str, limit: int) -> list[StoredEvent]:
        low, low_exact = await self.position(start)
        high, high_exact = await self.position(end)
        if low <= high:  # forwards from start
            first = low + 1 if low_exact else low
            return await self.span(first, min(high - 1, first + limit - 1))
        first = high + 1 if high_exact else high  # backwards from start
        return await self.span(max(first, low - limit), low - 1)


async def chathistory(session: IRCSession, params: tuple[str, ...]) -> None:
    sub = params[0].upper()
    if sub not in _SUBCOMMANDS:
        fail(session, "CHATHISTORY", "INVALID_PARAMS", params[0], "Unknown subcommand")
        return
    needed = {"BETWEEN": 5, "TARGETS": 4}.get(sub, 4)
    if len(params) < needed:
        fail(session, "CHATHISTORY", "NEED_MORE_PARAMS", sub, "Missing parameters")
        return
    try:
        if sub == "TARGETS":
            await targets(session, params[1], params[2], limit_of(params[3]))
            return
        target = params[1]
        events = await fetch(session, sub, target, params[2:])
    except BadRequestError as bad:
        fail(session, "CHATHISTORY", bad.code, sub, *bad.context)
        return
    except ChatError:
        fail(session, "CHATHISTORY", "INVALID_TARGET", sub, params[1], "No such room")
        return
    session.send(replay_batch(session, target, events))


def replay_batch(session: IRCSession, target: str, events: Sequence[Event]) -> bytes:
    """The events in a ``chathistory`` batch, empty or not (the
    specification wants the batch even when there is nothing)."""
    data = replay(session.renderer, session.caps, target, events)
    if not events and "batch" in session.caps:
        return in_batch(session.renderer, "chathistory", (target,), b"")
    return data


async def fetch(
    session: IRCSession, sub: str, target: str, args: tuple[str, ...]
) -> Sequence[Event]:
    room = room_of(target)
    if room is None:
        return await private(session, sub, target, args)
    shown = session.in_channel(room)
    if shown is None:
        raise errors.not_in_room()
    history = StoredMessages(session, shown)
    if sub == "BETWEEN":
        return await history.between(args[0], args[1], limit_of(args[2]))
    limit = limit_of(args[1])
    if sub == "LATEST":
        return await history.latest(args[0], limit)
    if sub == "BEFORE":
        return await history.before(args[0], limit)
    if sub == "AFTER":
        return await history.after(args[0], limit)
    return await history.around(args[0], limit)


async def private(
    session: IRCSession, sub: str, nick: str, args: tuple[str, ...]
) -> list[PrivateEvent]:
    """The subcommand on the account's conversation with ``nick`` (its
    tags-only messages among its messages, which :func:`replay` shows
    with ``draft/event-playback`` only)."""
    picked = Picked(
        await conversation(session, nick), session.renderer.msgid, timestamp
    )
    try:
        if sub == "BETWEEN":
            return picked.between(args[0], args[1], limit_of(args[2]))
        limit = limit_of(args[1])
        if sub == "LATEST":
            return picked.latest(args[0], limit)
        if sub == "BEFORE":
            return picked.before(args[0], limit)
        if sub == "AFTER":
            return picked.after(args[0], limit)
        return picked.around(args[0], limit)
    except UnknownReferenceError:
        raise BadRequestError("INVALID_PARAMS", "Unknown message reference") from None


async def targets(session: IRCSession, start: str, end: str, limit: int) -> None:
    """The rooms this session is in, and the nicks its account has private
    conversations with, whose newest message was said between two times
    (both excluded), oldest first, in a ``draft/chathistory-targets``
    batch: ``CHATHISTORY TARGETS <target> <time>``."""
    low, high = sorted(
        (timestamp(start.partition("=")[2]), timestamp(end.partition("=")[2]))
    )
    found: list[tuple[str, str]] = []
    for room in session.rooms.values():
        recent = await session.registry.messages.room_history(session.member, room, 50)
        stamps = [stamp for e in recent if (stamp := said_at(e)) is not None]
        if stamps:
            found.append((stamps[-1], f"#{room}"))
    me = {name_key(session.nick), session.registry.sessions.account_of(session.member)}
    for newest in await session.registry.messages.private_targets(session.member):
        sender, recipient, stamp = newest.sender, newest.recipient, newest.time
        found.append((stamp, recipient if name_key(sender) in me else sender))
    found = sorted((at, target) for at, target in found if low < at < high)
    data = b"".join(
        build_words(session.me, "CHATHISTORY", "TARGETS", target, at)
        for at, target in found[:limit]
    )
    if "batch" in session.caps:
        data = in_batch(session.renderer, "draft/chathistory-targets", (), data)
    session.send(data)
