"""Accounts and identity as a back-end keeps them: each part's reads.

An account's record, its read markers, settings, remembered rooms, push
subscriptions, uploaded files and upload tokens, and what ``/export`` and
``/delete-account`` read: each is a store of its own (Ergo's
``AccountManager`` keeps them as one manager's state), gathered here as the
accounts' concern; each is changed by a decided change the back-end
applies (:meth:`chatroom.core.backend.Backend.apply`).
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.accounts.account_settings import SettingStore
from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.accounts.files import FileStore, SharedBytes, UploadTokenStore
from chatroom.core.accounts.markers import MarkerStore
from chatroom.core.accounts.push import PushStore
from chatroom.core.policy.userdata import UserDataSteps


class RememberedRooms(Protocol):
    """An account's rooms, kept (in the store or Redis) while it is away,
    so its next device is put back in them (:mod:`chatroom.core.services.devices`):
    read here; a change of an
    :class:`~chatroom.core.model.changes.settings.AccountRooms`
    (rooms remembered and forgotten, in order) is applied by the
    back-end."""

    async def rooms(self, account: str) -> list[str]:
        """The names of the rooms account ``account`` was in, oldest first."""
        ...


class AccountStores(Protocol):
    """The stores of everything kept for an account."""

    @property
    def records(self) -> AccountStore:
        """Where accounts (and invitations) are kept."""
        ...

    @property
    def markers(self) -> MarkerStore:
        """Where accounts' read markers are kept."""
        ...

    @property
    def settings(self) -> SettingStore:
        """Where accounts' settings (threads followed, notification
        levels, profiles) are kept."""
        ...

    @property
    def remembered(self) -> RememberedRooms:
        """Where accounts' rooms are kept across disconnects and restarts."""
        ...

    @property
    def push(self) -> PushStore:
        """Where the VAPID key and accounts' push subscriptions are kept."""
        ...

    @property
    def files(self) -> FileStore:
        """Where uploaded files' metadata is kept (``--files``)."""
        ...

    @property
    def file_bytes(self) -> SharedBytes | None:
        """Where a cluster keeps uploaded files' bytes for every node
        (``--files-db``); None: a single server's own directory holds them."""
        ...

    @property
    def upload_tokens(self) -> UploadTokenStore:
        """Where ``/token``'s tokens are read, by every node."""
        ...

    @property
    def user_data(self) -> UserDataSteps:
        """A user's own data, read for ``/export`` and for a deletion's
        decisions (kept, taken and erased by decided changes)."""
        ...
