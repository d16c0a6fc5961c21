"""Rooms' moderation logs in a cluster: the Redis :class:`ModerationLog`.

A list per room (``P modlog:<room>``), its newest
:data:`~chatroom.core.modlog.MODLOG_KEEP` entries, kept and read by the
``MODLOG_ADD`` and ``MODLOG_READ`` scripts
(:mod:`chatroom.backends.redis.life_scripts`); a room's log goes with the
room.
"""

from __future__ import annotations

from chatroom.backends.redis import life_scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.core.modlog import MODLOG_KEEP, ModEntry
from chatroom.core.text import name_key


class RedisModerationLog:
    """:class:`chatroom.core.modlog.ModerationLog` on Redis: a list per room."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def record(self, room: str, entries: list[ModEntry]) -> None:
        lines = [entry.line() for entry in entries]
        await self.calls.call(
            life_scripts.MODLOG_ADD, name_key(room), MODLOG_KEEP, *lines, refusals={}
        )

    async def read(self, room: str, count: int) -> list[ModEntry]:
        reply = await self.calls.call(
            life_scripts.MODLOG_READ, name_key(room), count, refusals={}
        )
        return [ModEntry.of_line(line.decode("utf-8")) for line in reply[1]]
