"""Moderation: a room's moderation commands and log, the server's admins.

A moderation command is decided by :func:`chatroom.core.policy.moderation.decide`
on the room's facts and applied as one change resting on the room and the
user it names being as read; an admin's command (``/kill``, a server ban,
``ANNOUNCE``, ``WALLOPS``, ``/rehash``, a backup, a room given) is
:mod:`chatroom.core.moderation.admin`'s, by a member or by the server's operator
(an :class:`~chatroom.core.policy.moderation.Actor` who is no member:
:mod:`chatroom.core.operating`); server bans are
:class:`~chatroom.core.moderation.serverbans.ServerBans`', the lockdown
:mod:`chatroom.core.moderation.lockdown`'s, and the server's own moderation log (its
bans, lockdowns and kills) is kept beside the rooms' logs.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import decided, retried
from chatroom.core.messages.life import MessageLife
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.changes.rooms import Drop, Emit, RoomSeating
from chatroom.core.model.events import (
    Departure,
    LockdownChanged,
    RoomDeleted,
    RoomEvent,
)
from chatroom.core.model.facts import DecisionFacts
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation import admin, lockdown
from chatroom.core.moderation.lockdown import Lockdown
from chatroom.core.moderation.modlog import (
    SERVER_LOG,
    ModEntry,
    check_count,
    entries_of,
)
from chatroom.core.moderation.netbans import ServerBan
from chatroom.core.moderation.serverbans import ServerBans
from chatroom.core.moderation.store import ModerationStore
from chatroom.core.policy import moderation
from chatroom.core.policy.moderation import Action, Actor
from chatroom.core.rooms.entries import departing
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.core.server.store import ServerStore
from chatroom.core.services.devices import Devices
from chatroom.core.services.identities import Identities
from chatroom.core.services.premises import as_read
from chatroom.wire.lines import format_time


class ModerationService:
    """What a room's moderators and the server's admins ask for."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        rooms: RoomStore,
        store: ModerationStore,
        server: ServerStore,
        bus: Bus,
        apply: Applies,
        identities: Identities,
        devices: Devices,
        life: MessageLife,
        bans: ServerBans,
    ) -> None:
        """Args:
        rooms: a room's facts, which moderation decides on.
        store: the moderation logs and the server's lockdown as kept.
        server: the user a ``/kill`` names; a backup of the store.
        bus: tells everyone (``ANNOUNCE``, ``WALLOPS``, a lockdown).
        apply: the back-end's one write, which applies what is decided.
        """
        self.clock = clock
        self.rooms = rooms
        self.store = store
        self.server = server
        self.bus = bus
        self.apply = apply
        self.bans = bans
        self.identities = identities
        self.devices = devices
        self.life = life
        #: What reloads this node's configuration (the registry's
        #: ``attach_reloader``; None: a server not built from options,
        #: nothing to reload).
        self.reload: admin.Reload | None = None

    async def moderate(self, member: Member, room: str, action: Action) -> None:
        """Apply one moderation command in ``room`` (which ``member`` is in),
        as :func:`moderation.decide` decides it on the room's facts, as one
        change (:func:`moderation.change_of`) resting on the room and the
        user it names being as read.

        Raises:
            ChatError: ``NOT_IN_ROOM``, ``NOT_ALLOWED``, ``NO_SUCH_USER``,
                ``BAD_ARGS``.
        """
        member = self.identities.seat(member)
        where = self.rooms.joined_room(member, room)
        actor = self.identities.actor(member)
        session = self.identities.session(member)

        def rule(
            facts: DecisionFacts,
        ) -> tuple[moderation.Outcome, DecidedChange]:
            outcome = moderation.decide(action, facts.room, actor, facts.target)
            room_key, actor_key = name_key(facts.room.name), name_key(actor.name)
            premises = as_read(facts)
            leave = None
            if outcome.kick is not None:  # its departure, on the seating read
                if facts.seating is None:
                    raise errors.not_in_room()
                departure = outcome.events[-1]
                assert isinstance(departure, Departure)
                leave = departing(facts.seating, outcome.kick.key, departure)
            change = moderation.change_of(
                outcome, room_key, actor_key, facts.target, premises, leave
            )
            entries = entries_of(outcome.events, format_time(self.clock.seconds()))
            if entries:  # the room's log records it in the same step
                ops = (*change.ops, RecordEntries(tuple(entries)))
                change = replace(change, ops=ops)
            return outcome, change

        async def apply(
            facts: DecisionFacts, decided: tuple[moderation.Outcome, DecidedChange]
        ) -> list[RoomEvent]:
            outcome, change = decided
            await self.apply(change, member, session)
            await self.devices.kicked(outcome.kick, facts.room.name)
            return outcome.events

        target = action.target if action.needs_target else ""
        await decided(self.rooms.facts, where, rule, apply, target)
        what = f"/{action.command} {action.target} in {where}"
        self.log.info("{user} {what}", user=actor.name, what=what)

    async def hand_over(self, member: Member, room: str, target: str) -> None:
        """``/owner USER``: ``member``, the owner of ``room`` (or an admin),
        hands it to ``target``, a member signed in to an account
        (:func:`chatroom.core.policy.moderation.hand_over`), as one change resting
        on the room as read and ``target`` in it (the one a gift is); every
        member hears ``OWNER``.

        Raises:
            ChatError: ``NOT_IN_ROOM``, ``NOT_ALLOWED``, ``NO_SUCH_USER``,
                ``BAD_ARGS``.
        """
        member = self.identities.seat(member)
        where = self.rooms.joined_room(member, room)
        actor = self.identities.actor(member)

        def rule(facts: DecisionFacts) -> DecidedChange:
            given = moderation.hand_over(
                facts.room, actor, facts.target, target, facts.owner_name
            )
            return moderation.gift_change(
                given, name_key(facts.room.name), as_read(facts)
            )

        async def apply(facts: DecisionFacts, change: DecidedChange) -> None:
            await self.apply(change)

        await decided(self.rooms.facts, where, rule, apply, target)
        self.log.info(
            "{user} handed {room} to {owner}", user=actor.name, room=where, owner=target
        )

    async def pass_on_rooms(self, account: str) -> None:
        """Account ``account`` (its key) is deleted: each room it owned
        goes on without it (:func:`chatroom.core.policy.moderation.passed_on`),
        one change each, resting on the room as read and its heir in it,
        decided again while those change. The rooms are read one by one
        (a deletion is rare; no index names an account's rooms): a room
        gone meanwhile is passed over, and one that cannot be passed on
        now (``UNAVAILABLE``) is logged and the others still are: the
        account is gone already."""
        for listed in (await self.rooms.list_rooms()).rooms:
            try:
                await retried(partial(self._pass_on, listed.name, account))
            except errors.ChatError as failure:
                if failure.code != "NO_SUCH_ROOM":
                    self.log.warn(
                        "{room} of deleted account {account} not passed on: {failure}",
                        room=listed.name,
                        account=account,
                        failure=failure,
                    )

    async def _pass_on(self, room: str, account: str) -> None:
        """Room ``room`` passed on if ``account`` owns it."""
        facts = await self.rooms.facts(room)
        if facts.room.policy.owner_account != account:
            return
        roster = await self.rooms.roster(room)
        given = moderation.passed_on(
            facts.room, roster.targets, account, facts.owner_name
        )
        name, premises = facts.room.name, as_read(facts)
        if given.owner or facts.room.members:
            change = moderation.gift_change(given, name_key(name), premises)
        else:  # nobody's and empty: gone, as a scratch room is once emptied
            ops = (Emit(RoomDeleted(name, account)), Drop())
            change = DecidedChange(RoomSeating(name_key(name)), premises, ops)
        await self.apply(change)
        self.log.info("{room} passed on from a deleted account", room=name)

    async def modlog(self, member: Member, room: str, count: int) -> list[ModEntry]:
        """``/modlog [N]``: the room's newest ``count`` moderation log
        entries, oldest first (``NOT_ALLOWED`` unless owner, operator or
        admin; ``BAD_ARGS`` for a count not 1-200)."""
        return await self.life.modlog(self.identities.seat(member), room, count)

    # -- admins ------------------------------------------------------------------------

    async def kill(self, member: Member, target: str, reason: str) -> admin.Killed:
        """An admin ends ``target``'s session; returns the name it had and
        the reason its rooms were given (``reason``, or
        :data:`~chatroom.core.policy.rules.NO_REASON` for none that can be shown:
        :func:`chatroom.core.policy.rules.reason`).

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``NO_SUCH_USER``.
        """
        return await self.kill_as(self.identities.actor(member), target, reason)

    async def server_ban(self, member: Member, words: str, banned: bool) -> ServerBan:
        """An admin bans ``words`` (``USER|MASK [DURATION] [REASON]``) from
        the server, or lifts the ban of ``words`` (``USER|MASK``); returns
        the ban (lifted: its mask). A user it covers who is connected is
        disconnected, on any node (:mod:`chatroom.core.moderation.serverbans`).

        Raises:
            ChatError: ``NOT_ALLOWED``, ``BAD_ARGS`` (already / not banned,
                a bad mask or duration).
        """
        actor = self.identities.actor(member)
        return await self.server_ban_as(actor, words, banned)

    async def listed_server_bans(self, member: Member) -> list[ServerBan]:
        """``/gbans``: the bans that hold, oldest first, for an admin.

        Raises:
            ChatError: ``NOT_ALLOWED``.
        """
        return await self.bans.listed(self.identities.actor(member))

    async def server_modlog(self, member: Member, count: int) -> list[ModEntry]:
        """``/modlog server``: the server's newest ``count`` moderation
        entries (server bans and their lifting, lockdowns, kills), oldest
        first, for admins.

        Raises:
            ChatError: ``NOT_ALLOWED``, ``BAD_ARGS`` (a count not 1-200).
        """
        check_count(count)
        if not self.identities.actor(member).admin:
            raise errors.admins_only("modlog server")
        return await self.store.modlog.read(SERVER_LOG, count)

    async def lockdown(self, member: Member, level: str) -> Lockdown:
        """``/lockdown [off|accounts|closed]`` by an admin: the level now,
        set first if ``level`` is given (every admin, on every node, hears
        ``LOCKDOWN``; :mod:`chatroom.core.moderation.lockdown`).

        Raises:
            ChatError: ``NOT_ALLOWED``, ``BAD_ARGS`` (no such level).
        """
        return await self.lockdown_as(self.identities.actor(member), level)

    async def lockdown_as(self, actor: Actor, level: str) -> Lockdown:
        """:meth:`lockdown` by ``actor`` (the server's operator)."""
        kept = self.store.bans
        if not level:
            if not actor.admin:
                raise errors.admins_only("lockdown")
            return await kept.lockdown()
        change = lockdown.setting(actor, lockdown.parse_level(level), self._stamp())
        await self.apply(change)
        now = await kept.lockdown()
        admins = tuple(sorted(self.identities.config.admin_accounts))
        await self.bus.tell_everyone(LockdownChanged(now.level, now.by, admins))
        self.log.info(
            "{admin} set the lockdown to {lockdown}",
            admin=actor.name,
            lockdown=now.level,
        )
        return now

    def _stamp(self) -> str:
        """Now, as the server's moderation log stamps an entry."""
        return format_time(self.clock.seconds())

    async def announce(self, member: Member, text: str) -> None:
        """An admin's ``ANNOUNCE`` to every named member on every node."""
        await self.announce_as(self.identities.actor(member), text)

    async def kill_as(self, actor: Actor, target: str, reason: str) -> admin.Killed:
        """:meth:`kill` by ``actor``, who is no member: the server's operator
        (chatroom-admin, :mod:`chatroom.core.operating`); the server's
        moderation log keeps it."""
        return await admin.kill(
            self.server.find_user, self.apply, actor, target, reason, self._stamp()
        )

    async def kill_account_as(
        self, actor: Actor, account: str, name: str, reason: str
    ) -> admin.Killed:
        """:meth:`kill_as` of every device signed in to account key
        ``account`` (named ``name``), whatever name each took with
        ``/nick`` (:func:`chatroom.core.moderation.admin.kill_account`): the
        operator's deletion of the account."""
        return await admin.kill_account(
            self.apply, actor, account, name, reason, self._stamp()
        )

    async def server_ban_as(
        self, actor: Actor, words: str, banned: bool, reason: str = ""
    ) -> ServerBan:
        """:meth:`server_ban` by ``actor``; ``reason`` is the ban's when
        ``words`` give none (the sessions it ends are told
        :func:`chatroom.core.moderation.netbans.bye` of it)."""
        if banned:
            return await self.bans.ban(actor, words, reason)
        return ServerBan(await self.bans.lift(actor, words))

    async def announce_as(self, actor: Actor, text: str) -> None:
        """:meth:`announce` by ``actor`` (an admin's, or the operator's:
        :mod:`chatroom.core.operating`): the admin rule's announcement,
        told to every named member on every node."""
        await self.bus.tell_everyone(admin.announcement(actor, text))

    async def give_room_as(self, actor: Actor, room: str, account: str) -> str:
        """A server admin's ``rooms give``: room ``room`` belongs to
        ``account`` from now on (:func:`chatroom.core.policy.moderation.give`);
        its name as the room has it.

        Raises:
            ChatError: ``NOT_ALLOWED``, ``NO_SUCH_ROOM``, ``NO_SUCH_ACCOUNT``,
                ``BAD_ARGS`` (a permanent room).
        """

        def rule(facts: DecisionFacts) -> DecidedChange:
            given = moderation.give(
                facts.room, actor, account, facts.target, facts.owner_name
            )
            room_key = name_key(facts.room.name)
            return moderation.gift_change(given, room_key, as_read(facts))

        async def apply(facts: DecisionFacts, change: DecidedChange) -> str:
            await self.apply(change)
            return facts.room.name

        given = await decided(self.rooms.facts, room, rule, apply, account)
        self.log.info(
            "{admin} gave {room} to {account}",
            admin=actor.name,
            room=given,
            account=account,
        )
        return given

    async def backup(self, actor: Actor, path: str) -> None:
        """An admin's copy of the store, written to a new file at ``path``:
        alone, a consistent copy of the SQLite file by the store's one
        writer; in cluster mode, every Redis key under the cluster's prefix
        (:mod:`chatroom.backends.redis.dumpfile`).

        Raises:
            ChatError: ``NOT_ALLOWED``, ``NOT_SUPPORTED`` (no file to copy:
                ``--db :memory:``), ``UNAVAILABLE`` (Redis out of reach).
        """
        admin.check_admin(actor, "backup")
        await self.server.backup(path)
        self.log.info("{admin} backed up the store", admin=actor.name)

    async def wallops(self, member: Member, text: str) -> None:
        """An admin's ``WALLOPS`` to every named member on every node (shown
        by IRC users with ``+w``).

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``BAD_TEXT``.
        """
        await admin.wallops(self.bus, self.identities.actor(member), text)

    async def rehash(self, member: Member) -> str:
        """An admin's ``/rehash`` (IRC's ``REHASH``): this node's
        configuration read again (the registry's ``attach_reloader``);
        what changed, what was read again, what needs a restart.

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``REHASH_FAILED``.
        """
        return admin.rehash(self.identities.actor(member), self.reload)
