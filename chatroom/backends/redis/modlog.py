"""Rooms' moderation logs in a cluster: the Redis :class:`ModerationLog`.

A list per room (``P modlog:<room>``), its newest
:data:`~chatroom.core.modlog.MODLOG_KEEP` entries, kept and read by the
``MODLOG_ADD`` and ``MODLOG_READ`` scripts
(:mod:`chatroom.backends.redis.life_scripts`), or written by the script of
the action they record, with it (:func:`carried`); a room's log goes with
the room. The server's log is in the server's slot in either layout (``P
modlog:*``; ``P server-modlog`` with rooms apart, where an older
version's, in a slot of its own, is read before it), so that the scripts
of the server's actions (its bans, its lockdown) record them in the same
step. Each entry is in the cluster's one encoding (:mod:`chatroom.core.codec`),
never a line parsed back; an entry that is not (one an older version kept
as a line) is logged and skipped, as every entry read back from Redis is
(:mod:`chatroom.backends.redis.encoded`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from chatroom.backends.redis import life_scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.encoded import decoded_all
from chatroom.core import codec
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.modlog import ModerationLogOf, RecordEntries
from chatroom.core.modlog import MODLOG_KEEP, SERVER_LOG, ModEntry
from chatroom.core.text import name_key


def carried(change: DecidedChange, log: str) -> tuple[int, str]:
    """The arguments by which the script of ``change`` records the
    moderation log entries it carries with its action
    (:class:`~chatroom.core.model.changes.modlog.RecordEntries`: ``record_entries`` in
    the prelude): the most a log keeps, and the entries encoded, a JSON
    array (``[]`` for none). ``log`` (a room's key, or the server's
    :data:`~chatroom.core.modlog.SERVER_LOG`) is the one log in the
    script's slot: entries for another are a bug of the caller."""
    return entries_args(change.of(RecordEntries), log)


def entries_args(ops: Iterable[RecordEntries], log: str) -> tuple[int, str]:
    """:func:`carried` of ``ops``, the entries of an action that is no
    change of its own (a kill)."""
    entries = []
    for op in ops:
        if op.log not in ("", log):
            raise TypeError(f"entries for log {op.log!r} in a script of {log!r}")
        entries += [codec.encode(entry).decode() for entry in op.entries]
    return MODLOG_KEEP, json.dumps(entries)


class RedisModerationLog:
    """:class:`chatroom.core.modlog.ModerationLog` on Redis: a list per room."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def apply(self, change: DecidedChange) -> None:
        """A change of a :class:`~chatroom.core.model.changes.modlog.ModerationLogOf`:
        its entries added in one script (none to a room gone)."""
        assert isinstance(change.subject, ModerationLogOf)
        encoded = [
            codec.encode(entry)
            for op in change.of(RecordEntries)
            for entry in op.entries
        ]
        log = change.subject.log
        add = life_scripts.SERVER_MODLOG_ADD if log == SERVER_LOG else None
        await self.calls.call(
            add or life_scripts.MODLOG_ADD,
            log,
            MODLOG_KEEP,
            *encoded,
            refusals={},
        )

    async def read(self, room: str, count: int) -> list[ModEntry]:
        key = name_key(room)
        if key != SERVER_LOG:
            reply = await self.calls.call(
                life_scripts.MODLOG_READ, key, count, refusals={}
            )
            return decoded_all(reply[1], ModEntry)
        reply = await self.calls.call(
            life_scripts.SERVER_MODLOG_READ, key, count, refusals={}
        )
        entries = reply[1]
        if self.calls.rooms_apart and len(entries) < count:
            older = await self.calls.call(
                life_scripts.OLDER_SERVER_MODLOG_READ,
                key,
                count - len(entries),
                refusals={},
            )
            entries = [*older[1], *entries]
        return decoded_all(entries, ModEntry)
