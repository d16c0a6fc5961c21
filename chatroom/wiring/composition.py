"""The composition root: the core's parts built once, in their order.

Every part of the core is built here, each over the stores it reads, the
bus if it tells and the back-end's one write (:mod:`chatroom.core.backend`),
in the order they depend on each other: nothing is handed a part that is
not built yet, and nothing is attached after the fact. A function per wing
builds that wing's parts; :func:`compose` calls them in order and hands the
whole to :class:`~chatroom.core.chat.ChatCore`, which starts the back-end
with the core's :class:`~chatroom.core.services.reports.CoreReports` (the one thing
the back-end is told of the core, and only as it starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, TypeVar

from twisted.internet.interfaces import IReactorTime

from chatroom.core.accounts.files import FileService
from chatroom.core.accounts.markers import PlainMarkers
from chatroom.core.accounts.missed_mail import MissedMail
from chatroom.core.accounts.push import Activity, Notifications, PushSender
from chatroom.core.backend import Backend
from chatroom.core.bridging.appservice import (
    FLOOD_COUNTED_AS,
    Homeserver,
    MatrixBridge,
    Pinger,
)
from chatroom.core.bridging.seating import MatrixSeats
from chatroom.core.bridging.sender import Sender
from chatroom.core.calls.service import Calls
from chatroom.core.chat import ChatCore
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.filedir import FileDirectory
from chatroom.core.infra.hashing import Runner
from chatroom.core.infra.sessions import Sessions, connected_elsewhere
from chatroom.core.messages.abuse_reports import AbuseReports
from chatroom.core.messages.previews import CardFetcher, LinkPreviews
from chatroom.core.messages.private import PrivateMessages
from chatroom.core.messages.retention import RetentionSweep
from chatroom.core.model.bridged import MatrixSettings, is_bridged_name
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.letters import LinkBase, Mailer
from chatroom.core.model.member import Member
from chatroom.core.moderation.lockdown import LockdownCopy
from chatroom.core.moderation.serverbans import ServerBans
from chatroom.core.policy.flood import RulesOf, SharedSpeakerLimits
from chatroom.core.rooms.creation import CreationLimit
from chatroom.core.rooms.departures import Departures
from chatroom.core.rooms.entries import Entries
from chatroom.core.rooms.settling import Settling
from chatroom.core.rooms.slash_commands import CommandCaller, SlashCommands
from chatroom.core.rooms.standing import StandingMembers
from chatroom.core.rooms.webhooks import Webhooks
from chatroom.core.services.accounts import AccountService
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


@dataclass(frozen=True)
class Edges:
    """What the core is handed from outside it: the node's name (the first
    part of every session token), and the wiring's parts that reach the
    world, each None where it is off: link previews' fetcher, Web Push's
    sender, the mailer (``--smtp``), where the mails' links start, and what
    calls slash commands' URLs."""

    namespace: str = "local"
    fetch_card: CardFetcher | None = None
    send_push: PushSender | None = None
    mailer: Mailer | None = None
    link_base: LinkBase | None = None
    call_command: CommandCaller | None = None


class Moderating(NamedTuple):
    """The moderation wing's parts the doors are handed."""

    service: ModerationService
    bans: ServerBans
    reports: AbuseReports


