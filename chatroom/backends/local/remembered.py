"""Accounts' remembered rooms in one process: the local :class:`RememberedRooms`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``account_rooms`` table with ``--db``), as read markers are, so an
account's rooms outlast its devices' connections and a restart.
"""

from __future__ import annotations

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.records import Store
from chatroom.core.model.changes.base import DecidedChange, account_of, applies
from chatroom.core.model.changes.settings import AccountRooms, ForgetRoom, RememberRoom
from chatroom.core.model.text import name_key


class StoredRooms:
    """account key → {room key → room name}, in the order entered."""

    def __init__(self, store: Store, accounts: StoredAccounts) -> None:
        self.store = store
        forget_markers = accounts.on_delete

        def forget(account: str) -> None:
            forget_markers(account)
            self.by_account.pop(account, None)

        accounts.on_delete = forget
        self.by_account: dict[str, dict[str, str]] = {}
        for account, room in store.load_account_rooms():
            self.by_account.setdefault(account, {})[name_key(room)] = room

    def moved(self, key: str, name: str) -> None:
        """Room ``key`` is called ``name``: each account that would be put
        back in it is put back in it by that name, written through."""
        for account, rooms in self.by_account.items():
            if (was := rooms.get(key)) is not None:
                self.store.save_account_room(account, was, False)
                self.store.save_account_room(account, name, True)
                del rooms[key]
                rooms[name_key(name)] = name

    async def rooms(self, account: str) -> list[str]:
        return list(self.by_account.get(account, {}).values())

    @applies(AccountRooms)
    async def apply(self, change: DecidedChange) -> None:
        """``change``'s rooms remembered and forgotten, in order, written
        through."""
        account = account_of(change, AccountRooms)
        for op in change.ops:
            if isinstance(op, RememberRoom):
                rooms = self.by_account.setdefault(account, {})
                if name_key(op.name) not in rooms:
                    rooms[name_key(op.name)] = op.name
                    self.store.save_account_room(account, op.name, True)
            elif isinstance(op, ForgetRoom):
                rooms = self.by_account.get(account, {})
                if rooms.pop(name_key(op.name), None) is not None:
                    self.store.save_account_room(account, op.name, False)
            else:
                raise TypeError(f"no operation {op!r} of an account's rooms")
