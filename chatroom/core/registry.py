"""The one interface to shared state.

Names, rooms, membership, messages, topics, deletion, private messages and
the lobby all go through a :class:`Registry`. There is one implementation,
:class:`chatroom.core.chat.ChatCore`, over one of two back-ends: in this
process (:mod:`chatroom.backends.local`) or in Redis, shared by a cluster
(:mod:`chatroom.backends.redis`). Doors write each command once against
this interface and never know which back-end they have.

Every operation is a coroutine. The in-process registry never actually
waits, so a door's handler runs to completion in the same call; the Redis
one waits on Redis, and the door holds that connection's later input
meanwhile (see :mod:`chatroom.doors.base.framing`).

The shared side calls members back through
:class:`~chatroom.core.member.Member`. A member may sit in
several rooms at once (IRC clients do); the line protocol's one-room rule
is the line door's own, expressed by the ``leaving`` argument of
:meth:`Registry.join_room`.
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.accounts import AccountStore
from chatroom.core.admin import Reload
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    DeviceList,
)
from chatroom.core.files import FileService
from chatroom.core.markers import Marker, Unread
from chatroom.core.member import Member
from chatroom.core.rules import QUIT_WORDS
from chatroom.core.services.messages import MessageService
from chatroom.core.services.moderation import ModerationService
from chatroom.core.services.presence import PresenceService
from chatroom.core.services.rooms import RoomService
from chatroom.core.userdata import AccountData
from chatroom.core.webhooks import Webhooks


class Registry(Protocol):
    """Names, rooms and who is where: shared by every door and node.

    Accounts and server bans are kept by its :attr:`account_store`, which
    :class:`chatroom.core.accounts.AccountService` uses for every sign-in rule; the
    registry itself knows which account each member is signed in to, and
    decides moderation with :mod:`chatroom.core.moderation`.
    """

    @property
    def account_store(self) -> AccountStore:
        """Where accounts and server bans are kept, for this registry's mode."""
        ...

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
        """Every session is closed: let go of shared state before exiting."""

    def attach_reloader(self, reload: Reload) -> None:
        """What reloads this node's configuration, handed over by the
        wiring once the server is built: :meth:`rehash` calls it."""

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> None:
        """Give ``name`` to ``member`` (its first, or instead of its old one).

        ``account``: the account the member has just signed in to (its
        password checked by the caller): the name is that account's, and a
        session holding it is disconnected (``signed in elsewhere``) unless
        ``takeover`` is False (a name just registered: ``NAME_TAKEN``).
        None keeps the account the member is signed in to, if any.

        A rename is a :class:`~chatroom.core.events.Renamed` told once to
        the member and to each member sharing a room with it (``NICK``),
        however many rooms they share.

        Raises:
            ChatError: ``BAD_NAME``, ``NAME_TAKEN``, ``NAME_REGISTERED``,
                ``ACCOUNT_REQUIRED``, ``BANNED`` (or ``UNAVAILABLE``).
        """
        ...

    async def set_account(self, member: Member, account: str) -> None:
        """The member registered (``account``) or unregistered (``""``)."""
        ...

    def account_of(self, member: Member) -> str:
        """The account ``member`` is signed in to, "" if none."""
        ...

    def account_named(self, name: str) -> str:
        """The name of the account the session called ``name`` is signed in
        to, "" if none; this process's sessions only (a cluster node does
        not know other nodes' accounts)."""
        ...

    def release(self, member: Member, reason: str) -> None:
        """The member is gone: leave its rooms (``PART reason``), free its name.

        Nobody waits for it; idempotent.
        """

    def quit(self, member: Member, words: str, unsaid: str = QUIT_WORDS) -> str:
        """The member quits saying ``words``: as :meth:`release`, its rooms
        hearing them as its own (a departure with ``own_words``); returns the
        words they heard (:func:`chatroom.core.rules.reason`: ``words``, or
        ``unsaid`` for none that can be shown: a door's own convention, the
        line protocol's ``Goodbye``, IRC's ``Client Quit``), for the door's
        goodbye. Its door then closes the connection (whose
        :meth:`release` finds nothing left to do)."""
        ...

    # -- read markers ------------------------------------------------------------

    async def read_marker(self, member: Member, room: str) -> int | None:
        """The member's read marker in ``room`` (None: none): its
        account's, or for a plain name its connection's."""
        ...

    async def mark_read(
        self, member: Member, room: str, event_id: int, said: str = ""
    ) -> Marker:
        """Move the member's marker in ``room`` forward to ``event_id``
        (``said``: the time the client named it by, if it named one, which
        the account's other devices are told with it); returns the marker
        in force (an older id changes nothing).

        Raises:
            ChatError: ``NO_SUCH_ROOM``, ``NOT_IN_ROOM``, ``BAD_ARGS`` (an id
                past the room's newest event).
        """
        ...

    async def unread(self, member: Member, rooms: list[str]) -> list[Unread]:
        """Of ``rooms`` (which the member is in), each with events after the
        member's marker: how many, and how many messages name the member."""
        ...

    # -- many devices per account ------------------------------------------------

    async def viewing_every_room(self, member: Member) -> None:
        """``member`` turned ``/caps multi`` on: it gets the join replies of
        each room its account is in that it was not shown."""
        ...

    async def devices_of(self, member: Member) -> DeviceList:
        """``/devices``: the connections of ``member``'s account on every
        node (a plain name: its one), oldest first."""
        ...

    async def end_device(self, member: Member, number: int) -> None:
        """``/logout ID``: device ``number`` of the account is closed, on
        whichever node it is (``NO_SUCH_DEVICE``)."""
        ...

    # -- a user's own data (chatroom.core.userdata) ------------------------------

    async def gather_user_data(self, account: str) -> AccountData:
        """Everything kept of account key ``account``, for ``/export``."""
        ...

    async def keep_export(self, token: str, archive: bytes) -> None:
        """Keep an export under ``token`` for
        :data:`~chatroom.core.userdata.EXPORT_TTL` seconds, once."""
        ...

    async def take_export(self, token: str) -> bytes | None:
        """The export under ``token`` (then gone), or None."""
        ...

    async def erase_account(self, member: Member, account: str) -> None:
        """``member``'s account ``account`` and its data go, in one step;
        its room messages as ``--on-delete`` says."""
        ...

    async def end_account(self, member: Member, reason: str) -> None:
        """Every device of ``member``'s account is disconnected (``reason``)."""
        ...

    # -- moderation and admins -------------------------------------------------

    # -- webhooks (chatroom.core.webhooks) -------------------------------------------

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
        ...

    async def push_unsubscribe(self, member: Member, endpoint: str) -> None:
        """``/push remove``, ``WEBPUSH UNREGISTER``: forget one of the
        account's subscriptions (``NOT_ALLOWED``; ``BAD_ARGS``: none there)."""
        ...

    async def push_key(self) -> str:
        """The server's VAPID public key, base64url (what clients subscribe
        with), made at the first start."""
        ...

    # -- the services, by concern (chatroom.core.services) ------------------------

    @property
    def rooms(self) -> RoomService:
        """The room list, joins, creates, leaves, topics, deletion, settings."""
        ...

    @property
    def webhooks(self) -> Webhooks:
        """Incoming webhooks: ``/webhook add|list|remove`` and the posts."""
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
