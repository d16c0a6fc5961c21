"""A user's own things: its data (``/export``, ``/delete-account``), its
account's end on every device, the names it ignores, its notification
levels, and Web Push subscriptions.

Read markers and an account's devices are objects of their own
(:class:`~chatroom.core.services.reading.Markings`,
:class:`~chatroom.core.services.devices.Devices`), which the registry hands the
doors as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial

from twisted.internet.interfaces import IReactorTime

from chatroom.core.accounts import push, sign_in_tokens
from chatroom.core.accounts.account_settings import SettingStore
from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.accounts.door_settings import DoorSettings, DoorState
from chatroom.core.accounts.files import FileService
from chatroom.core.accounts.notify_levels import NotifyLevels
from chatroom.core.accounts.push import Notifications, check_subscription, public_key_of
from chatroom.core.infra import ignoring
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.ignoring import NOBODY
from chatroom.core.infra.retrying import retried
from chatroom.core.model.changes.base import FactsChangedError
from chatroom.core.model.changes.moderation import sessions_ended
from chatroom.core.model.errors import ChatError
from chatroom.core.model.member import Member
from chatroom.core.policy.userdata import (
    EXPORT_TTL,
    AccountData,
    UserDataSteps,
    erased_account,
    erasure,
    kept_export,
    taken_export,
)
from chatroom.core.services.devices import Devices
from chatroom.core.services.identities import Identities


class UserService:
    """What a user keeps, and takes away."""

    def __init__(
        self,
        clock: IReactorTime,
        records: AccountStore,
        settings: SettingStore,
        user_data: UserDataSteps,
        apply: Applies,
        identities: Identities,
        notifications: Notifications,
        files: FileService | None,
        devices: Devices,
    ) -> None:
        """Args:
        records: the accounts as kept (their ignore lists).
        settings: the accounts' settings (notification levels).
        user_data: what ``/export`` and ``/delete-account`` read.
        apply: the back-end's one write, which applies what is decided.
        """
        self.clock = clock
        self.records = records
        self.settings = settings
        self.user_data = user_data
        self.apply = apply
        self.identities = identities
        self.notifications = notifications
        #: The VAPID public key, once derived (:meth:`push_key`).
        self._push_key: str | None = None
        self.files = files
        #: /notify: per-room notification levels (chatroom.core.accounts.notify_levels).
        self.notify_levels = NotifyLevels(
            settings,
            apply,
            identities.joined_room,
            identities.session,
            notifications.settings_changed,
            devices.copy_to,
            devices.to_others,
        )
        #: A door's choices and replay positions (chatroom.core.accounts.door_settings).
        self.door_settings = DoorSettings(settings, apply)

    # -- a door's choices and replay positions (chatroom.core.accounts.door_settings)
    # -----

    async def door_state(self, account: str, door: str) -> DoorState:
        """``account``'s choices and ``door``'s sent positions."""
        return await self.door_settings.read(account, door)

    async def door_choice(self, account: str, name: str, value: str) -> str:
        """``/set irc-notes on|off``: choice ``name`` of ``account`` is
        ``value`` (returned; ``NOT_ALLOWED`` for a plain name)."""
        return await self.door_settings.choose(account, name, value)

    async def keep_sent(
        self, account: str, door: str, positions: Mapping[str, int]
    ) -> None:
        """``door``'s sent positions of ``account`` (room key → event id)."""
        await self.door_settings.keep_sent(account, door, positions)

    # -- a user's own data (chatroom.core.policy.userdata)
    # ------------------------------

    async def gather_user_data(self, account: str) -> AccountData:
        """Everything kept of account key ``account``, for ``/export``."""
        data = await self.user_data.gather(account)
        return replace(data, settings=await self.settings.settings(account))

    async def keep_export(self, token: str, archive: bytes) -> None:
        """Keep an export under ``token`` for
        :data:`~chatroom.core.policy.userdata.EXPORT_TTL` seconds, once."""
        until = self.clock.seconds() + EXPORT_TTL
        await self.apply(kept_export(token, archive, until))

    async def take_export(self, token: str) -> bytes | None:
        """The export under ``token`` (then gone), or None: none kept, its
        time over (it goes then too), or taken meanwhile by another
        request, on any node."""
        kept = await self.user_data.export(token)
        if kept is None:
            return None
        try:
            await self.apply(taken_export(token))
        except FactsChangedError:
            return None
        archive, until = kept
        return archive if self.clock.seconds() < until else None

    async def erase_account(self, member: Member, account: str) -> None:
        """``member``'s account ``account`` and its data go, in one step;
        its room messages as ``--on-delete`` says; its push subscriptions
        with it."""
        await retried(partial(self._erase_words, account))
        await self.apply(erased_account(account))
        await self.apply(push.dropped(account))

    async def _erase_words(self, account: str) -> None:
        """Each room's part of an erasure, decided on the account's words
        there as read (:func:`chatroom.core.policy.userdata.erasure`), one change
        a room: a room whose words changed meanwhile refuses, and the
        whole is read and decided again (the rooms done have nothing left
        to change); a room deleted meanwhile has none."""
        on_delete = self.identities.config.on_delete
        for words in await self.user_data.words(account):
            change = erasure(account, on_delete, words)
            if change is None:
                continue
            try:
                await self.apply(change)
            except ChatError as refusal:
                if refusal.code != "NO_SUCH_ROOM":
                    raise

    async def end_signed_in(self, account: str, reason: str) -> None:
        """Every device signed in to account key ``account`` (under its
        name, or another taken by ``/nick``) is disconnected (``reason``),
        on every node, and its push subscriptions and upload tokens are
        forgotten: after a password reset (by mail or by an operator), a
        ``/delete-account``."""
        await self.forget_access(account)
        await self.apply(sessions_ended(account, "", reason))

    async def forget_access(self, account: str) -> None:
        """Account key ``account``'s push subscriptions, upload tokens and
        sign-in tokens (device sessions) are forgotten, on every node: with
        its devices' end, and once it is given up (``/unregister``), so that
        none reaches whoever registers its name next. One given meanwhile,
        decided before the account was deleted, is refused (it rests on the
        account being :class:`~chatroom.core.model.changes.accounts.Registered`)."""
        await self.apply(push.dropped(account))
        await self.apply(sign_in_tokens.all_ended(account))
        if self.files is not None:
            await self.files.revoke_tokens(account)

    # -- whom a user ignores (chatroom.core.infra.ignoring)
    # ------------------------------

    async def ignore(self, member: Member, name: str, ignore: bool) -> str:
        """``/ignore NAME`` (``ignore``) or ``/unignore NAME`` for the
        member's account: nothing ``name`` says reaches any of its devices
        from then on, on every node; returns ``name`` once the account's
        list holds it (or no more).

        Raises:
            ChatError: ``ACCOUNT_REQUIRED``, ``BAD_ARGS``.
        """
        session = self.identities.session(member)
        account = session.account
        listed = await self.records.ignores(account) if account else NOBODY
        change = ignoring.change(account, session.name, listed, name, ignore)
        await self.apply(change)  # every node's seats of the account take it
        return name

    async def ignored(self, member: Member) -> list[str]:
        """``/ignores``: the name keys the member's account ignores, sorted."""
        account = self.identities.session(member).account
        if not account:
            return []
        return sorted(await self.records.ignores(account))

    # -- Web Push (chatroom.core.accounts.push)
    # -------------------------------------------

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
        with): derived once per process (:func:`~chatroom.core.accounts.push.
        public_key_of`) from the server's key, made at the first start."""
        if self._push_key is None:
            self._push_key = public_key_of(await self.notifications.server_key())
        return self._push_key