def compose(
    config: ServerConfig,
    clock: IReactorTime,
    backend: B,
    sessions: Sessions,
    hashing: Runner,
    edges: Edges = Edges(),
) -> ChatCore[B]:
    """The core over ``backend`` (which reads ``sessions``' seats), its
    parts built in their order: what others take is built first."""
    notifications, missed_mail = _notices(config, clock, backend, sessions, edges)
    identities = Identities(config, sessions, backend.rooms, notifications.activity)
    accounts = _accounts(config, clock, backend, hashing)
    calls, apply = _calls(config, clock, backend, identities)
    devices = _devices(config, clock, backend, apply, sessions, identities, accounts)
    files = _files(config, clock, backend)
    messages = _messages(
        config, clock, backend, identities, devices, notifications, files, edges
    )
    moderating = _moderation(clock, backend, apply, identities, devices, messages)
    presence, users = _people(clock, backend, identities, notifications, files, devices)
    names = _names(
        config,
        clock,
        backend,
        apply,
        devices,
        presence,
        notifications,
        messages,
        accounts,
    )
    standing = _standing(clock, names, devices)
    reports = _reports(names, devices, apply, calls, standing)
    webhooks, slash_commands = _room_tools(config, clock, backend, identities, edges)
    return ChatCore(
        config,
        clock,
        backend,
        names,
        reports,
        accounts=accounts,
        rooms=_rooms(config, clock, backend, apply, identities, devices),
        calls=calls,
        messages=messages,
        moderation=moderating.service,
        presence=presence,
        users=users,
        markers=_markers(config, backend, devices, names, messages),
        webhooks=webhooks,
        slash_commands=slash_commands,
        abuse_reports=moderating.reports,
        bans=moderating.bans,
        notifications=notifications,
        missed_mail=missed_mail,
        retention=RetentionSweep(
            clock, backend.apply, edges.namespace, config.retention_age
        ),
        files=files,
        hashing=hashing,
        standing=standing,
        streams=EventStreams(config, backend.server.streams, backend.apply),
    )


def _standing(clock: IReactorTime, names: Names, devices: Devices) -> StandingMembers:
    """The members with no connection: bots that stand, and the Matrix
    users the bridge seats. A Matrix user's seat is claimed under the
    bridged-name rule, signed in to its name as to an account of its own
    (none is registered: no door may claim such a name), so that, as a
    bot's, its standing members on two nodes are devices of one seat, and
    a stopping node hands it over (``StandHere``) with no ``PART`` and no
    ``JOIN``."""

    async def claim(member: Member, name: str, account: str) -> None:
        bridged = is_bridged_name(name)
        await names.claim_name(member, name, account, bridged=bridged)

    return StandingMembers(clock, claim, devices.arrived, names.release)


def _calls(
    config: ServerConfig, clock: IReactorTime, backend: Backend, identities: Identities
) -> tuple[Calls, Applies]:
    """The rooms' calls (:mod:`chatroom.core.calls`), and the one write as
    the services that may take members out of rooms use it: followed by the
    calls, which take those members out of their room's call."""
    kept, apply = backend.rooms.room_calls, backend.apply
    calls = Calls(config, clock, kept, apply, backend.bus, identities)
    return calls, calls.following(apply)


def _reports(
    names: Names,
    devices: Devices,
    apply: Applies,
    calls: Calls,
    standing: StandingMembers,
) -> CoreReports:
    """What the back-end reports to the core
    (:mod:`chatroom.core.services.reports`): sessions ended, rooms shown,
    departures and settlings to apply, devices logged out by another node;
    rooms' renames and departures decided elsewhere, for the calls; the
    standing accounts a stopping node hands over."""
    return CoreReports(
        names.end_session,
        devices.viewed,
        Departures(apply),
        Settling(apply),
        devices.logged_out,
        calls,
        standing.stand_all,
    )


def _markers(
    config: ServerConfig,
    backend: Backend,
    devices: Devices,
    names: Names,
    messages: MessageService,
) -> Markings:
    """Read markers and unread counts (:mod:`chatroom.core.services.reading`): an
    account's, or a plain name's for its connection's life; an account's
    private conversations' too (``/conversations``)."""
    return Markings(
        config,
        backend.rooms,
        backend.messages,
        backend.accounts.markers,
        backend.accounts.settings,
        backend.apply,
        names.plain_markers,
        devices,
        names.identities.seat,
        messages.private,
    )


def _notices(
    config: ServerConfig,
    clock: IReactorTime,
    backend: Backend,
    sessions: Sessions,
    edges: Edges,
) -> tuple[Notifications, MissedMail]:
    """Web Push to accounts with no active device, and mail for what an
    account missed (:mod:`chatroom.core.accounts.push`,
    :mod:`chatroom.core.accounts.missed_mail`),
    told of each message, on one record of when each account was active."""
    accounts = backend.accounts
    elsewhere = partial(connected_elsewhere, sessions, backend.server.find_user)
    activity = Activity(clock)
    missed_mail = MissedMail(
        clock,
        accounts.records,
        backend.apply,
        accounts.settings.settings,
        accounts.remembered.rooms,
        elsewhere,
        activity.last_active,
        config.mail_idle * 60,
        config.name,
        edges.mailer,
        edges.link_base,
    )
    notifications = Notifications(
        clock,
        accounts.push,
        backend.apply,
        accounts.remembered.rooms,
        edges.send_push,
        config.push_idle,
        connected_elsewhere=elsewhere,
        settings_of=accounts.settings.settings,
        ignores=accounts.records.ignores,
        activity=activity,
        also=(missed_mail,),
    )
    return notifications, missed_mail


