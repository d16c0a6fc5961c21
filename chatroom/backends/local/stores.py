"""What one process keeps of accounts and of moderation, gathered by concern.

Each table of the ``--db`` file has its store (:mod:`.accounts`,
:mod:`.markers`, :mod:`.settings`, :mod:`.remembered`, :mod:`.push`,
:mod:`.files`, :mod:`.userdata`, :mod:`.modlog`, :mod:`.reports`); these
are the concerns the core reads them by: accounts and identity
(:class:`~chatroom.core.accounts.stores.AccountStores`), moderation and
safety (:class:`~chatroom.core.moderation.store.ModerationStore`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.files import MemoryUploadTokens, StoredFiles
from chatroom.backends.local.markers import StoredMarkers
from chatroom.backends.local.modlog import StoredModerationLog
from chatroom.backends.local.push import StoredPush
from chatroom.backends.local.remembered import StoredRooms
from chatroom.backends.local.reports import StoredReports
from chatroom.backends.local.settings import StoredSettings
from chatroom.backends.local.userdata import LocalUserData
from chatroom.core.accounts.files import SharedBytes
from chatroom.core.moderation.lockdown import LockdownNews
from chatroom.core.moderation.netbans import NetworkBanNews


@dataclass(frozen=True)
class LocalAccounts:
    """Everything kept for an account in one process (a single server's
    files' bytes are its own directory's: no ``file_bytes``)."""

    records: StoredAccounts
    markers: StoredMarkers
    settings: StoredSettings
    remembered: StoredRooms
    push: StoredPush
    files: StoredFiles
    upload_tokens: MemoryUploadTokens
    user_data: LocalUserData
    file_bytes: SharedBytes | None = None


@dataclass(frozen=True)
class LocalModeration:
    """The moderation logs, the reports and the bans of one process, and
    who hears of a network ban or a lockdown set (the doors' server, the
    core's copy): in one process, every node's listeners."""

    modlog: StoredModerationLog
    reports: StoredReports
    bans: StoredAccounts
    network_ban_listeners: list[NetworkBanNews] = field(default_factory=list)
    lockdown_listeners: list[LockdownNews] = field(default_factory=list)

    def follow_network_bans(self, news: NetworkBanNews) -> None:
        self.network_ban_listeners.append(news)

    def follow_lockdown(self, news: LockdownNews) -> None:
        self.lockdown_listeners.append(news)
