"""The core: who each member is, and the services every door calls.

:class:`ChatCore` is the :class:`~chatroom.core.registry.Registry` every door
holds. It owns the :class:`~chatroom.core.sessions.Sessions` (who each
member is: a name claimed, an account signed in or out, a session
released), so a member's seat, session and standing are derived in one
place (:class:`~chatroom.core.services.identities.Identities`); each
command is one service's (:mod:`chatroom.core.services`), which checks the
rules of :mod:`chatroom.core.rules` and :mod:`chatroom.core.moderation` in
their order, builds the events that say what happened, and hands the
change to the :class:`~chatroom.core.backend.Backend` as one atomic step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Generic, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatroom.core import admin, errors, lockdown, membership, rules
from chatroom.core.abuse_reports import AbuseReports
from chatroom.core.accountnews import registered_name, tell_rooms
from chatroom.core.backend import Backend, Reports
from chatroom.core.changes import Premise
from chatroom.core.config import ServerConfig
from chatroom.core.creation import CreationLimit
from chatroom.core.departures import Departures
from chatroom.core.devices import Devices
from chatroom.core.entries import Entries
from chatroom.core.events import Renamed
from chatroom.core.facts import ClaimFacts
from chatroom.core.filedir import FileDirectory
from chatroom.core.files import FileService
from chatroom.core.hashing import Runner, in_place
from chatroom.core.ignoring import NOBODY
from chatroom.core.lockdown import LockdownCopy
from chatroom.core.markers import PlainMarkers, advance
from chatroom.core.member import Member
from chatroom.core.missed_mail import MissedMail
from chatroom.core.presence import Presence
from chatroom.core.previews import CardFetcher, LinkPreviews
from chatroom.core.private import PrivateMessages
from chatroom.core.push import Notifications, PushSender
from chatroom.core.reading import Markings
from chatroom.core.reports import CoreReports
from chatroom.core.retention import RetentionSweep
from chatroom.core.retrying import decided_again
from chatroom.core.serverbans import ServerBans
from chatroom.core.services.accounts import AccountService
from chatroom.core.services.identities import Identities
from chatroom.core.services.messages import MessageService
from chatroom.core.services.moderation import ModerationService
from chatroom.core.services.presence import PresenceService
from chatroom.core.services.rooms import RoomService
from chatroom.core.services.users import UserService
from chatroom.core.sessions import Sessions
from chatroom.core.settling import Settling
from chatroom.core.text import name_key
from chatroom.core.webhooks import Webhooks

B = TypeVar("B", bound=Backend)


class ChatCore(Generic[B]):
    """The sessions and the services every door calls, over back-end ``B``.

    It holds who each member is (its name claimed, its account signed in
    or out, its release) and the life of the whole; each command is a
    service's (:mod:`chatroom.core.services`): :attr:`accounts`,
    :attr:`rooms`, :attr:`messages`, :attr:`moderation`, :attr:`presence`,
    :attr:`users`, and the objects handed to the doors as they are: :attr:`markers`,
    :attr:`webhooks`, :attr:`devices` and :attr:`sessions`.
    """

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        backend: Callable[[Sessions, Reports], B],
        namespace: str = "local",
        fetch_card: CardFetcher | None = None,
        send_push: PushSender | None = None,
        hashing: Runner = in_place,
    ) -> None:
        """Args:
        backend: builds the back-end, given the sessions it reads and
            where it reports what happens of its own accord.
        namespace: the first part of every session token (a node's id).
        fetch_card: fetches what a message's link points to (None: no link
            previews, ``--previews off``; :mod:`chatroom.core.previews`).
        send_push: sends a Web Push notice (None: none are sent;
            :mod:`chatroom.core.push`).
        hashing: runs password hashing off the reactor thread (the
            server's threads of their own; in place in tests).
        """
        self.config = config
        self.clock = clock
        self.hashing = hashing
        self.sessions = Sessions(namespace)
        self.reports = CoreReports(self.end_session)
        self.backend: B = backend(self.sessions, self.reports)
        #: Read markers of plain names, for their connection's life.
        self.plain_markers = PlainMarkers()
        private = PrivateMessages(config, clock, self.backend)
        #: Joins, creates and leaves: read, decide, apply (chatroom.core.entries).
        self.entries = Entries(
            self.backend, config.big_room, config.max_rooms, config.resume_bound
        )
        #: Web Push to accounts with no active device (chatroom.core.push).
        self.notifications = Notifications(
            clock,
            self.backend.push,
            self.backend.apply,
            self.backend.remembered.rooms,
            send_push,
            config.push_idle,
            connected_elsewhere=self._connected_elsewhere,
            settings_of=self.backend.settings.settings,
            ignores=self.backend.account_store.ignores,
        )
        #: Mail for what an account missed (chatroom.core.missed_mail): it
        #: mails nothing until the doors' server hands it a mailer.
        self.missed_mail = MissedMail(
            clock,
            self.backend.account_store,
            self.backend.apply,
            self.backend.settings.settings,
            self.backend.remembered.rooms,
            self._connected_elsewhere,
            self.notifications.last_active,
            config.mail_idle * 60,
            config.name,
        )
        self.notifications.also.append(self.missed_mail)
        #: Every room's history aged out, spoken in or not (chatroom.core.retention).
        self.retention = RetentionSweep(
            clock, self.backend.apply, namespace, config.retention_age
        )
        #: Registering, signing in, passwords (chatroom.core.services.accounts).
        self.accounts = AccountService(
            self.backend.account_store, self.backend.apply, clock, hashing, config
        )
        #: Who a door's member is: its seat, session and standing.
        self.identities = Identities(
            config, self.sessions, self.backend, self.notifications
        )
        #: Many devices per account: the seats' devices (chatroom.core.devices).
        self.devices = Devices(
            config,
            clock,
            self.backend,
            self.sessions,
            lambda member: self.rooms.lobby_rooms(member),
            self.entries,
            self.identities.actor,
            self.accounts.sign_ins,
        )
        #: Sessions' ends (chatroom.core.departures) and rooms whose wait for
        #: their members is over (chatroom.core.settling).
        self.reports.attach(
            self.devices.viewed,
            Departures(self.backend),
            Settling(self.backend),
            self.devices.logged_out,
        )
        #: One bound method for every seat's ``on_removed``.
        self._taken = self.devices.taken
        #: Name key → the devices holding it whose connections are gone,
        #: each with why, until their :meth:`release` (:meth:`lost`).
        self._gone: dict[str, dict[Member, str]] = {}
        #: Read markers and unread counts (chatroom.core.reading).
        self.markers = Markings(
            config,
            self.backend,
            self.plain_markers,
            self.devices,
            self.identities.seat,
            private,
        )
        #: Link previews: a message's first link, fetched once per URL.
        previews = LinkPreviews(clock, self.backend.messages.attach, fetch_card)
        #: Incoming webhooks: /webhook and the posts (chatroom.core.webhooks).
        self.webhooks = Webhooks(
            config,
            clock,
            self.backend,
            self.identities.actor,
            self.identities.joined_room,
        )
        #: Uploads (``--files``): None while they are off.
        self.files = (
            FileService(
                config,
                clock,
                self.backend.files,
                self.backend.apply,
                FileDirectory(
                    config.files_dir, cache=self.backend.file_bytes is not None
                ),
                self.backend.upload_tokens,
                self.backend.file_bytes,
            )
            if config.files_dir
            else None
        )
        created = CreationLimit(clock, config.rooms_per_hour)
        self.rooms = RoomService(
            *(clock, self.backend, self.identities, self.entries, self.devices),
            created,
            rename_grace=config.rename_grace,
        )
        self.messages = MessageService(
            config,
            clock,
            self.backend,
            self.identities,
            self.devices,
            private,
            previews,
            self.notifications,
            self.files,
            namespace,
        )
        #: Server bans, by account, name or network (chatroom.core.serverbans):
        #: the doors' server screens new connections with them.
        self.bans = ServerBans(clock, self.backend)
        #: The lockdown level each new session's name claim is checked
        #: against: this node's copy (chatroom.core.lockdown).
        self.lockdown_level = LockdownCopy(self.backend.account_store.lockdown)
        self.backend.follow_lockdown(self.lockdown_level)
        self.moderation = ModerationService(
            clock,
            self.backend,
            self.identities,
            self.devices,
            self.messages.life,
            self.bans,
        )
        self.presence = PresenceService(
            self.backend, self.identities, lambda: self.files
        )
        self.users = UserService(
            clock,
            self.backend,
            self.identities,
            self.notifications,
            self.files,
            self.devices,
        )
        #: The messages' threads and pins, the users' notification levels
        #: and people's profiles: objects of their own, handed to the doors
        #: as they are.
        self.threads = self.messages.threads
        self.pins = self.messages.pins
        self.notify_levels = self.users.notify_levels
        self.profiles = self.presence.profiles
        #: Reports of messages: /report, /reports (chatroom.core.abuse_reports).
        self.abuse_reports = AbuseReports(
            clock,
            self.backend,
            self.messages.life,
            self.identities.seat,
            self.identities.session,
            self.identities.actor,
            lambda: self.identities.config.admin_accounts,
            private.message,
        )

    @property
    def available(self) -> bool:
        return self.backend.available

    @property
    def store_epoch(self) -> str:
        return self.backend.store_epoch

    async def caught_up(self) -> None:
        await self.backend.caught_up()

    async def _connected_elsewhere(self, account: str) -> bool:
        """Whether ``account`` is online but not here: on another node of
        the cluster (a single server has every session here)."""
        if self.sessions.account_seat(account) is not None:
            return False
        found = await self.backend.find_user(account)
        return found is not None and found.online

    # -- life ---------------------------------------------------------------------

    def start(self) -> None:
        self.backend.start()
        self.missed_mail.start()
        self.retention.start()

    def stop(self) -> None:
        self.notifications.stop()
        self.missed_mail.stop()
        self.retention.stop()
        self.bans.stop()
        self.backend.stop()

    def reconfigure(self, config: ServerConfig) -> None:
        """Who is an admin is asked of the configuration at each command
        (:meth:`Identities.actor`, and each device's), so the new one takes
        effect at the next; what else it holds is unchanged by a reload."""
        self.config = config
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
        return self.backend.detach()

    def attach_reloader(self, reload: admin.Reload) -> None:
        self.moderation.reload = reload

    # -- sessions and names ---------------------------------------------------------

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
        presence: Presence | None = None,
    ) -> None:
        """The name rule, the claim rule on the name's facts (registered?
        banned?: decided on a fresh name's, and again on those a refused
        claim brings), then the back-end's claim, which ends a session holding
        the name if ``account`` is that name's and ``takeover``; a sign-in
        to an account whose seat is here under its name adds a device. A
        rename is told once to the user and to each member sharing a room
        with it, however many rooms. ``presence`` goes with the claim (the
        metadata the session keeps added to it); a sign-in that becomes a
        device of a seat here claims nothing, and keeps it after."""
        rules.check_name(name)
        key = name_key(name)
        seat, opened = self.sessions.seat_of(member), self.sessions.get(member)
        device = member
        if opened is None or not opened.name:  # a new session: the lockdown's
            signed_in = opened.account if account is None and opened else account
            locked = self.lockdown_level.known or await self.lockdown_level.level()
            admin_account = bool(signed_in) and signed_in in self.config.admin_accounts
            lockdown.check_claim(locked, signed_in or "", admin_account)
        if (opened is None or not opened.name) and account == key and takeover:
            if await self.devices.join_seat(member, name, account):
                if presence is not None:
                    kept = self.sessions[member].metadata
                    await self.presence.set_presence(
                        member, replace(presence, metadata=kept)
                    )
                return
        elif seat is not None and len(seat.devices) > 1:
            raise errors.one_name_for_devices()
        self._free_gone(key, member)
        try:
            await self._claim(member, device, name, key, account, takeover, presence)
        finally:
            self.devices.unclaimed(device)  # given it, or not to be

    async def _claim(
        self,
        member: Member,
        device: Member,
        name: str,
        key: str,
        account: str | None,
        takeover: bool,
        presence: Presence | None,
    ) -> None:
        """:meth:`claim_name` once the sign-in is no device of a seat here:
        the name's rules and the back-end's claim for ``member`` (the
        door's ``device``, or the seat it has), with ``presence``."""
        session = self.sessions.open(member, self.clock.seconds(), self._taken)
        member = self.identities.seat(member)
        signed_in = session.account if account is None else account
        before = session.account
        shown = await registered_name(self.backend.account_store, signed_in, before)
        require_account = self.config.require_account
        kept = session.metadata  # what the session keeps goes with its presence
        shared = None if presence is None else replace(presence, metadata=kept)

        def decide(facts: ClaimFacts) -> tuple[Premise, ...]:
            rules.check_claim(
                name, facts.registered, signed_in, facts.banned, require_account
            )
            return admin.claimed_on(facts, key, signed_in)

        async def claim(premises: tuple[Premise, ...]) -> None:
            await self.backend.claim(
                member,
                session,
                name,
                signed_in,
                takeover and account == key,
                membership.owner_follows_rename(),
                premises,
                shared,
            )

        # Decided on a fresh name's facts, with no read: a claim refused
        # brings the facts as they are, and is decided again on them.
        await decided_again(ClaimFacts(), decide, claim)
        self.sessions.update(
            member, name=name, account=signed_in or None, account_name=shown
        )
        if presence is not None:  # for its JOINs, as set_presence describes it
            self.sessions.describe(member, presence.realname, presence.away)
        seat = self.sessions.seat_of(member)
        if signed_in != before and seat is not None:  # the account's ignore list
            seat.ignore(
                await self.backend.account_store.ignores(signed_in)
                if signed_in
                else NOBODY
            )
        if session.name:  # a rename: in no room, the user alone hears it
            account = self.sessions[member].account_name
            rename = Renamed(session.name, name, account=account)
            await self.backend.tell_neighbours(
                member, self.sessions[member], rename, True
            )
        await tell_rooms(
            self.backend, self.sessions, member, before, watched=bool(session.name)
        )
        if signed_in != before:
            await self.devices.counted(device)

    async def set_account(self, member: Member, account: str) -> None:
        """A plain name's read markers become its account's; rooms hear it."""
        member = self.identities.seat(member)
        before = self.sessions[member].account
        shown = await registered_name(self.backend.account_store, account)
        await self.backend.sign(member, self.sessions[member], account)
        self.sessions.update(member, account=account, account_name=shown)
        await tell_rooms(self.backend, self.sessions, member, before)
        if account:
            for room, event_id in self.plain_markers.forget(member).items():
                await advance(self.backend.apply, account, room, event_id)
            await self.devices.counted(member)

    def quit(self, member: Member, words: str, unsaid: str = rules.QUIT_WORDS) -> str:
        """The user quits saying ``words`` (:func:`rules.reason`, or
        ``unsaid``), which its rooms hear as its own."""
        said = rules.reason(words, unsaid)
        self.release(member, said, own_words=True)
        return said

    def lost(self, member: Member, reason: str) -> None:
        """Device ``member``'s connection is gone (``reason``: how). Its
        :meth:`release` comes in its door's turn, which for a crowd lost
        at once is some turns later (the door gives lost connections back
        a bounded number a turn: :mod:`chatroom.doors.base.leaving`); till
        then its name is held by nobody who can use it, and a claim of it
        releases the device first (:meth:`_free_gone`); a claim on another
        node ends the session (:meth:`Backend.connection_gone
        <chatroom.core.backend.Backend.connection_gone>`)."""
        session, seat = self.sessions.get(member), self.sessions.seat_of(member)
        if session is not None and session.name and seat is not None:
            self._gone.setdefault(name_key(session.name), {})[member] = reason
            if len(seat.devices) < 2:  # the session's last: other nodes hear it
                self.backend.connection_gone(seat, session, reason)

    def _free_gone(self, key: str, claimant: Member) -> None:
        """The name rule: a name is free the moment its connection is gone,
        however many went at the same moment. The devices holding name
        ``key`` whose connections are gone (:meth:`lost`) are released now,
        ahead of their turn: their rooms hear them leave (saying why, as
        they would have) before ``claimant`` takes the name."""
        for device, reason in self._gone.pop(key, {}).items():
            if device is not claimant:
                self.release(device, reason)

    def release(self, member: Member, reason: str, own_words: bool = False) -> None:
        """A device gone: its seat leaves the rooms no other device views
        (all of them with its last device, as the whole session goes);
        ``own_words``: ``reason`` is the user's (:meth:`quit`)."""
        self.backend.watch_lobby(member, False)
        self.accounts.sign_ins.let_go(member)
        seat = self.identities.seat(member)
        gone = self.sessions.get(member)
        if gone is not None:
            self.notifications.active(gone.account)  # idle from now on
            if gone.name:  # released: no longer one to free (_free_gone)
                lost = self._gone.get(name_key(gone.name), {})
                lost.pop(member, None)
                if not lost:
                    self._gone.pop(name_key(gone.name), None)
        if self.devices.gone(member, reason, own_words):
            return  # one device of several
        session = self.sessions.close(member)
        self.plain_markers.forget(seat)
        self.messages.life.forget(seat)
        if session is not None:
            self.backend.release(seat, session, reason, own_words)

    def end_session(self, member: Member, reason: str) -> None:
        """End a session from the shared side: rooms hear ``reason``, then
        its door closes it."""
        self.release(member, reason)
        member.disconnect(reason)