def _devices(
    config: ServerConfig,
    clock: IReactorTime,
    backend: Backend,
    apply: Applies,
    sessions: Sessions,
    identities: Identities,
    service: AccountService,
) -> Devices:
    """An account's devices (:mod:`chatroom.core.services.devices`), over the joins,
    creates and leaves of its seat (:mod:`chatroom.core.rooms.entries`); a device
    logged out ends its device session
    (:mod:`chatroom.core.accounts.sign_in_tokens`)."""
    entries = Entries(
        backend.rooms,
        apply,
        config.big_room,
        config.max_rooms,
        config.resume_bound,
    )
    accounts = backend.accounts
    return Devices(
        config,
        clock,
        backend.rooms,
        backend.messages,
        accounts.markers,
        accounts.remembered,
        backend.server.other_nodes,
        backend.bus,
        apply,
        sessions,
        entries,
        identities.actor,
        service.sign_ins,
    )


def _files(
    config: ServerConfig, clock: IReactorTime, backend: Backend
) -> FileService | None:
    """Uploads (``--files``): None while they are off."""
    if not config.files_dir:
        return None
    accounts = backend.accounts
    shared = accounts.file_bytes
    directory = FileDirectory(config.files_dir, cache=shared is not None)
    return FileService(
        config,
        clock,
        accounts.files,
        backend.apply,
        directory,
        accounts.upload_tokens,
        shared,
    )


def _accounts(
    config: ServerConfig, clock: IReactorTime, backend: Backend, hashing: Runner
) -> AccountService:
    """Registering, signing in, passwords (:mod:`chatroom.core.services.accounts`),
    counted for every node where the back-end counts."""
    return AccountService(
        backend.accounts.records,
        backend.moderation.bans,
        backend.apply,
        clock,
        hashing,
        config,
        counts=backend.apply,
        find_user=backend.server.find_user,
    )


def _rooms(
    config: ServerConfig,
    clock: IReactorTime,
    backend: Backend,
    apply: Applies,
    identities: Identities,
    devices: Devices,
) -> RoomService:
    """The room list, joins, creates, leaves, topics, renames, deletion
    (:mod:`chatroom.core.services.rooms`)."""
    return RoomService(
        clock,
        backend.rooms,
        backend.accounts.markers,
        apply,
        identities,
        devices.entries,
        devices,
        CreationLimit(clock, config.rooms_per_hour),
        rename_grace=config.rename_grace,
    )


def _room_tools(
    config: ServerConfig,
    clock: IReactorTime,
    backend: Backend,
    identities: Identities,
    edges: Edges,
) -> tuple[Webhooks, SlashCommands]:
    """A room's tools, managed by its owner: incoming webhooks
    (:mod:`chatroom.core.rooms.webhooks`) and outgoing slash commands
    (:mod:`chatroom.core.rooms.slash_commands`, calling out through the
    wiring's ``edges.call_command``)."""
    rooms, apply = backend.rooms, backend.apply
    actor, joined_room = identities.actor, identities.joined_room
    webhooks = Webhooks(config, clock, rooms, apply, actor, joined_room)
    commands = SlashCommands(
        config, clock, rooms, apply, actor, joined_room, edges.call_command
    )
    return webhooks, commands


def _messages(
    config: ServerConfig,
    clock: IReactorTime,
    backend: Backend,
    identities: Identities,
    devices: Devices,
    notifications: Notifications,
    files: FileService | None,
    edges: Edges,
) -> MessageService:
    """Messages to rooms and to users, their life, threads and pins
    (:mod:`chatroom.core.services.messages`), link previews."""
    server = backend.server
    private = PrivateMessages(
        config,
        clock,
        backend.messages.conversations,
        backend.accounts.records,
        backend.accounts.markers,
        server.find_user,
        backend.bus.tell,
        backend.apply,
    )
    previews = LinkPreviews(clock, backend.bus.attach, edges.fetch_card)
    return MessageService(
        config,
        clock,
        backend.rooms,
        backend.messages,
        backend.moderation.modlog,
        backend.accounts.records,
        server,
        backend.accounts.settings,
        backend.bus,
        backend.apply,
        identities,
        devices,
        private,
        previews,
        notifications,
        files,
        edges.namespace,
    )


