"""Threads: side conversations rooted at one message of a room.

``/thread ID TEXT`` says TEXT in the thread rooted at message ID (or at
ID's own root, when ID is in a thread already). A thread message is a
message of the room like any other: said through the core's one append,
with its premises and its fan-out, and stored once, carrying the tag
``thread=<root>`` (:data:`~chatroom.wire.tags.THREAD_TAG`). Every member
gets it: a ``rich`` line client with the tag, others the plain ``MSG``,
an IRC client a ``PRIVMSG`` answering the root (``+draft/reply``), so
nobody misses a word.

What a room's threads are (how many messages each has, its newest) is
read from the messages the room keeps, never written a second time: a
thread lives as long as its messages, survives a restart as they do, and
is the same on every node and back-end. Who follows a thread is an
account's own setting (:mod:`chatroom.core.accounts.account_settings`), written as
a decided change of its :class:`~chatroom.core.model.changes.settings.AccountSettings`:
writing in a thread or being named in one follows it, unless the account
unfollowed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatroom.core.accounts.account_settings import SettingStore
from chatroom.core.accounts.markers import mention_pattern
from chatroom.core.accounts.thread_follows import follow_key, follows_of, root_of
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.ignoring import heard
from chatroom.core.infra.seats import Session
from chatroom.core.messages import transactions
from chatroom.core.messages.life import Appender, MessageLife
from chatroom.core.messages.store import MessageStore
from chatroom.core.messages.transactions import Acknowledged, Txn
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.settings import AccountSettings, SetFollow
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Message, StoredEvent
from chatroom.core.model.member import Member
from chatroom.core.policy import rules
from chatroom.core.policy.rules import HISTORY_PAGE_MAX
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.store import ServerStore
from chatroom.wire.tags import THREAD_TAG


@dataclass(frozen=True)
class ThreadSummary:
    """One thread of a room, as ``THREAD`` lines show it: its root's id,
    how many messages answer it, and its newest one (id, time, author)."""

    room: str
    root: int
    count: int
    last_id: int
    last_time: str
    last_by: str


def summaries(room: str, events: Iterable[StoredEvent]) -> list[ThreadSummary]:
    """The threads of ``events`` (oldest first, as a room keeps them),
    newest first (by their newest message)."""
    found: dict[str, ThreadSummary] = {}
    for event in events:
        if isinstance(event, Message) and (root := root_of(event)):
            before = found.get(root)
            count = 1 + (before.count if before else 0)
            found[root] = ThreadSummary(
                room, int(root), count, int(event.id), event.time, event.user
            )
    return sorted(found.values(), key=lambda thread: -thread.last_id)


def in_thread(event: StoredEvent, root: str) -> bool:
    """Whether ``event`` is message ``root`` or one of its thread's."""
    return isinstance(event, Message) and (event.id == root or root_of(event) == root)


