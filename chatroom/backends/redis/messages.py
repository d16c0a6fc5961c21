"""The Redis back-end's steps for messages with a life.

:class:`RedisMessageSteps` is the ``messages`` part of
:class:`~chatroom.backends.redis.redis_backend.RedisBackend`, composed into it
(kept apart so that module stays readable). The back-end's ``apply``
hands it a room's messages' changes about messages said before: one
``AMEND`` script checks that the member is in the room and the message is
still as the core read it, changes or blanks it in the room's history and
publishes the ``EDIT`` or ``REDACT`` with the room's next id; one
``REACT`` script does the same for a reaction, checking the reactions as
the core read them (``REACTION_FACTS``) and changing who reacted with
what; ``KEEP`` keeps a tags-only message as ``SAY`` keeps a message.
``RELAY`` publishes a typing notice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatroom.backends.redis import life_scripts, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.modlog import carried
from chatroom.backends.redis.replies import kept, key_of
from chatroom.core import codec, errors
from chatroom.core.codec import unnumbered
from chatroom.core.config import ServerConfig
from chatroom.core.events import RoomEvent, SearchResult
from chatroom.core.member import Member
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import (
    Append,
    FewerReactionsThan,
    MessageIs,
    React,
    Reacted,
    Rewrite,
)
from chatroom.core.reactions import PRUNE_EVERY, ReactionFacts
from chatroom.core.search import SearchQuery, found_events
from chatroom.core.seats import Session
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

    async def reaction_facts(
        self, room: str, target: str, reaction: str, user: str
    ) -> ReactionFacts:
        """One read (``REACTION_FACTS``) of the room's reactions hash."""
        reply = await self.calls.eval(
            life_scripts.REACTION_FACTS, name_key(room), target, reaction, user
        )
        distinct, given, mine = (int(value) for value in reply)
        return ReactionFacts(mine == 1, given == 1, distinct)

    async def amend(self, change: DecidedChange, session: Session) -> None:
        """One ``AMEND``: the member in the room and the message as read
        (:class:`~chatroom.core.model.changes.messages.MessageIs`) checked, the message
        rewritten or blanked, the ``EDIT`` or ``REDACT`` appended, and a
        redaction of someone else's message recorded in the room's
        moderation log."""
        (premise,) = (p for p in change.premises if isinstance(p, MessageIs))
        (rewrite,) = change.of(Rewrite)
        (said,) = change.of(Append)
        replacement = rewrite.replacement
        await self.calls.call(
            scripts.AMEND,
            change.room,
            key_of(session),
            session.token,
            rewrite.id,
            codec.encode(premise.message),  # as read: its bytes in the history
            b"" if replacement is None else codec.encode(replacement),
            unnumbered(said.event),
            self.config.retention,
            *carried(change, change.room),
            refusals=MEMBERS_ONLY,
        )

    async def react(self, change: DecidedChange, session: Session) -> None:
        """One ``REACT``: the member in the room, the message as read, the
        user's reaction given or not as read and, for one more, the
        message's reactions under the most allowed, checked; who reacted
        with what changed, the ``REACT`` or ``UNREACT`` appended."""
        message = reacted = fewer = None
        for premise in change.premises:
            if isinstance(premise, MessageIs):
                message = premise.message
            elif isinstance(premise, Reacted):
                reacted = premise
            elif isinstance(premise, FewerReactionsThan):
                fewer = premise
        assert message is not None and reacted is not None
        (react,) = change.of(React)
        (said,) = change.of(Append)
        await self.calls.call(
            life_scripts.REACT,
            change.room,
            key_of(session),
            session.token,
            react.target,
            codec.encode(message),
            react.reaction,
            "1" if react.adding else "",
            "1" if reacted.given else "",
            "" if fewer is None else fewer.count,
            unnumbered(said.event),
            self.config.retention,
            PRUNE_EVERY,
            refusals=MEMBERS_ONLY,
        )

    async def keep(self, change: DecidedChange, session: Session) -> None:
        """One ``KEEP``: the member in the room checked, a tags-only
        message numbered, published and kept as ``SAY`` keeps a message."""
        (said,) = change.of(Append)
        reply = await self.calls.call(
            life_scripts.KEEP,
            change.room,
            key_of(session),
            session.token,
            unnumbered(said.event),
            *kept(self.config, said.oldest),
            refusals=MEMBERS_ONLY,
        )
        said.event.id = str(reply[1])

    async def relay(
        self, member: Member, session: Session, room: str, event: RoomEvent
    ) -> None:
        where = self.here.joined_room(member, room)
        await self.calls.call(
            life_scripts.RELAY,
            where.key,
            key_of(session),
            session.token,
            codec.encode(event),
            refusals=MEMBERS_ONLY,
        )

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