def _moderation(
    clock: IReactorTime,
    backend: Backend,
    apply: Applies,
    identities: Identities,
    devices: Devices,
    messages: MessageService,
) -> Moderating:
    """A room's moderation, the server's bans and reports of messages
    (:mod:`chatroom.core.services.moderation`,
    :mod:`chatroom.core.moderation.serverbans`,
    :mod:`chatroom.core.messages.abuse_reports`)."""
    bans = ServerBans(clock, backend.moderation, backend.server, apply)
    service = ModerationService(
        clock,
        backend.rooms,
        backend.moderation,
        backend.server,
        backend.bus,
        apply,
        identities,
        devices,
        messages.life,
        bans,
    )
    reports = AbuseReports(
        clock,
        backend.rooms,
        backend.moderation.reports,
        backend.bus,
        apply,
        messages.life,
        identities.seat,
        identities.session,
        identities.actor,
        identities.admins,
        messages.private.message,
    )
    return Moderating(service, bans, reports)


def _people(
    clock: IReactorTime,
    backend: Backend,
    identities: Identities,
    notifications: Notifications,
    files: FileService | None,
    devices: Devices,
) -> tuple[PresenceService, UserService]:
    """Who is online and as what, and what a user keeps
    (:mod:`chatroom.core.services.presence`, :mod:`chatroom.core.services.users`)."""
    accounts = backend.accounts
    presence = PresenceService(
        backend.rooms,
        backend.server,
        accounts.settings,
        backend.bus,
        backend.apply,
        identities,
        files,
    )
    users = UserService(
        clock,
        accounts.records,
        accounts.settings,
        accounts.user_data,
        backend.apply,
        identities,
        notifications,
        files,
        devices,
    )
    return presence, users


def _names(
    config: ServerConfig,
    clock: IReactorTime,
    backend: Backend,
    apply: Applies,
    devices: Devices,
    presence: PresenceService,
    notifications: Notifications,
    messages: MessageService,
    accounts: AccountService,
) -> Names:
    """Who each member is: its name claimed, its account, its release
    (:mod:`chatroom.core.services.names`), the lockdown a new session's claim is
    checked against kept current by the back-end's news of it."""
    moderation = backend.moderation
    lockdown = LockdownCopy(moderation.bans.lockdown, moderation.follow_lockdown)
    return Names(
        config,
        clock,
        devices.sessions,
        presence.identities,
        devices,
        presence,
        notifications,
        messages.life,
        PlainMarkers(),
        lockdown,
        backend.accounts.records,
        backend.rooms,
        backend.bus,
        apply,
        accounts.sign_ins,
    )


def compose_bridge(
    settings: MatrixSettings,
    core: ChatCore[Any],
    homeserver: Homeserver,
    node: str = "local",
) -> MatrixBridge:
    """The Matrix bridge (``--matrix-registration``) over the core's
    back-end: its ledger, the rooms' facts, what was said and the one
    write; its sender to Matrix on this node (``node``: the lease's
    holder when it sends)."""
    backend = core.backend
    pinger = Pinger(settings, core.clock, homeserver)
    sender = Sender(
        settings,
        core.clock,
        backend.bridge,
        backend.apply,
        homeserver,
        pinger,
        node,
        backend.rooms,
    )
    seating = MatrixSeats(core.standing, core.rooms.join_room, core.rooms.leave_room)
    return MatrixBridge(
        settings,
        core.clock,
        backend.bridge,
        backend.rooms,
        backend.messages,
        backend.apply,
        homeserver,
        core.config,
        pinger,
        sender,
        seating,
        backend.server.find_user,
        core.messages.paste,
        SharedSpeakerLimits(RulesOf(core, core.clock), backend.apply, FLOOD_COUNTED_AS),
    )
