"""Rooms' moderation logs in a cluster: the Redis :class:`ModerationLog`.

A list per room (``P modlog:<room>``), its newest
:data:`~chatroom.core.moderation.modlog.MODLOG_KEEP` entries, kept and read by the
``MODLOG_ADD`` and ``MODLOG_READ`` scripts
(:mod:`chatroom.backends.redis.life_scripts`), or written by the script of
the action they record, with it (the change's
:class:`~chatroom.core.model.changes.modlog.RecordEntries`,
``record_entries`` in the prelude); a room's log goes with the room. The
server's log is in the server's slot in either layout (``P modlog:*``; ``P
server-modlog`` with rooms apart, where an older version's, in a slot of its
own, is read before it), so that the scripts of the server's actions (its
bans, its lockdown) record them in the same step. Each entry is in the
cluster's one encoding (:mod:`chatroom.core.model.codec`), never a line parsed
back; an entry that is not (one an older version kept as a line) is logged
and skipped, as every entry read back from Redis is
(:mod:`chatroom.backends.redis.encoded`).
"""

from __future__ import annotations

from chatroom.backends.redis import life_scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.encoded import decoded_all
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.modlog import ModerationLogOf
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import MODLOG_KEEP, SERVER_LOG, ModEntry


class RedisModerationLog:
    """:class:`chatroom.core.moderation.modlog.ModerationLog` on Redis: a list per
    room."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    @applies(ModerationLogOf)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a moderation log
        (:class:`~chatroom.core.model.changes.modlog.ModerationLogOf`): its
        entries added in one script (none to a room gone)."""
        assert isinstance(change.subject, ModerationLogOf)
        log = change.subject.log
        add = life_scripts.SERVER_MODLOG_ADD if log == SERVER_LOG else None
        await self.calls.call(
            add or life_scripts.MODLOG_ADD,
            {"change": change, "log": log, "keep": MODLOG_KEEP},
            refusals={},
        )

    async def read(self, room: str, count: int) -> list[ModEntry]:
        key = name_key(room)
        if key != SERVER_LOG:
            reply = await self.calls.call(
                life_scripts.MODLOG_READ, {"log": key, "count": count}, refusals={}
            )
            return decoded_all(reply[1], ModEntry)
        reply = await self.calls.call(
            life_scripts.SERVER_MODLOG_READ, {"log": key, "count": count}, refusals={}
        )
        entries = reply[1]
        if self.calls.rooms_apart and len(entries) < count:
            older = await self.calls.call(
                life_scripts.OLDER_SERVER_MODLOG_READ,
                {"log": key, "count": count - len(entries)},
                refusals={},
            )
            entries = [*older[1], *entries]
        return decoded_all(entries, ModEntry)
