"""The one interface to shared state, as the doors hold it.

Names, rooms, membership, messages, topics, deletion, private messages and
the lobby all go through a :class:`Registry`. There is one implementation,
:class:`chatroom.core.chat.ChatCore`, over one of two back-ends: in this
process (:mod:`chatroom.backends.local`) or in Redis, shared by a cluster
(:mod:`chatroom.backends.redis`). Doors write each command once against
this interface and never know which back-end they have.

The registry itself holds who each member is (the name it claims, the
account it signs in to, its release) and the life of the whole; a command
is asked of the service that owns its concern
(:mod:`chatroom.core.services`): ``accounts``, ``rooms``, ``messages``,
``moderation``, ``presence``, ``users``, and the objects handed over as they are:
``markers``, ``webhooks``, ``devices``, ``threads``, ``pins``,
``notify_levels``, ``bans``, ``sessions``.

Every operation is a coroutine. The in-process registry never actually
waits, so a door's handler runs to completion in the same call; the Redis
one waits on Redis, and the door holds that connection's later input
meanwhile (see :mod:`chatroom.doors.base.framing`).

The shared side calls members back through
:class:`~chatroom.core.model.member.Member`. A member may sit in
several rooms at once (IRC clients do); the line protocol's one-room rule
is the line door's own, expressed by the ``leaving`` argument of
:meth:`~chatroom.core.services.rooms.RoomService.join_room`.
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.accounts.files import FileService
from chatroom.core.accounts.missed_mail import MissedMail
from chatroom.core.accounts.notify_levels import NotifyLevels
from chatroom.core.accounts.profiles import Profiles
from chatroom.core.infra.sessions import Sessions
from chatroom.core.messages.abuse_reports import AbuseReports
from chatroom.core.messages.pins import Pins
from chatroom.core.messages.threads import MessageThreads
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Presence
from chatroom.core.moderation.admin import Reload
from chatroom.core.moderation.serverbans import ServerBans
from chatroom.core.policy.rules import QUIT_WORDS
from chatroom.core.rooms.standing import StandingMembers
from chatroom.core.rooms.webhooks import Webhooks
from chatroom.core.services.accounts import AccountService
from chatroom.core.services.bot_api import BotAPI
from chatroom.core.services.devices import Devices
from chatroom.core.services.messages import MessageService
from chatroom.core.services.moderation import ModerationService
from chatroom.core.services.presence import PresenceService
from chatroom.core.services.reading import Markings
from chatroom.core.services.rooms import RoomService
from chatroom.core.services.users import UserService


class Registry(Protocol):
    """Names, rooms and who is where: shared by every door and node.

    Accounts are its :attr:`accounts` service's (registering, signing in,
    passwords); the registry itself knows which account each member is
    signed in to; each command is one of its services'.
    """

    @property
    def files(self) -> FileService | None:
        """Uploads' rules and metadata (``--files``); None while they are off."""
        ...

    @property
    def available(self) -> bool:
        """False while shared state is out of reach (a cluster node that
        cannot reach Redis: ``/healthz`` says so); always True in-process."""
        ...

    async def caught_up(self) -> None:
        """Returns once this server's users have been handed every event
        published before the call, whichever node it came from (IRC's
        ``PONG`` waits for it: a client synchronising with ``PING`` then
        has what another client had sent before, as on one server)."""
        ...

    @property
    def store_epoch(self) -> str:
        """The lifetime of the store that numbers the rooms' events: a room's
        event ids are unique under one epoch, which a restart keeps and a
        new store (a new ``--db`` file, a Redis that lost its data, a server
        without ``--db`` started again) changes. With a room's name and an
        id it names one event for all time (IRC's ``msgid``)."""
        ...

    def start(self) -> None:
        """The server is starting (a cluster node joins the cluster)."""

    def stop(self) -> None:
        """Cancel timers: no more lobby pushes (shutdown begins)."""

    def reconfigure(self, config: ServerConfig) -> None:
        """A reload: ``config``'s admins (``--admins``) from the next command
        on, for every session; the rest of ``config`` is as it was."""

    def detach(self) -> Deferred[None]:
        """Every session is closed: stop the threads passwords are hashed
        on and let go of shared state before exiting."""

    def attach_reloader(self, reload: Reload) -> None:
        """What reloads this node's configuration, handed over by the
        wiring once the server is built: :meth:`rehash` calls it."""

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
        presence: Presence | None = None,
    ) -> None:
        """Give ``name`` to ``member`` (its first, or instead of its old one).

        ``account``: the account the member has just signed in to (its
        password checked by the caller): the name is that account's, and a
        session holding it is disconnected (``signed in elsewhere``) unless
        ``takeover`` is False (a name just registered: ``NAME_TAKEN``).
        None keeps the account the member is signed in to, if any.

        A rename is a :class:`~chatroom.core.model.events.Renamed` told once to
        the member and to each member sharing a room with it (``NICK``),
        however many rooms they share.

        ``presence``: what the member's door shows of it under ``name``
        (:mod:`chatroom.core.model.presence`), kept with the name, as
        :meth:`~chatroom.core.services.presence.PresenceService.set_presence`
        once it is given would keep it: an IRC sign-on's, in the claim's
        round trip.

        Raises:
            ChatError: ``BAD_NAME``, ``NAME_TAKEN``, ``NAME_REGISTERED``,
                ``ACCOUNT_REQUIRED``, ``BANNED`` (or ``UNAVAILABLE``).
        """
        ...

    async def set_account(self, member: Member, account: str) -> None:
        """The member registered (``account``) or unregistered (``""``)."""
        ...

    def lost(self, member: Member, reason: str) -> None:
        """The member's connection is gone (``reason``: how), its
        :meth:`release` to come in its door's turn: from now on a claim of
        its name, on any node, ends it first (its rooms hearing ``reason``),
        so the name is free at once."""

    def release(self, member: Member, reason: str) -> None:
        """The member is gone: leave its rooms (``PART reason``), free its name.

        Nobody waits for it; idempotent.
        """

    def quit(self, member: Member, words: str, unsaid: str = QUIT_WORDS) -> str:
        """The member quits saying ``words``: as :meth:`release`, its rooms
        hearing them as its own (a departure with ``own_words``); returns the
        words they heard (:func:`chatroom.core.policy.rules.reason`: ``words``, or
        ``unsaid`` for none that can be shown: a door's own convention, the
        line protocol's ``Goodbye``, IRC's ``Client Quit``), for the door's
        goodbye. Its door then closes the connection (whose
        :meth:`release` finds nothing left to do)."""
        ...

    # -- the services, by concern (chatroom.core.services) ------------------------

    @property
    def sessions(self) -> Sessions:
        """Who each member is: the account it is signed in to
        (:meth:`~chatroom.core.infra.sessions.Sessions.account_of`), the
        account of the session called by a name, here
        (:meth:`~chatroom.core.infra.sessions.Sessions.account_named`)."""
        ...

    @property
    def accounts(self) -> AccountService:
        """Registering, signing in, passwords and the accounts' records
        (:class:`~chatroom.core.services.accounts.AccountService`): every
        door's, the mailbox's, the invitations' and the operator's way to
        an account."""
        ...

    @property
    def rooms(self) -> RoomService:
        """The room list, joins, creates, leaves, topics, deletion, settings."""
        ...

    @property
    def messages(self) -> MessageService:
        """What is said to a room or a user, its life, history and search."""
        ...

    @property
    def moderation(self) -> ModerationService:
        """A room's moderation and its log; the server's admins."""
        ...

    @property
    def presence(self) -> PresenceService:
        """Away and realname, who is online, WHOWAS, MONITOR, LUSERS."""
        ...

    @property
    def users(self) -> UserService:
        """A user's own data, its account's end, whom it ignores, Web Push."""
        ...

    @property
    def markers(self) -> Markings:
        """Read markers and unread counts (``/read``, ``/unread``)."""
        ...

    @property
    def webhooks(self) -> Webhooks:
        """Incoming webhooks: ``/webhook add|list|remove`` and the posts."""
        ...

    @property
    def devices(self) -> Devices:
        """An account's devices: ``/devices``, ``/logout ID``, ``/caps
        multi`` (:meth:`~chatroom.core.services.devices.Devices.listed`,
        :meth:`~chatroom.core.services.devices.Devices.end`,
        :meth:`~chatroom.core.services.devices.Devices.show_rooms`)."""
        ...

    @property
    def threads(self) -> MessageThreads:
        """The messages' threads: ``/thread``, ``/threads``, ``/history
        thread``, ``/follow`` and ``/unfollow``
        (:meth:`~chatroom.core.messages.threads.MessageThreads.say`,
        :meth:`~chatroom.core.messages.threads.MessageThreads.threads`,
        :meth:`~chatroom.core.messages.threads.MessageThreads.history`,
        :meth:`~chatroom.core.messages.threads.MessageThreads.follow`)."""
        ...

    @property
    def pins(self) -> Pins:
        """A room's pinned messages: ``/pin``, ``/unpin``, ``/pins``
        (:meth:`~chatroom.core.messages.pins.Pins.pin`,
        :meth:`~chatroom.core.messages.pins.Pins.pinned`,
        :meth:`~chatroom.core.messages.pins.Pins.count`)."""
        ...

    @property
    def abuse_reports(self) -> AbuseReports:
        """Reports of messages: ``/report``, ``/reports``, ``/report close``
        (:meth:`~chatroom.core.messages.abuse_reports.AbuseReports.report`,
        :meth:`~chatroom.core.messages.abuse_reports.AbuseReports.queue`,
        :meth:`~chatroom.core.messages.abuse_reports.AbuseReports.close`)."""
        ...

    @property
    def profiles(self) -> Profiles:
        """People's profiles: ``/profile``, IRC's ``METADATA``
        (:meth:`~chatroom.core.accounts.profiles.Profiles.of`,
        :meth:`~chatroom.core.accounts.profiles.Profiles.own`,
        :meth:`~chatroom.core.accounts.profiles.Profiles.set`)."""
        ...

    @property
    def notify_levels(self) -> NotifyLevels:
        """``/notify ROOM [LEVEL]``: an account's notification level in a
        room (:meth:`~chatroom.core.accounts.notify_levels.NotifyLevels.level`)."""
        ...

    @property
    def missed_mail(self) -> MissedMail:
        """Mail for what an account missed while away: handed a mailer by
        the doors' server (:meth:`~chatroom.core.accounts.missed_mail.MissedMail.
        attach`); ``/set mail on|off`` (:meth:`~chatroom.core.accounts.missed_mail.
        MissedMail.choose`)."""
        ...

    @property
    def standing(self) -> StandingMembers:
        """Accounts in their rooms with no connection on this node
        (:mod:`chatroom.core.rooms.standing`): a bot joined through the
        REST API, a bridge's users."""
        ...

    @property
    def bot_api(self) -> BotAPI:
        """What the REST API (``/api/v1/``) asks for a bot
        (:mod:`chatroom.core.services.bot_api`)."""
        ...

    @property
    def bans(self) -> ServerBans:
        """Server bans, for the doors' server: new connections screened
        by network, and the connected ones a network ban covers ended."""
        ...
