"""The core: who each member is, and the services every door calls.

:class:`ChatCore` is the :class:`~chatroom.core.registry.Registry` every door
holds: the sessions and their names (:class:`~chatroom.core.services.names.Names`),
a service per concern (:mod:`chatroom.core.services`: each checks the rules
of :mod:`chatroom.core.policy.rules` and :mod:`chatroom.core.policy.moderation` in their
order, builds the events that say what happened, and hands the back-end
the change as one atomic step), and the life of the whole over one
:class:`~chatroom.core.backend.Backend`. It builds nothing: the parts are
built in their order by the composition root
(:mod:`chatroom.wiring.composition`), each over the stores it reads.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.files import FileService
from chatroom.core.accounts.missed_mail import MissedMail
from chatroom.core.accounts.notify_levels import NotifyLevels
from chatroom.core.accounts.profiles import Profiles
from chatroom.core.accounts.push import Notifications
from chatroom.core.backend import Backend
from chatroom.core.calls.service import Calls
from chatroom.core.infra.hashing import Runner
from chatroom.core.infra.sessions import Sessions
from chatroom.core.messages.abuse_reports import AbuseReports
from chatroom.core.messages.pins import Pins
from chatroom.core.messages.retention import RetentionSweep
from chatroom.core.messages.threads import MessageThreads
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Presence
from chatroom.core.moderation import admin
from chatroom.core.moderation.lockdown import LockdownCopy
from chatroom.core.moderation.serverbans import ServerBans
from chatroom.core.policy import rules
from chatroom.core.policy.flood import RulesOf, SharedSpeakerLimits
from chatroom.core.rooms.entries import Entries
from chatroom.core.rooms.slash_commands import SlashCommands
from chatroom.core.rooms.standing import StandingMembers
from chatroom.core.rooms.webhooks import Webhooks
from chatroom.core.services.accounts import AccountService
from chatroom.core.services.bot_api import FLOOD_COUNTED_AS, BotAPI
from chatroom.core.services.devices import Devices
from chatroom.core.services.identities import Identities
from chatroom.core.services.messages import MessageService
from chatroom.core.services.moderation import ModerationService
from chatroom.core.services.names import Names
from chatroom.core.services.presence import PresenceService
from chatroom.core.services.reading import Markings
from chatroom.core.services.reports import CoreReports
from chatroom.core.services.rooms import RoomService
from chatroom.core.services.streams import EventStreams
from chatroom.core.services.users import UserService

B = TypeVar("B", bound=Backend)

log = Logger()


class ChatCore(Generic[B]):
    """The sessions and the services every door calls, over back-end ``B``.

    It holds who each member is (:attr:`names`: its name claimed, its
    account signed in or out, its release) and the life of the whole; each
    command is a service's (:mod:`chatroom.core.services`): :attr:`accounts`,
    :attr:`rooms`, :attr:`messages`, :attr:`moderation`, :attr:`presence`,
    :attr:`users`, and the objects handed to the doors as they are:
    :attr:`markers`, :attr:`webhooks`, :attr:`slash_commands`, :attr:`devices`
    and :attr:`sessions`.
    """

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        backend: B,
        names: Names,
        reports: CoreReports,
        *,
        accounts: AccountService,
        rooms: RoomService,
        messages: MessageService,
        moderation: ModerationService,
        presence: PresenceService,
        users: UserService,
        markers: Markings,
        webhooks: Webhooks,
        slash_commands: SlashCommands,
        abuse_reports: AbuseReports,
        bans: ServerBans,
        notifications: Notifications,
        missed_mail: MissedMail,
        retention: RetentionSweep,
        files: FileService | None,
        calls: Calls,
        hashing: Runner,
        standing: StandingMembers,
        streams: EventStreams,
    ) -> None:
        """Args:
        backend: the stores, the bus and the one write every part was
            built over; started and stopped with the whole.
        names: who each member is (the sessions' names).
        reports: where the back-end reports what happens of its own
            accord, handed to it as it starts.
        hashing: runs password hashing off the reactor thread (stopped
            once every session is closed).
        standing: the accounts in their rooms with no connection (a bot
            joined through the REST API), put back in them at start.
        streams: the bots' event streams, at most ``--max-devices`` of
            each open at once over every node.
        """
        self.config = config
        self.clock = clock
        self.backend = backend
        self.names = names
        self.reports = reports
        self.sessions: Sessions = names.sessions
        self.identities: Identities = names.identities
        self.devices: Devices = names.devices
        self.entries: Entries = names.devices.entries
        self.lockdown_level: LockdownCopy = names.lockdown
        self.plain_markers = names.plain_markers
        self.accounts = accounts
        self.rooms = rooms
        self.messages = messages
        self.moderation = moderation
        self.presence = presence
        self.users = users
        self.markers = markers
        self.webhooks = webhooks
        self.slash_commands = slash_commands
        self.abuse_reports = abuse_reports
        self.bans = bans
        self.notifications = notifications
        self.missed_mail = missed_mail
        self.retention = retention
        self.files = files
        #: Rooms' calls (``/call``), left as a connection goes.
        self.calls = calls
        self.hashing = hashing
        #: The messages' threads and pins, the users' notification levels
        #: and people's profiles: objects of their own, handed to the doors
        #: as they are.
        self.threads: MessageThreads = messages.threads
        self.pins: Pins = messages.pins
        self.notify_levels: NotifyLevels = users.notify_levels
        self.profiles: Profiles = presence.profiles
        #: Accounts in their rooms with no connection (a bot joined through
        #: the REST API), and the API's calls for a bot.
        self.standing = standing
        standing.add_source(self._bots_in_rooms)
        #: The standing members' hand-over as the node stops (:meth:`stop`),
        #: which :meth:`detach` waits for.
        self.handing_over: Deferred[None] | None = None
        self.bot_api = BotAPI(
            self.standing,
            self.sessions,
            rooms,
            messages,
            streams,
            SharedSpeakerLimits(RulesOf(self, clock), backend.apply, FLOOD_COUNTED_AS),
        )

    async def _bots_in_rooms(self) -> list[str]:
        """The bots that stand in rooms (their accounts remember some): at
        start, each is put back in them (the REST API's memberships)."""
        remembered = self.backend.accounts.remembered
        return [
            bot.name
            for bot in await self.accounts.bots.listed()
            if await remembered.rooms(bot.key)
        ]

    @property
    def available(self) -> bool:
        return self.backend.available

    @property
    def store_epoch(self) -> str:
        return self.backend.store_epoch

    async def caught_up(self) -> None:
        await self.backend.caught_up()

    # -- life ---------------------------------------------------------------------

    def start(self) -> None:
        """The back-end starts, told where to report what happens of its own
        accord; then the core's own timers."""
        self.backend.start(self.reports)
        self.missed_mail.start()
        self.retention.start()
        self.standing.start()

    def stop(self) -> None:
        """The node stops: its standing members are handed over to the
        other nodes (at once in one process, where there are none); then
        the back-end stops, and they are let go as its connections are at
        shutdown, so their rooms stay for the restart; the rest stops
        now."""
        self.standing.stop()
        self.handing_over = Deferred.fromCoroutine(
            self.standing.hand_over(self.backend.bus.stand_elsewhere, self._elsewhere)
        )
        self.handing_over.addErrback(
            lambda failure: log.failure("handing over", failure)
        )
        self.handing_over.addCallback(self._handed_over)
        self.notifications.stop()
        self.missed_mail.stop()
        self.retention.stop()
        self.bans.stop()

    def _handed_over(self, _: object) -> None:
        self.backend.stop()
        self.standing.let_all_go()

    def reconfigure(self, config: ServerConfig) -> None:
        """Who is an admin is asked of the configuration at each command
        (:meth:`Identities.actor`, and each device's), so the new one takes
        effect at the next; what else it holds is unchanged by a reload."""
        self.config = config
        self.names.config = config
        self.identities.config = config
        self.devices.config = config
        self.accounts.reconfigure(config)

    def detach(self) -> Deferred[None]:
        """Every session is closed: the threads passwords are hashed on stop
        (no sign-in is left to check), and the back-end lets go of shared
        state."""
        stop = getattr(self.hashing, "stop", None)
        if stop is not None:
            stop()
        handing = self.handing_over or succeed(None)
        return handing.addCallback(lambda _: self.backend.detach())

    async def _elsewhere(self, member: Member) -> bool:
        """Whether the account of ``member`` (a standing member here) has a
        device on another node."""
        seat = self.sessions.seat_of(member)
        return seat is not None and await self.devices.elsewhere(seat)

    def attach_reloader(self, reload: admin.Reload) -> None:
        self.moderation.reload = reload

    # -- sessions and names: the names' (chatroom.core.services.names)
    # -------------------------

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
        presence: Presence | None = None,
    ) -> None:
        await self.names.claim_name(member, name, account, takeover, presence)

    async def set_account(self, member: Member, account: str) -> None:
        await self.names.set_account(member, account)

    def quit(self, member: Member, words: str, unsaid: str = rules.QUIT_WORDS) -> str:
        self.calls.gone(member)
        return self.names.quit(member, words, unsaid)

    def lost(self, member: Member, reason: str) -> None:
        self.calls.gone(member)
        self.names.lost(member, reason)

    def release(self, member: Member, reason: str, own_words: bool = False) -> None:
        self.calls.gone(member)
        self.names.release(member, reason, own_words)

    def end_session(self, member: Member, reason: str) -> None:
        self.calls.gone(member)
        self.names.end_session(member, reason)
