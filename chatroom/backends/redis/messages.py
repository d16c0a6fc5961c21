"""The Redis back-end's step for messages with a life (edits, redactions).

:class:`RedisMessageSteps` is mixed into
:class:`~chatroom.backends.redis.backend.RedisBackend` (kept apart so that
module stays readable): one ``AMEND`` script checks that the message is
still as the core read it, changes or blanks it in the room's history and
publishes the ``EDIT`` or ``REDACT`` with the room's next id.
"""

from __future__ import annotations

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.replies import key_of
from chatroom.core.config import ServerConfig
from chatroom.core.events import Event, to_line, to_rich_line
from chatroom.core.registry import Member
from chatroom.core.sessions import Session


class RedisMessageSteps:
    """:meth:`amend`, over what the back-end provides."""

    calls: RedisCalls
    here: NodeRooms
    config: ServerConfig

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
