"""The Redis back-end's steps for messages with a life.

:class:`RedisMessageSteps` is the ``messages`` part of
:class:`~chatroom.backends.redis.redis_backend.RedisBackend`, composed into it
(kept apart so that module stays readable). The back-end's ``apply``
hands it a room's messages' changes about what the room keeps: one
``AMEND`` script checks that the member is in the room and the change's
premises (the message still as the core read it, the reactions as read by
``REACTION_FACTS``...), then changes or blanks the message in the room's
history, or who reacted with what, or the topic, and publishes the
``EDIT``, ``REDACT``, ``REACT`` or ``TOPIC`` with the room's next id.
``RELAY`` publishes a typing notice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, succeed

from chatroom.backends.redis import life_scripts, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.replicas import ReplicaWait, confirmed
from chatroom.backends.redis.replies import key_of
from chatroom.core.infra.seats import Session
from chatroom.core.messages.search import SearchQuery, found_events
from chatroom.core.model import codec, errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import Append
from chatroom.core.model.changes.transactions import KeyDoneError, KeyUnused
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import RoomEvent, SearchResult
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import MODLOG_KEEP
from chatroom.core.policy.reactions import PRUNE_EVERY, ReactionFacts
from chatroom.redisclient.link import Written

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
        replication: ReplicaWait | None = None,
    ) -> None:
        """Args:
        calls: the node's Redis calls (the ``AMEND`` script).
        here: the rooms this node's members are in (a member's room's key).
        config: the server's settings (how many events a room keeps).
        searcher: the cluster's full-text index (``--search-db``), if any.
        replication: the replicas an ``AMEND`` waits for before it is
            answered (``--redis-replicas``), if any.
        """
        self.calls = calls
        self.here = here
        self.config = config
        self.searcher = searcher
        self.replication = replication

    def start(self) -> None:
        """The node's share of keeping the search index current."""
        if self.searcher is not None:
            self.searcher.start()

    def close(self) -> Deferred[None]:
        """Let go of the search's connection and thread."""
        return succeed(None) if self.searcher is None else self.searcher.close()

    async def reaction_facts(
        self, room: str, target: str, reaction: str, user: str
    ) -> ReactionFacts:
        """One read (``REACTION_FACTS``) of the room's reactions hash."""
        reply = await self.calls.eval(
            life_scripts.REACTION_FACTS,
            {
                "room": name_key(room),
                "target": target,
                "reaction": reaction,
                "user": user,
            },
        )
        distinct, given, mine = (int(value) for value in reply)
        return ReactionFacts(mine == 1, given == 1, distinct)

    async def amend(self, change: DecidedChange, session: Session | None) -> None:
        """One ``AMEND``: a room's messages' change about what it keeps (a
        topic, an edit or a redaction, a reaction, a deleted account's
        words) by a member (``session``: in the room) or by nobody: its
        premises checked, its operations stored, the event that says so
        appended, what it records in the room's moderation log recorded."""
        operands: dict[str, Any] = {
            "change": change,
            "retention": self.config.retention,
            "keep": MODLOG_KEEP,
            "prune": PRUNE_EVERY,
        }
        if session is not None:
            operands.update(user=key_of(session), token=session.token)
        keyed = change.premise(KeyUnused) is not None
        if keyed:  # a keyed line's (/txn): its key checked first and kept
            operands["keyed"] = 1  # with it, its event's id answered (ACK)
        # Answered once the replicas have it (a repeat's key too).
        written = None if self.replication is None else Written()
        try:
            reply = await self.calls.call(
                scripts.AMEND, operands, refusals=MEMBERS_ONLY, written=written
            )
        except KeyDoneError:
            await confirmed(self.replication, written)
            raise
        await confirmed(self.replication, written)
        if keyed:
            for appended in change.of(Append):
                appended.event.id = str(reply[1])

    async def relay(
        self, member: Member, session: Session, room: str, event: RoomEvent
    ) -> None:
        where = self.here.joined_room(member, room)
        await self.calls.call(
            life_scripts.RELAY,
            {
                "room": where.key,
                "user": key_of(session),
                "token": session.token,
                "event": codec.encode(event),
            },
            refusals=MEMBERS_ONLY,
        )

    async def attach(self, room: str, event: RoomEvent) -> None:
        operands = {"room": name_key(room), "event": codec.encode(event)}
        await self.calls.call(life_scripts.ATTACH, operands, refusals={})

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
