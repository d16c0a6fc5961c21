"""What the REST API (``/api/v1/``) asks of the core for a bot.

A bot's requests are made by its standing member on this node
(:mod:`chatroom.core.rooms.standing`): stood up at its first request here
(signed in to the bot's account, put back into its remembered rooms), it
joins, leaves, says and reads as any device of the account does, through
the same services, under the same rules and with the same refusals as the
line door's. What is the API's own is here, once: what a post may hold
(its lines, as ``/paste`` bounds them), its ``txn`` made a key of the
"Exactly once" mechanism (:mod:`chatroom.core.messages.transactions`), and
history read *since* an id (the messages as they now read: an edit's new
text, a redacted one left out), and each request's turn under the bot's
flood limits (:meth:`BotAPI.take_turn`), counted on each node, as the
spec has it ("per bot, on each node"): each node holds a bot to
``--burst`` and ``--rate`` as it holds each connection, in its own memory.
Its event streams are counted by
:mod:`chatroom.core.services.streams` (at most ``--max-devices`` open at
once over every node), which the door asks to open one and tells when
one ends.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace

from chatroom.core.infra.sessions import Sessions
from chatroom.core.model import errors
from chatroom.core.model.events import (
    DepartureKind,
    Edited,
    Listing,
    Message,
    Redacted,
    StoredEvent,
)
from chatroom.core.model.multiline import MULTILINE_TAG, lines_of, said_lines
from chatroom.core.model.text import has_control_characters, name_key
from chatroom.core.policy.flood import SharedSpeakerLimits
from chatroom.core.rooms.roominfo import Roster
from chatroom.core.rooms.standing import StandingMember, StandingMembers
from chatroom.core.services.messages import MessageService
from chatroom.core.services.rooms import RoomService
from chatroom.core.services.streams import EventStreams
from chatroom.wire.pastes import oversize, pasted_lines
from chatroom.wire.tags import BOT_TAG, escape
from chatroom.wire.txn import new_key

#: A post's ``txn``: 1-64 printable ASCII characters, no space.
TXN = re.compile(r"[\x21-\x7e]{1,64}", re.ASCII)
#: The most messages one history read answers, and its default.
HISTORY_MAX = 200
HISTORY_DEFAULT = 50
#: Pages of :data:`HISTORY_MAX` events read at most for one history read
#: once a message is found (a bound on a request's cost: reading after a
#: ``since`` goes forwards from it, so an old one answers its next
#: messages, with ``more``).
HISTORY_PAGES = 50
#: The bots' flood counts are kept as ``api-flood:<name key>``, in each
#: node's memory (:meth:`~chatroom.core.policy.flood.SharedSpeakerLimits.
#: counted_here`).
FLOOD_COUNTED_AS = "api-flood"
#: What a line break may be in a post (a tab is text).
_LINE_ENDS = str.maketrans("", "", "\r\n")


@dataclass(frozen=True)
class Posted:
    """A post said (or said already, for a ``txn`` repeated): its room,
    the id of its stored message and when it was said."""

    room: str
    id: str
    time: str


@dataclass(frozen=True)
class History:
    """A history read: the room, its messages as they now read, and
    whether later ones were left out (``more``)."""

    room: str
    messages: list[Message]
    more: bool


def txn_key(txn: str) -> str:
    """The "Exactly once" key of a post's ``txn`` (the same on every node,
    of the bot's account as every key of a sender is): its SHA-256 in
    base64url, so that any printable ``txn`` makes a key of the wire's
    letters, and none meets a key a client of the bot's made itself.

    Raises:
        ChatError: ``BAD_ARGS``: not 1-64 printable ASCII characters.
    """
    if not TXN.fullmatch(txn):
        raise errors.bad_args("txn: 1-64 printable ASCII characters, no space")
    digest = hashlib.sha256(txn.encode("ascii")).digest()
    return "api-" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def post_lines(text: object) -> list[str]:
    """A post's ``text`` as its lines (blank ones at its ends dropped).

    Raises:
        ChatError: ``BAD_ARGS`` (missing, not a string, blank, over 32
            lines or 4000 bytes), ``BAD_TEXT`` (a control character other
            than a tab and line ends).
    """
    if not isinstance(text, str) or not text:
        raise errors.bad_args('"text": a message is required')
    if has_control_characters(text.translate(_LINE_ENDS)):
        raise errors.bad_text()
    lines = pasted_lines(text)
    if not lines:
        raise errors.bad_args('"text": a message is required')
    size = oversize(lines)
    if size:
        raise errors.bad_args(f"a message is {size}")
    return lines


def text_of(message: Message) -> str:
    """A message's text as its lines read (several: joined by line breaks)."""
    lines = lines_of(message.tags)
    return message.text if lines is None else "\n".join(said_lines(lines))


