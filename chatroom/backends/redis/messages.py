"""The Redis back-end's step for messages with a life (edits, redactions).

:class:`RedisMessageSteps` is the ``messages`` part of
:class:`~chatroom.backends.redis.backend.RedisBackend`, composed into it
(kept apart so that module stays readable): one ``AMEND`` script checks
that the message is still as the core read it, changes or blanks it in the
room's history and publishes the ``EDIT`` or ``REDACT`` with the room's
next id.
"""

from __future__ import annotations

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.replies import key_of
from chatroom.core import errors
from chatroom.core.config import ServerConfig
from chatroom.core.events import Event, to_line, to_rich_line
from chatroom.core.registry import Member
from chatroom.core.search import SearchQuery
from chatroom.core.sessions import Session


class RedisMessageSteps:
    """:meth:`amend` (:class:`chatroom.core.backend.MessageSteps`) on Redis."""

    def __init__(
        self, calls: RedisCalls, here: NodeRooms, config: ServerConfig
    ) -> None:
        """Args:
        calls: the node's Redis calls (the ``AMEND`` script).
        here: the rooms this node's members are in (a member's room's key).
        config: the server's settings (how many events a room keeps).
        """
        self.calls = calls
        self.here = here
        self.config = config

    async def amend(
        self,
        member: Member,
        session: Session,
        room: str,
        target: Event,
        replacement: Event | None,
        event: Event,
        stored: Event,
        now: float,
    ) -> None:
        where = self.here.place(member, room)
        await self.calls.call(
            scripts.AMEND,
            where.key,
            key_of(session),
            session.token,
            target.id,
            target.encoded(to_rich_line),
            b"" if replacement is None else replacement.encoded(to_rich_line),
            to_line(event),
            to_line(stored),
            self.config.retention,
            refusals=MEMBERS_ONLY,
        )

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[Event]:
        """Not in cluster mode yet: Redis has no full-text index here (see
        ``docs/scaling.md``, *Search*), and a search of only what this node
        sees would miss rooms, so it is refused, never half done."""
        raise errors.search_unavailable()
