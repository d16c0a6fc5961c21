"""The Redis back-end's steps for messages with a life.

:class:`RedisMessageSteps` is the ``messages`` part of
:class:`~chatroom.backends.redis.backend.RedisBackend`, composed into it
(kept apart so that module stays readable): one ``AMEND`` script checks
that the message is still as the core read it, changes or blanks it in the
room's history and publishes the ``EDIT`` or ``REDACT`` with the room's
next id; one ``REACT`` script does the same for a reaction, changing who
reacted with what; ``RELAY`` publishes a typing notice, ``KEEP`` keeps a
tags-only message as ``SAY`` keeps a message. Its ``modlog``
is :class:`~chatroom.backends.redis.modlog.RedisModerationLog`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatroom.backends.redis import life_scripts, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.replies import kept, key_of
from chatroom.core import codec, errors
from chatroom.core.codec import unnumbered
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Edited,
    Message,
    Reaction,
    Redacted,
    RoomEvent,
    SearchResult,
    TagMessage,
)
from chatroom.core.member import Member
from chatroom.core.reactions import PRUNE_EVERY, REACTIONS_PER_MESSAGE
from chatroom.core.search import SearchQuery, found_events
from chatroom.core.sessions import SeatSession
from chatroom.core.text import name_key

if TYPE_CHECKING:  # psycopg's: the back-end imports it where --search-db is given
    from chatroom.backends.redis.search import ClusterSearch


class RedisMessageSteps:
    """:class:`chatroom.core.backend.MessageSteps` on Redis."""

    def __init__(
        self,
        calls: RedisCalls,
        here: NodeRooms,
        config: ServerConfig,
        searcher: ClusterSearch | None = None,
    ) -> None:
        """Args:
        calls: the node's Redis calls (the ``AMEND`` script).
        here: the rooms this node's members are in (a member's room's key).
        config: the server's settings (how many events a room keeps).
        searcher: the cluster's full-text index (``--search-db``), if any.
        """
        self.calls = calls
        self.here = here
        self.config = config
        self.searcher = searcher

    def start(self) -> None:
        """The node's share of keeping the search index current."""
        if self.searcher is not None:
            self.searcher.start()

    def close(self) -> Deferred[None]:
        """Let go of the search's connection and thread."""
        return succeed(None) if self.searcher is None else self.searcher.close()

    async def amend(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        target: Message,
        replacement: Message | None,
        event: Edited | Redacted,
        now: float,
    ) -> None:
        where = self.here.place(member, room)
        await self.calls.call(
            scripts.AMEND,
            where.key,
            key_of(session),
            session.token,
            target.id,
            codec.encode(target),  # as read: its bytes in the history
            b"" if replacement is None else codec.encode(replacement),
            unnumbered(event),
            self.config.retention,
            refusals=MEMBERS_ONLY,
        )

    async def react(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        target: Message,
        event: Reaction,
        now: float,
    ) -> str:
        where = self.here.place(member, room)
        reply = await self.calls.call(
            life_scripts.REACT,
            where.key,
            key_of(session),
            session.token,
            target.id,
            codec.encode(target),
            event.reaction,
            "1" if event.adding else "",
            REACTIONS_PER_MESSAGE,
            unnumbered(event),
            self.config.retention,
            PRUNE_EVERY,
            refusals=MEMBERS_ONLY,
        )
        return str(reply[1].decode())

    async def relay(
        self, member: Member, session: SeatSession, room: str, event: RoomEvent
    ) -> None:
        where = self.here.place(member, room)
        await self.calls.call(
            life_scripts.RELAY,
            where.key,
            key_of(session),
            session.token,
            codec.encode(event),
            refusals=MEMBERS_ONLY,
        )

    async def keep(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        event: TagMessage,
        now: float,
    ) -> None:
        where = self.here.place(member, room)
        reply = await self.calls.call(
            life_scripts.KEEP,
            where.key,
            key_of(session),
            session.token,
            unnumbered(event),
            *kept(self.config, now),
            refusals=MEMBERS_ONLY,
        )
        event.id = str(reply[1])

    async def attach(self, room: str, event: RoomEvent) -> None:
        await self.calls.call(
            life_scripts.ATTACH, name_key(room), codec.encode(event), refusals={}
        )

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        """PostgreSQL's index (:mod:`chatroom.backends.redis.search`):
        the rooms' messages and the party's private conversations.
        Without ``--search-db`` it is refused, never half done: Redis has
        no full-text index here (``docs/scaling.md``, *Search*), and a
        search of only what this node sees would miss rooms."""
        if self.searcher is None:
            raise errors.search_unavailable()
        names = {name_key(room): room for room in rooms}
        if not names and not query.party:
            return []
        rows = await self.searcher.search(list(names), query, limit)
        return found_events(rows, names, query.party)
