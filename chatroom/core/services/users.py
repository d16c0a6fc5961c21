"""A user's own things: its data (``/export``, ``/delete-account``), its
account's end on every device, and Web Push subscriptions.

Read markers and an account's devices are objects of their own
(:class:`~chatroom.core.reading.Markings`,
:class:`~chatroom.core.devices.Devices`), which the registry hands the
doors as they are.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from twisted.internet.interfaces import IReactorTime

from chatroom.core.backend import Backend
from chatroom.core.errors import ChatError
from chatroom.core.member import Member
from chatroom.core.push import Notifications, check_subscription
from chatroom.core.services.identities import Identities
from chatroom.core.userdata import EXPORT_TTL, AccountData


class UserService:
    """What a user keeps, and takes away."""

    def __init__(
        self,
        clock: IReactorTime,
        backend: Backend,
        identities: Identities,
        notifications: Notifications,
    ) -> None:
        self.clock = clock
        self.backend = backend
        self.identities = identities
        self.notifications = notifications

    # -- a user's own data (chatroom.core.userdata) ------------------------------

    async def gather_user_data(self, account: str) -> AccountData:
        """Everything kept of account key ``account``, for ``/export``."""
        return await self.backend.user_data.gather(account)

    async def keep_export(self, token: str, archive: bytes) -> None:
        """Keep an export under ``token`` for
        :data:`~chatroom.core.userdata.EXPORT_TTL` seconds, once."""
        until = self.clock.seconds() + EXPORT_TTL
        await self.backend.user_data.keep_export(token, archive, until)

    async def take_export(self, token: str) -> bytes | None:
        """The export under ``token`` (then gone), or None."""
        return await self.backend.user_data.take_export(token, self.clock.seconds())

    async def erase_account(self, member: Member, account: str) -> None:
        """``member``'s account ``account`` and its data go, in one step;
        its room messages as ``--on-delete`` says; its push subscriptions
        with it."""
        await self.backend.user_data.erase(account, self.identities.config.on_delete)
        await self.backend.push.drop_account(account)

    async def end_account(self, member: Member, reason: str) -> None:
        """Every device of ``member``'s account is disconnected
        (``reason``), on every node, as ``/kill`` ends a user."""
        with contextlib.suppress(ChatError):  # every device gone meanwhile
            name = self.identities.session(member).name
            await self.backend.end_user(name, reason)

    # -- Web Push (chatroom.core.push) -------------------------------------------

    async def push_subscribe(
        self, member: Member, endpoint: str, p256dh: str, auth: str, format: str
    ) -> None:
        """``/push add`` (``format`` json) or IRC's ``WEBPUSH REGISTER``
        (irc): keep a subscription for the member's account.

        Raises:
            ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_ARGS`` (not
                https nor allowed, keys that are no base64url P-256 key and
                16-byte secret, too many subscriptions).
        """
        allow_http = self.identities.config.push_allow_http
        subscription = check_subscription(endpoint, p256dh, auth, allow_http)
        account = self.identities.sessions.account_of(member)
        await self.notifications.subscribe(
            account, replace(subscription, format=format)
        )

    async def push_unsubscribe(self, member: Member, endpoint: str) -> None:
        """``/push remove``, ``WEBPUSH UNREGISTER``: forget one of the
        account's subscriptions (``NOT_ALLOWED``; ``BAD_ARGS``: none there)."""
        account = self.identities.sessions.account_of(member)
        await self.notifications.unsubscribe(account, endpoint)

    async def push_key(self) -> str:
        """The server's VAPID public key, base64url (what clients subscribe
        with), made at the first start."""
        return await self.notifications.public_key()