class MessageThreads:
    """``/thread``, ``/threads``, ``/history thread``, ``/follow`` and
    ``/unfollow``: the core's side, over its back-end and its append."""

    def __init__(
        self,
        rooms: RoomStore,
        messages: MessageStore,
        server: ServerStore,
        settings: SettingStore,
        apply: Applies,
        life: MessageLife,
        seat_of: Callable[[Member], Member],
        session_of: Callable[[Member], Session],
        ignoring_of: Callable[[Member], frozenset[str]],
        append: Appender,
        changed: Callable[[str], None],
    ) -> None:
        """Args:
        rooms: the rooms a member is in, and their members.
        messages: a room's history (a thread's messages).
        server: the user a name is (a member named, who follows).
        settings: the threads each account follows.
        apply: the back-end's one write (an account's follows).
        life: reads a message of a room (``NO_SUCH_MESSAGE``).
        seat_of: what the back-end knows a door's member as.
        session_of: the session of a member (``NOT_IN_ROOM`` if none).
        ignoring_of: the names a member's account ignores (its thread
            history leaves them out).
        append: stamps a message and appends it (the core's ``say``).
        changed: told the account whose settings changed (the pushes' copy).
        """
        self.rooms = rooms
        self.messages = messages
        self.server = server
        self.settings = settings
        self.apply = apply
        self.life = life
        self.seat_of = seat_of
        self.session_of = session_of
        self.ignoring_of = ignoring_of
        self.append = append
        self.changed = changed

    async def say(
        self, member: Member, room: str, event_id: int, text: str, key: str = ""
    ) -> Acknowledged | None:
        """``/thread ID TEXT``: TEXT in the thread of message ``event_id``
        (its root's, when it is in one). Its author follows the thread, and
        so do the accounts of the members it names, the root's author too
        (each unless they unfollowed it): before it is said, so that the
        message itself already reaches them as a followed thread's (a push
        to an absent follower). With a ``key`` (``/txn``) it is said once per
        key, and answers its acknowledgement."""
        rules.check_text(text)
        seat = self.seat_of(member)
        session = self.session_of(seat)
        txn = transactions.asked(key, f"thread {event_id}", room, text)
        if txn is None:
            return await self._say(seat, session, room, event_id, text, None)
        saying = self._say(seat, session, room, event_id, text, txn)
        read = self.messages.key_record
        return await transactions.acknowledged(read, txn, session, room, saying)

    async def _say(
        self,
        seat: Member,
        session: Session,
        room: str,
        event_id: int,
        text: str,
        txn: Txn | None,
    ) -> Acknowledged | None:
        where = self.rooms.joined_room(seat, room)
        message = await self.life.message(seat, session, where, event_id)
        root = root_of(message) or message.id
        accounts = {session.account, *await self._named(where, text)}
        if message.id == root:  # the root's author: by the name it said it as
            author = message.account or await self._account_named(message.user)
            accounts.add(author)
        accounts.discard("")
        await self._follow_unless_unfollowed(accounts, where, int(root))
        quoting: Message | None = message
        if message.id != root:  # its thread's root, which the thread is named by
            quoting = await self._root(seat, session, where, int(root))
        tags = ((THREAD_TAG, root),)
        return await self.append(
            seat, session, where, text, tags, quoting=quoting, txn=txn
        )

    async def _root(
        self, seat: Member, session: Session, room: str, root: int
    ) -> Message | None:
        """Message ``root`` of ``room``, which a thread's messages quote,
        if the room keeps it still (None: aged out, or deleted)."""
        try:
            return await self.life.message(seat, session, room, root)
        except ChatError as gone:
            if gone.code != "NO_SUCH_MESSAGE":
                raise
            return None

    async def _named(self, room: str, text: str) -> list[str]:
        """The accounts of the members of ``room`` that ``text`` names (a
        roster gives names; a member's account is read for those named)."""
        roster = await self.rooms.roster(room)
        return [
            await self._account_named(target.name)
            for target in roster.targets
            if mention_pattern(target.name).search(text)
        ]

    async def _account_named(self, name: str) -> str:
        """The account of the user called ``name`` ("" for none)."""
        found = await self.server.find_user(name)
        return found.account if found is not None else ""

    async def _follow_unless_unfollowed(
        self, accounts: Iterable[str], room: str, root: int
    ) -> None:
        key = follow_key(room, root)
        for account in sorted(accounts):
            if key not in follows_of(await self.settings.settings(account)):
                await self._set(account, room, root, True)

    async def _set(self, account: str, room: str, root: int, following: bool) -> None:
        ops = (SetFollow(follow_key(room, root), following),)
        await self.apply(DecidedChange(AccountSettings(account), (), ops))
        self.changed(account)

    async def follow(
        self, member: Member, room: str, root: int, following: bool
    ) -> tuple[str, int]:
        """``/follow ID`` (``following``) or ``/unfollow ID`` in ``room``: the
        thread of message ID (its root's, when it is in one); returns the
        room's name and the root's id. ``NOT_ALLOWED`` for a name that is no
        account's."""
        seat = self.seat_of(member)
        session = self.session_of(seat)
        if not session.account:
            raise errors.not_allowed("only accounts follow threads (/register)")
        where = self.rooms.joined_room(seat, room)
        message = await self.life.message(seat, session, where, root)
        thread_root = int(root_of(message) or root)
        await self._set(session.account, where, thread_root, following)
        return where, thread_root

    async def _kept(self, member: Member, room: str) -> tuple[str, list[StoredEvent]]:
        """The room's name and every event it keeps, oldest first, read
        back from the newest a page at a time."""
        seat = self.seat_of(member)
        session = self.session_of(seat)
        where = self.rooms.joined_room(seat, room)
        pages: list[list[StoredEvent]] = []
        before: int | None = None
        while True:
            page = await self.messages.history(
                seat, session, where, HISTORY_PAGE_MAX, before
            )
            pages.append(page)
            if len(page) < HISTORY_PAGE_MAX or not page[0].id:
                return where, [event for page in reversed(pages) for event in page]
            before = int(page[0].id)

    async def threads(self, member: Member, room: str) -> list[ThreadSummary]:
        """``/threads``: the room's threads among the messages it keeps,
        newest first."""
        where, events = await self._kept(member, room)
        return summaries(where, events)

    async def history(
        self, member: Member, room: str, root: int, count: int, before: int | None
    ) -> tuple[str, list[StoredEvent]]:
        """``/history thread ROOT N [before ID]``: the room's name and up to
        ``count`` messages of the thread rooted at ``root`` (the root
        itself first, when the page reaches it) before id ``before`` (or the
        newest), oldest first, as they now stand."""
        rules.check_history_count(count)
        where, events = await self._kept(member, room)
        thread = [event for event in events if in_thread(event, str(root))]
        if not thread:
            raise errors.no_such_message(root, where)
        kept = [e for e in thread if before is None or int(e.id) < before]
        return where, heard(self.ignoring_of(member), kept)[-count:]