def is_bot(message: Message) -> bool:
    """Whether a message is a bot's (its ``bot`` tag)."""
    return any(key == BOT_TAG for key, _ in message.tags)


def as_read(events: list[StoredEvent], since: int | None) -> list[Message]:
    """The messages of ``events`` (oldest first) after id ``since``, as
    they now read: an edit's new text, a redacted one left out; a
    message's tags alone (IRC's ``TAGMSG``) and other events are none."""
    edits: dict[str, str] = {}
    redacted: set[str] = set()
    for event in events:
        if isinstance(event, Edited):
            edits[event.target] = event.text
        elif isinstance(event, Redacted):
            redacted.add(event.target)
    read = []
    for event in events:
        if not isinstance(event, Message) or event.id in redacted:
            continue
        if since is not None and int(event.id) <= since:
            continue
        if event.id in edits:
            tags = tuple((k, v) for k, v in event.tags if k != MULTILINE_TAG)
            event = replace(event, text=edits[event.id], tags=tags)
        read.append(event)
    return read


class BotAPI:
    """The REST API's calls, for a bot named by its (checked) token."""

    def __init__(
        self,
        standing: StandingMembers,
        sessions: Sessions,
        rooms: RoomService,
        messages: MessageService,
        streams: EventStreams,
        limits: SharedSpeakerLimits,
    ) -> None:
        """``limits``: each bot's flood limits, as :data:`FLOOD_COUNTED_AS`;
        counted on this node alone (:meth:`~chatroom.core.policy.flood.
        SharedSpeakerLimits.counted_here`)."""
        self.standing = standing
        self.sessions = sessions
        self.rooms = rooms
        self.messages = messages
        self.streams = streams
        self.limits = limits.counted_here()

    async def take_turn(self, bot: str) -> float:
        """One request of ``bot`` counted as one line of a user against
        its flood limits (``--burst`` in any ``--burst`` / ``--rate``
        seconds, on this node): 0 if it is within them, else the
        seconds until the oldest one counted leaves the window (this one
        not counted: the API refuses it, never queues it)."""
        return await self.limits.take(bot)

    async def member(self, bot: str) -> StandingMember:
        """The bot's standing member here (stood up at its first call)."""
        return await self.standing.stand(bot)

    async def open_stream(self, bot: str) -> str:
        """One more event stream of the bot, under ``--max-devices``
        over every node (``TOO_MANY_DEVICES``): its id, to tell
        :meth:`stream_ended` with."""
        return await self.streams.open(bot)

    def stream_ended(self, bot: str, stream: str) -> None:
        """The bot's stream ``stream`` ended: its place is free."""
        self.streams.close(bot, stream)

    async def me(self, bot: str) -> tuple[str, list[str]]:
        """The bot's name and the rooms it is in."""
        member = await self.member(bot)
        return member.name or bot, self.joined(member)

    def joined(self, member: StandingMember) -> list[str]:
        """The rooms the bot is in, by name, as its seat has them."""
        seat = self.sessions.seat_of(member)
        return [] if seat is None else list(seat.rooms)

    def _in(self, member: StandingMember, room: str) -> str | None:
        seat = self.sessions.seat_of(member)
        return None if seat is None else seat.find(room)

    async def _room_of(self, member: StandingMember, room: str) -> str:
        """``room`` as the bot is in it: ``NO_SUCH_ROOM`` if there is none,
        else ``NOT_IN_ROOM`` if the bot is not in it."""
        found = self._in(member, room)
        if found is not None:
            return found
        await self.rooms.room_details(room)  # NO_SUCH_ROOM if there is none
        raise errors.not_in_room(f"you are not in {room}")

    async def listed(self, bot: str) -> tuple[Listing, set[str]]:
        """Every room ``/list`` lists the bot (its secret rooms too), and
        the keys of those it is in."""
        member = await self.member(bot)
        listing = await self.rooms.list_rooms(member)
        return listing, {name_key(room) for room in self.joined(member)}

    async def join(self, bot: str, room: str, key: str | None) -> tuple[str, int]:
        """The bot in ``room`` (as ``/join`` decides: bans, the key,
        invitations, space); nothing said if it is in it already. Answers
        the room's name and how many members it has."""
        member = await self.member(bot)
        where = self._in(member, room)
        if where is None:
            where = await self.rooms.join_room(member, room, key=key)
        roster = await self.rooms.room_details(where)
        return roster.room, len(roster.members)

    async def leave(self, bot: str, room: str) -> str:
        """The bot out of ``room`` (``PART ROOM NAME left``)."""
        member = await self.member(bot)
        where = self._in(member, room)
        if where is None:
            raise errors.not_in_room(f"you are not in {room}")
        departure = await self.rooms.leave_room(member, where)
        member.own_departure(where, departure.reason or "left", DepartureKind.PART)
        return where

    async def members(self, bot: str, room: str) -> Roster:
        """A room the bot is in: its members in order of arrival, its owner."""
        member = await self.member(bot)
        return await self.rooms.room_details(await self._room_of(member, room))

    async def post(
        self, bot: str, room: str, text: object, action: bool, txn: str | None
    ) -> Posted:
        """``text`` said in ``room`` by the bot, tagged ``bot``: one line as
        a message (``action``: a ``/me``), several as ``/paste`` says them;
        once per ``txn`` (a repeat answers the first post's id and time)."""
        lines = post_lines(text)
        key = new_key() if txn is None else txn_key(txn)
        member = await self.member(bot)
        where = await self._room_of(member, room)
        tags = ((BOT_TAG, ""),)
        messages = self.messages
        if len(lines) == 1:
            acked = await messages.say(member, where, lines[0], tags, action, key)
        else:
            escaped = escape("\n".join(lines))
            acked = await messages.paste(member, where, escaped, key, tags, action)
        assert acked is not None  # a keyed post is acknowledged
        found = await messages.room_history(member, where, 1, int(acked.id) + 1)
        said = found[-1] if found else None
        time = said.time if isinstance(said, Message) else ""
        return Posted(acked.target, acked.id, time)

    async def history(
        self, bot: str, room: str, since: int | None, limit: int
    ) -> History:
        """The room's messages after ``since`` (oldest first, at most
        ``limit``; ``more`` if later ones were left out), or without
        ``since`` its newest ``limit``, as they now read."""
        member = await self.member(bot)
        where = await self._room_of(member, room)
        if since is not None:
            return await self._after(member, where, since, limit)
        events: list[StoredEvent] = []
        before: int | None = None
        for _page in range(HISTORY_PAGES):
            page = await self.messages.room_history(member, where, HISTORY_MAX, before)
            events[:0] = page
            if len(page) < HISTORY_MAX or len(as_read(events, None)) > limit:
                break
            before = int(page[0].id)
        return History(where, as_read(events, None)[-limit:], False)

    async def _after(
        self, member: StandingMember, room: str, since: int, limit: int
    ) -> History:
        """The messages after id ``since``, read forwards from it a page
        of ids at a time (ids are a room's count of its events), until one
        more than ``limit`` is found or the newest is read: ``more`` is
        whether any is left after those answered. An old ``since`` starts
        at the oldest event kept (:meth:`_oldest_after`); at most
        :data:`HISTORY_PAGES` pages are read once a message is found: if
        ids are left unread then (pages of other events: topics, tags-only
        messages), ``more`` is true, and the next read asks from the last
        message answered. Until one is found the read goes on (at most the
        room's kept events, ``--retention``): an answer with ``more`` and
        no message would give the bot no id to ask again with."""
        newest = await self._newest(member, room)
        first = await self._oldest_after(member, room, since, newest)
        events: list[StoredEvent] = []
        read: list[Message] = []
        pages = 0
        while first <= newest and len(read) <= limit:
            if pages >= HISTORY_PAGES and read:
                break  # answered with "more": the next asks from the last
            pages += 1
            last = min(first + HISTORY_MAX - 1, newest)
            page = await self.messages.room_history(
                member, room, last - first + 1, last + 1
            )
            events.extend(event for event in page if int(event.id) >= first)
            read = as_read(events, since)
            first = last + 1
        more = len(read) > limit or first <= newest
        return History(room, read[:limit], more)

    async def _newest(self, member: StandingMember, room: str) -> int:
        """The room's newest event's id (0: none kept)."""
        newest = await self.messages.room_history(member, room, 1)
        return int(newest[-1].id) if newest else 0

    async def _oldest_after(
        self, member: StandingMember, room: str, since: int, newest: int
    ) -> int:
        """Where reading after ``since`` starts: ``since + 1``, or the
        oldest event kept if the room's age limit took the ones before it
        (found by halving: whether an event is kept before an id is true
        from the oldest kept on)."""
        first = since + 1
        if first > newest or await self._kept_before(member, room, first + 1):
            return first
        low, high = first + 1, newest + 1  # none kept before low; one before high
        while high - low > 1:
            middle = (low + high) // 2
            if await self._kept_before(member, room, middle):
                high = middle
            else:
                low = middle
        return high - 1

    async def _kept_before(
        self, member: StandingMember, room: str, before: int
    ) -> bool:
        """Whether any of the room's events before id ``before`` is kept."""
        return bool(await self.messages.room_history(member, room, 1, before))
