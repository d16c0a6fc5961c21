"""A user's own data in one process: the local :class:`UserDataSteps`.

What the core decides (:mod:`chatroom.core.policy.userdata`) applied to the
back-end's memory and its store: :meth:`LocalUserData.gather` reads the
account's room events from the ``--db`` file (on the store's thread,
after the pending writes; from the rooms' memory with ``--db :memory:``)
and the rest from memory; :meth:`LocalUserData.words` reads what an erasure
of its room messages is decided on the same way (the core hands each
room's change to the back-end's ``apply``); :meth:`LocalUserData.apply_erasure`
changes memory and hands the store one transaction
(:meth:`SqliteStore.erase_account`), all in one call that never waits,
so nothing comes between. Exports wait in memory, kept and taken by
changes (:meth:`LocalUserData.apply_export`).
"""

from __future__ import annotations

from collections.abc import Mapping

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.markers import StoredMarkers
from chatroom.backends.local.private import StoredConversations
from chatroom.backends.local.records import Store
from chatroom.backends.local.remembered import StoredRooms
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.rows import event_of
from chatroom.core.model.changes.accounts import AccountHoldings, EraseAccount
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.files import (
    DropExport,
    ExportKept,
    KeepExport,
    KeptExport,
)
from chatroom.core.model.events import StoredEvent
from chatroom.core.model.text import name_key
from chatroom.core.policy.userdata import (
    AccountData,
    RoomWords,
    authored,
    other_side,
)


class LocalUserData:
    """:class:`chatroom.core.policy.userdata.UserDataSteps` over the local back-end."""

    def __init__(
        self,
        store: Store,
        rooms: Mapping[str, Room],
        accounts: StoredAccounts,
        markers: StoredMarkers,
        remembered: StoredRooms,
        conversations: StoredConversations,
        clock: IReactorTime,
    ) -> None:
        self.store = store
        self.clock = clock
        self.rooms = rooms
        self.accounts = accounts
        self.markers = markers
        self.remembered = remembered
        self.conversations = conversations
        #: token → (the archive, until when it may be taken).
        self.exports: dict[str, tuple[bytes, float]] = {}

    async def gather(self, account: str) -> AccountData:
        rooms = self.rooms
        data = AccountData(
            markers=await self.markers.markers(account),
            remembered=await self.remembered.rooms(account),
            owned=[
                room.name
                for room in rooms.values()
                if name_key(room.owner_name) == account or room.absent_owner == account
            ],
        )
        data.said = [
            (event.room, event)
            for words in await self.words(account)
            for event in words.events
            if authored(event, account)
        ]
        for conversation, talk in self.conversations.talks.items():
            other = other_side(conversation, account)
            if other is not None:
                data.conversations[other] = list(talk)
        return data

    async def words(self, account: str) -> list[RoomWords]:
        """The account's room events and those that target one of them:
        from the ``--db`` file (after the pending writes), or from the
        rooms' memory where memory is all."""
        if self.store.persistent:
            by_room: dict[str, list[StoredEvent]] = {}
            for key, name, row in await self.store.words(account):
                by_room.setdefault(key, []).append(event_of(name, row))
            return [RoomWords(key, tuple(events)) for key, events in by_room.items()]
        found = []
        for room in self.rooms.values():
            ids = {e.id for e in room.history if authored(e, account)}
            events = tuple(
                event
                for event in room.history
                if event.id in ids or getattr(event, "target", None) in ids
            )
            if events:
                found.append(RoomWords(room.key, events))
        return found

    @applies(AccountHoldings)
    async def apply_erasure(self, change: DecidedChange) -> None:
        """A change of an account's holdings
        (:class:`~chatroom.core.model.changes.accounts.AccountHoldings`):
        memory changed and the store handed one transaction, in one call
        that never waits."""
        account = account_of(change, AccountHoldings)
        if change.ops != (EraseAccount(),):
            raise TypeError(f"not an erasure of an account: {change!r}")
        talks = self.conversations.talks
        for conversation in [c for c in talks if other_side(c, account) is not None]:
            del talks[conversation]
            self.conversations.last_ids.pop(conversation, None)
        for waiting in self.conversations.kept.values():
            waiting[:] = [e for e in waiting if name_key(e.sender) != account]
        # The account, its markers, remembered rooms and kept messages
        # (StoredAccounts.on_delete), then the store's one transaction.
        self.accounts.by_key.pop(account, None)
        self.accounts.on_delete(account)
        self.store.erase_account(account)

    async def export(self, token: str) -> tuple[bytes, float] | None:
        return self.exports.get(token)

    @applies(KeptExport)
    async def apply_export(self, change: DecidedChange) -> None:
        """A change of a :class:`~chatroom.core.model.changes.files.KeptExport`; one
        kept forgets those whose time is over (as this process's clock
        says), which nobody took."""
        assert isinstance(change.subject, KeptExport)
        token = change.subject.token
        if change.premise(ExportKept) and token not in self.exports:
            raise PremiseFailedError(None, change.premise(ExportKept))
        for op in change.ops:
            if isinstance(op, KeepExport):
                now = self.clock.seconds()
                for old in [t for t, (_, u) in self.exports.items() if u <= now]:
                    del self.exports[old]
                self.exports[token] = (op.archive, op.until)
            elif isinstance(op, DropExport):
                self.exports.pop(token, None)
