"""A user's own data in Redis: the cluster's :class:`UserDataSteps`.

Reading an account's data is one read of the server's slot
(``ACCOUNT_READ``: the rooms that ever numbered an event and the rooms
there are, its private conversations, ``P talk:c`` for each ``P pids``
conversation it is a side of, and the messages waiting for the other
sides), then one of each room (``ROOM_READ``: its history, numbered from
its newest id, and its owner), each on its own slot, so that it works
with the rooms spread over a Redis Cluster's shards. The node decides
(:mod:`chatroom.core.userdata`: which events are the account's, what
each becomes, in the cluster's canonical encoding). An erasure is each
room's ``ROOM_ERASE`` first, which checks that every entry it changes is
still as read (else the node reads and decides again, five times at
most) and rewrites or blanks them (ids never move), then the server's
``ACCOUNT_ERASE``: the conversations, what waits for the account and
what it sent that waits for others, its markers, its remembered rooms
and the account itself, last, so that an erasure cut short between the
steps leaves an account that can be deleted again. The cluster's search
index (``--search-db``) is not rewritten.

An export waits in ``P export:<token>`` (its deadline on the core's clock,
then the archive), with a Redis expiry too, so any node's HTTP door hands
it out, once (``TAKE_EXPORT`` reads and deletes in one step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.encoded import decoded, private_events, stored_events
from chatroom.backends.redis.markers import RedisMarkers
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.remembered import RedisRememberedRooms
from chatroom.core import codec, errors
from chatroom.core.events import PrivateMessage, StoredEvent
from chatroom.core.text import name_key
from chatroom.core.userdata import AccountData, authored, erased, other_side

#: ARGV: P, account. What the server's slot keeps of the account: {the
#: rooms that ever numbered an event and the rooms there are (keys, each
#: read by ``ROOM_READ``), conversations: {c, entries}..., waiting: {other
#: side, entries}...}.
ACCOUNT_READ = Script("userdata-account-read")

#: ARGV: P, r. Room r as an account's data needs it, from the room's slot
#: alone: {name ('' if the room is gone), its newest id, its kept events,
#: its owner and owner account}.
ROOM_READ = Script("userdata-room-read", room_at=2)

#: ARGV: P, r, n, then n × (id, entry as read, new entry). 0 if an entry
#: changed since it was read (nothing is written then), else 1: the room's
#: part of an erasure, one step on the room's slot.
ROOM_ERASE = Script("userdata-room-erase", room_at=2)

#: ARGV: P, account, m, then m × (other side, entry to drop from what waits
#: for it). The server's part of an erasure, once every room's is done:
#: the conversations, what waits for the account, its markers, remembered
#: rooms and the account itself.
ACCOUNT_ERASE = Script("userdata-account-erase")

#: ARGV: P, token, deadline and archive, seconds to keep.
KEEP_EXPORT = Script("export-keep")

#: ARGV: P, token. The export (deadline and archive), now gone; nil if none.
TAKE_EXPORT = Script("export-take")

#: Reads and decisions an erasure may take before it gives up (busy rooms).
ATTEMPTS = 5


class RedisUserData:
    """:class:`chatroom.core.userdata.UserDataSteps` on Redis."""

    def __init__(
        self,
        calls: RedisCalls,
        markers: RedisMarkers,
        remembered: RedisRememberedRooms,
        clock: IReactorTime,
    ) -> None:
        self.calls = calls
        self.clock = clock
        self.markers = markers
        self.remembered = remembered

    async def _read(self, account: str) -> _Read:
        """The account's data as the server's slot and each room's keep it:
        one read of the server's, then one of each room, each on its own
        slot (one after the other: an export or an erasure is rare)."""
        numbered, current, talks, waiting = await self.calls.eval(ACCOUNT_READ, account)
        keys = list(dict.fromkeys(key.decode() for key in [*numbered, *current]))
        rooms = [
            _RoomRead(key, *(await self.calls.eval(ROOM_READ, key))) for key in keys
        ]
        return _Read(rooms, talks, waiting)

    async def gather(self, account: str) -> AccountData:
        read = await self._read(account)
        owned = [
            room.name.decode()
            for room in read.rooms
            if room.name and account.encode() in (room.owner, room.owner_account)
        ]
        data = AccountData(
            markers=await self.markers.markers(account),
            remembered=await self.remembered.rooms(account),
            owned=sorted(owned),
        )
        for room in read.rooms:
            name = (room.name or room.key.encode()).decode()
            data.said += [
                (name, event)
                for event in stored_events(room.entries)
                if authored(event, account)
            ]
        for conversation, entries in read.talks:
            other = other_side(conversation.decode(), account)
            if other is not None:
                data.conversations[other] = private_events(entries)
        return data

    async def erase(self, account: str, how: str) -> None:
        """Each room's part first, one step on its slot each (a room whose
        entries changed since they were read is read and decided again),
        then the server's: the account goes last, so an erasure cut short
        leaves an account that can be deleted again, never messages no
        account can reach."""
        for _ in range(ATTEMPTS):
            read = await self._read(account)
            settled = True
            for room in read.rooms:
                changes: list[bytes | str] = []
                first = int(room.last) - len(room.entries) + 1
                for offset, entry in enumerate(room.entries):
                    event = _stored(entry)
                    if event is None or not authored(event, account):
                        continue
                    changed = erased(event, how)
                    new = codec.encode(changed) if changed is not None else b""
                    changes += [str(first + offset), entry, new]
                if changes:
                    done = await self.calls.eval(
                        ROOM_ERASE, room.key, len(changes) // 3, *changes
                    )
                    settled = settled and bool(int(done))
            if not settled:
                continue
            drops: list[bytes | str] = []
            for other, entries in read.waiting:
                for entry in entries:
                    sent = decoded(entry, PrivateMessage)
                    if sent is not None and name_key(sent.sender) == account:
                        drops += [other, entry]
            await self.calls.eval(ACCOUNT_ERASE, account, len(drops) // 2, *drops)
            return
        raise errors.unavailable()

    async def keep_export(self, token: str, archive: bytes, until: float) -> None:
        kept = f"{until!r}\n".encode() + archive
        seconds = max(1, math.ceil(until - self.clock.seconds()))
        await self.calls.eval(KEEP_EXPORT, token, kept, seconds)

    async def take_export(self, token: str, now: float) -> bytes | None:
        kept = await self.calls.eval(TAKE_EXPORT, token)
        if not kept:
            return None
        until, _, archive = bytes(kept).partition(b"\n")
        return archive if now < float(until) else None


@dataclass
class _RoomRead:
    """One room as ``ROOM_READ`` read it for an account's data."""

    key: str
    name: bytes  # b"": the room is gone (its kept events too, then)
    last: int
    entries: list[bytes]
    owner: bytes
    owner_account: bytes


@dataclass
class _Read:
    """An account's data as it was read, slot by slot."""

    rooms: list[_RoomRead]
    talks: list[Any]
    waiting: list[Any]


def _stored(entry: bytes) -> StoredEvent | None:
    """The stored event an entry of a history holds (None: a redacted
    message's place, or no event)."""
    if not entry:
        return None
    events = stored_events([entry])
    return events[0] if events else None
