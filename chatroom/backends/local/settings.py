"""Accounts' settings in one process: the local :class:`SettingStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``account_settings`` table with ``--db``), as read markers are; an
account's settings go with it.
"""

from __future__ import annotations

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.records import Store
from chatroom.core import changes
from chatroom.core.account_settings import FOLLOW, NOTIFY, SENT, entry_of


class StoredSettings:
    """account key → {setting key → value}
    (:func:`~chatroom.core.account_settings.entry_of`)."""

    def __init__(self, store: Store, accounts: StoredAccounts) -> None:
        self.store = store
        forget_before = accounts.on_delete

        def forget(account: str) -> None:
            forget_before(account)
            self.by_account.pop(account, None)

        accounts.on_delete = forget
        self.by_account: dict[str, dict[str, str]] = {}
        for account, key, value in store.load_settings():
            self.by_account.setdefault(account, {})[key] = value

    def moved(self, key: str, new_key: str) -> None:
        """Room ``key`` is called ``new_key``: every account's level of it,
        follows of its threads and doors' sent positions in it with it (the
        store's rename moves the rows of the first two; the positions are
        written through here, in the same batch); a position in a room
        called ``new_key`` before (deleted since) goes."""
        renamed = {
            f"{NOTIFY} {key}": f"{NOTIFY} {new_key}",
            **{
                f"{FOLLOW} {key} {root}": f"{FOLLOW} {new_key} {root}"
                for root in self._roots(key)
            },
        }
        gone = f"{FOLLOW} {new_key} "
        for settings in self.by_account.values():
            for setting in [s for s in settings if s.startswith(gone)]:
                del settings[setting]
            settings.pop(f"{NOTIFY} {new_key}", None)
            for old, new in renamed.items():
                if old in settings:
                    settings[new] = settings.pop(old)
        for account, settings in self.by_account.items():
            positions = [s for s in settings if sent_room(s) in (key, new_key)]
            for setting in sorted(positions, key=lambda s: sent_room(s) == key):
                value = settings.pop(setting)
                self.store.drop_setting(account, setting)
                if sent_room(setting) == key:
                    moved = f"{setting[: -len(key)]}{new_key}"
                    settings[moved] = value
                    self.store.save_setting(account, moved, value)

    def deleted(self, key: str) -> None:
        """Room ``key`` was deleted: every door's sent position in it goes
        (the store drops the rows)."""
        for account, settings in self.by_account.items():
            for setting in [s for s in settings if sent_room(s) == key]:
                del settings[setting]
                self.store.drop_setting(account, setting)

    def _roots(self, key: str) -> set[str]:
        """The threads of room ``key`` any account follows or unfollowed."""
        prefix = f"{FOLLOW} {key} "
        return {
            setting[len(prefix) :]
            for settings in self.by_account.values()
            for setting in settings
            if setting.startswith(prefix)
        }

    async def settings(self, account: str) -> dict[str, str]:
        return dict(self.by_account.get(account, {}))

    async def apply(self, change: changes.DecidedChange) -> None:
        """``change``'s settings, in order, written through (a
        :class:`~chatroom.core.changes.TellOtherNodes` tells nobody: one
        process has no other nodes)."""
        account = changes.account_of(change, changes.AccountSettings)
        settings = self.by_account.setdefault(account, {})
        for op in change.ops:
            if isinstance(op, changes.TellOtherNodes):
                continue
            key, value = entry_of(op)
            settings[key] = value
            self.store.save_setting(account, key, value)


def sent_room(setting: str) -> str:
    """The room key of a door's sent position (``sent <door> <room key>``),
    "" for a setting of another kind."""
    kind, _, about = setting.partition(" ")
    return about.partition(" ")[2] if kind == SENT else ""
