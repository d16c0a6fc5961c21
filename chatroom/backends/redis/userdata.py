"""A user's own data in Redis: the cluster's :class:`UserDataSteps`.

Reading an account's data is one read of the server's slot
(``ACCOUNT_READ``: the rooms that ever numbered an event and the rooms
there are, its private conversations, ``P talk:c`` for each ``P pids``
conversation it is a side of, and the messages waiting for the other
sides), then one of each room (``ROOM_READ``: its history, numbered from
its newest id, and its owner), each on its own slot, so that it works
with the rooms spread over a Redis Cluster's shards. The core decides
what becomes of the account's room messages (:mod:`chatroom.core.policy.userdata`)
on what :meth:`RedisUserData.words` reads, and hands each room's change
to the back-end's ``apply``, which runs ``AMEND`` on the room's slot (as
any change of a room's messages): it checks that every entry it changes
is still as read (else nothing is written and the core reads and decides
again) and rewrites or blanks them (ids never move). Then the server's
``ACCOUNT_ERASE`` (:meth:`RedisUserData.apply_erasure`): the conversations, what
waits for the account and what it sent that waits for others, its
markers, its remembered rooms and the account itself, last, so that an
erasure cut short between the steps leaves an account that can be
deleted again. The cluster's search index (``--search-db``) is not
rewritten.

An export waits in ``P export:<token>`` (its deadline on the core's clock,
then the archive), with a Redis expiry too, so any node's HTTP door hands
it out, once: ``READ_EXPORT`` reads it, then ``DROP_EXPORT`` deletes it
if it is still there (:class:`~chatroom.core.model.changes.files.ExportKept`), so
of two nodes taking it at once one hands it out.
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
from chatroom.core.model.changes.accounts import AccountHoldings, EraseAccount
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.files import (
    DropExport,
    KeepExport,
    KeptExport,
)
from chatroom.core.model.events import PrivateMessage
from chatroom.core.model.text import name_key
from chatroom.core.policy.userdata import AccountData, RoomWords, authored, other_side

#: Operands: account. What the server's slot keeps of the account: {the
#: rooms that ever numbered an event and the rooms there are (keys, each
#: read by ``ROOM_READ``), conversations: {c, entries}..., waiting: {other
#: side, entries}...}.
ACCOUNT_READ = Script("userdata-account-read")

#: Operands: room. The room as an account's data needs it, from the room's
#: slot alone: {name ('' if the room is gone), its newest id, its kept
#: events, its owner and owner account}.
ROOM_READ = Script("userdata-room-read", room_at="room")

#: Operands: ``change`` (an account's holdings' erasure), ``drops`` (what
#: it sent that waits for others: the other side, the entry). The server's
#: part of an erasure, once every room's is done: the conversations, what
#: waits for the account, its markers, remembered rooms and the account
#: itself.
ACCOUNT_ERASE = Script("userdata-account-erase")

#: Operands: token. The export (deadline and archive); nil if none.
READ_EXPORT = Script("export-read")

#: Operands: ``change`` (an export's: gone, resting on its being kept
#: still). ``{'OK'}``, or ``{'CHANGED', the failed premise's place}``.
DROP_EXPORT = Script("export-drop", subjects=(KeptExport,))


class RedisUserData:
    """:class:`chatroom.core.policy.userdata.UserDataSteps` on Redis."""

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
        read = await self.calls.eval(ACCOUNT_READ, {"account": account})
        numbered, current, talks, waiting = read
        keys = list(dict.fromkeys(key.decode() for key in [*numbered, *current]))
        rooms = [
            _RoomRead(key, *(await self.calls.eval(ROOM_READ, {"room": key})))
            for key in keys
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

    async def words(self, account: str) -> list[RoomWords]:
        words = []
        for room in (await self._read(account)).rooms:
            events = [event for event in stored_events(room.entries) if event.id]
            ids = {event.id for event in events if authored(event, account)}
            found = tuple(
                event
                for event in events
                if event.id in ids or getattr(event, "target", None) in ids
            )
            if found:
                words.append(RoomWords(room.key, found))
        return words

    @applies(AccountHoldings)
    async def apply_erasure(self, change: DecidedChange) -> None:
        """A change of an account's holdings
        (:class:`~chatroom.core.model.changes.accounts.AccountHoldings`):
        the server's part, once the core has changed every room's. The
        messages it sent that wait for others are read first, then
        dropped with the rest in one script, the account last, so an
        erasure cut short leaves an account that can be deleted again,
        never messages no account can reach."""
        account = account_of(change, AccountHoldings)
        if change.ops != (EraseAccount(),):
            raise TypeError(f"not an erasure of an account: {change!r}")
        _, _, _, waiting = await self.calls.eval(ACCOUNT_READ, {"account": account})
        drops: list[list[bytes]] = []
        for other, entries in waiting:
            for entry in entries:
                sent = decoded(entry, PrivateMessage)
                if sent is not None and name_key(sent.sender) == account:
                    drops.append([other, entry])
        await self.calls.eval(ACCOUNT_ERASE, {"change": change, "drops": drops})

    async def export(self, token: str) -> tuple[bytes, float] | None:
        kept = await self.calls.eval(READ_EXPORT, {"token": token})
        if not kept:
            return None
        until, _, archive = bytes(kept).partition(b"\n")
        return archive, float(until)

    @applies(KeptExport)
    async def apply_export(self, change: DecidedChange) -> None:
        """A change of an export
        (:class:`~chatroom.core.model.changes.files.KeptExport`), one
        operation a change: kept with a Redis expiry at its deadline (as
        this node's clock says; the archive's bytes by a plain ``SET``: no
        premise, and bytes a script's JSON would not carry), or dropped if
        still kept (``DROP_EXPORT``)."""
        assert isinstance(change.subject, KeptExport)
        token = change.subject.token
        for op in change.ops:
            if isinstance(op, KeepExport):
                kept = f"{op.until!r}\n".encode() + op.archive
                seconds = max(1, math.ceil(op.until - self.clock.seconds()))
                key = f"{self.calls.prefix}export:{token}"
                await self.calls.keyed("SET", key, kept, "EX", seconds)
            elif isinstance(op, DropExport):
                reply = await self.calls.eval(DROP_EXPORT, {"change": change})
                if reply[0] != b"OK":
                    failed = change.premises[int(reply[1]) - 1]
                    raise PremiseFailedError(None, failed)


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
