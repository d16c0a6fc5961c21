"""Moderation and safety as a back-end keeps them: logs, reports, bans.

The rooms' and the server's moderation logs, the reports of messages, the
server's bans and its lockdown level: each read here, each changed by a
decided change the back-end applies
(:meth:`chatroom.core.backend.Backend.apply`). News of a network ban or a
lockdown set on any node reaches the listeners that follow it, so that
every node screens new connections alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chatroom.core.moderation.lockdown import Lockdown, LockdownNews
from chatroom.core.moderation.modlog import ModerationLog
from chatroom.core.moderation.netbans import BanTerms, NetworkBanNews
from chatroom.core.moderation.report_store import ReportStore


class BanStore(Protocol):
    """The server's bans and its lockdown level, as kept."""

    async def server_bans(self) -> list[str]:
        """Every server-wide ban mask, oldest first."""
        ...

    async def is_server_banned(self, masks: Iterable[str]) -> bool:
        """Whether a ban covers any of ``masks``."""
        ...

    async def server_ban_terms(self) -> dict[str, BanTerms]:
        """Each ban's terms (who, until when, why), by mask; a ban kept
        without any has none here."""
        ...

    async def lockdown(self) -> Lockdown:
        """The server's lockdown level as kept (``OPEN`` if never set)."""
        ...


class ModerationStore(Protocol):
    """What moderation reads, and who hears of the server's bans."""

    @property
    def modlog(self) -> ModerationLog:
        """Where rooms' and the server's moderation logs are read."""
        ...

    @property
    def reports(self) -> ReportStore:
        """Where the server's reports of messages are kept."""
        ...

    @property
    def bans(self) -> BanStore:
        """Where the server's bans and lockdown level are kept."""
        ...

    def follow_network_bans(self, news: NetworkBanNews) -> None:
        """``news`` hears every network ban made or lifted from now on, on
        any node, and when such news may have been missed."""

    def follow_lockdown(self, news: LockdownNews) -> None:
        """``news`` hears every lockdown level set from now on, on any
        node, and when such news may have been missed."""
