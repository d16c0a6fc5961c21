"""The core: every command's rules, in order, written once for both back-ends.

:class:`ChatCore` is the :class:`~chatroom.core.registry.Registry` every door
calls. For each command it checks the rules of :mod:`chatroom.core.rules`
and :mod:`chatroom.core.moderation` in their order, builds the events that
say what happened, and hands the change to its
:class:`~chatroom.core.backend.Backend` as one atomic step. It owns the
:class:`~chatroom.core.sessions.SeatSessions` (who each member is), so the
actor of every decision is built here and nowhere else.

A decision on a room's facts (topic, deletion, moderation) is made as
:mod:`chatroom.core.retrying` says: again, if the facts changed under it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Generic, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core import (
    admin,
    amending,
    errors,
    ignoring,
    lockdown,
    membership,
    moderation,
    multiline,
    newcomers,
    rules,
    search,
)
from chatroom.core.accountnews import registered_name, tell_rooms
from chatroom.core.accounts import AccountStore
from chatroom.core.backend import Backend, DecisionFacts, Reports
from chatroom.core.census import Census
from chatroom.core.changes import (
    Announce,
    Append,
    DecidedChange,
    Drop,
    Emit,
    Incarnation,
    Premise,
    PremiseFailedError,
    QuietAmong,
    RoomMessages,
    RoomSeating,
    SetTopic,
    Unmoderated,
    Version,
)
from chatroom.core.config import ServerConfig
from chatroom.core.creation import CreationLimit
from chatroom.core.departures import Departures
from chatroom.core.devices import Devices
from chatroom.core.entries import Entries, Entry, departing
from chatroom.core.errors import ChatError
from chatroom.core.events import (
    AwayChanged,
    Departure,
    DepartureKind,
    DeviceList,
    Event,
    Listing,
    LockdownChanged,
    Message,
    PrivateEvent,
    PrivateMessage,
    PrivateRedacted,
    PrivateTagMessage,
    ProfileChanged,
    RealnameChanged,
    Renamed,
    RoomDeleted,
    RoomEvent,
    SearchResult,
    Sighting,
    StoredEvent,
    TagMessage,
    TopicChanged,
)
from chatroom.core.facts import Seating, SpeakingFacts
from chatroom.core.filedir import FileDirectory
from chatroom.core.files import FileService
from chatroom.core.hooks import Hook
from chatroom.core.ignoring import NOBODY
from chatroom.core.lockdown import Lockdown
from chatroom.core.markers import Marker, PlainMarkers, Unread, advance
from chatroom.core.member import Member
from chatroom.core.message_threads import MessageThreads, ThreadSummary
from chatroom.core.messagelife import MessageLife
from chatroom.core.moderation import Action, Actor, check_outside
from chatroom.core.modlog import SERVER_LOG, ModAction, ModEntry, check_count
from chatroom.core.netbans import ServerBan
from chatroom.core.notify_levels import NotifyLevels
from chatroom.core.operator_messages import say_to_operators
from chatroom.core.pins import Pins
from chatroom.core.presence import Presence
from chatroom.core.previews import CardFetcher, LinkPreviews
from chatroom.core.private import NO_COPY, IgnoredError, PrivateMessages
from chatroom.core.profiles import Profiles
from chatroom.core.push import Notifications, PushSender, check_subscription
from chatroom.core.reading import Markings
from chatroom.core.reports import CoreReports
from chatroom.core.retrying import (
    DECISION_ATTEMPTS,
    Applied,
    Decided,
    decided,
    retried,
)
from chatroom.core.roominfo import RoomSettings, Roster, settings_of
from chatroom.core.seats import Seat
from chatroom.core.serverbans import ServerBans
from chatroom.core.sessions import SeatSession, SeatSessions
from chatroom.core.settling import Settling
from chatroom.core.tagmessages import Reacting, TagMessages
from chatroom.core.text import name_key
from chatroom.core.userdata import EXPORT_TTL, AccountData, erasure
from chatroom.core.watching import Listener, tell_watchers
from chatroom.core.webhooks import Webhooks
from chatroom.core.whowas import Departed
from chatroom.wire.lines import format_time
from chatroom.wire.tags import Tags

B = TypeVar("B", bound=Backend)

#: The premise of a member's message to a room that is not moderated.
UNMODERATED = Unmoderated()


class ChatCore(Generic[B]):
    """Names, rooms, moderation and admins: the rules, over back-end ``B``."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        backend: Callable[[SeatSessions, Reports], B],
        namespace: str = "local",
        fetch_card: CardFetcher | None = None,
        send_push: PushSender | None = None,
    ) -> None:
        """Args:
        backend: builds the back-end, given the sessions it reads and
            where it reports what happens of its own accord.
        namespace: the first part of every session token (a node's id).
        fetch_card: fetches what a message's link points to (None: no link
            previews, ``--previews off``; :mod:`chatroom.core.previews`).
        send_push: sends a Web Push notice (None: none are sent;
            :mod:`chatroom.core.push`).
        """
        self.config = config
        self.clock = clock
        self.sessions = SeatSessions(namespace)
        self.reports = CoreReports(self.end_session)
        self.backend: B = backend(self.sessions, self.reports)
        #: Read markers of plain names, for their connection's life.
        self.plain_markers = PlainMarkers()
        self.private = PrivateMessages(config, clock, self.backend)
        #: Many devices per account: the seats' devices (chatroom.core.devices).
        #: Joins, creates and leaves: read, decide, apply (chatroom.core.entries).
        self.entries = Entries(
            self.backend, config.big_room, config.max_rooms, config.resume_bound
        )
        self.devices = Devices(
            config, clock, self.backend, self.sessions, self.list_rooms, self.entries
        )
        #: Sessions' ends (chatroom.core.departures) and rooms whose wait for
        #: their members is over (chatroom.core.settling).
        self.reports.attach(
            self.devices.viewed, Departures(self.backend), Settling(self.backend)
        )
        #: One bound method for every seat's ``on_removed``.
        self._taken = self.devices.taken
        #: Read markers and unread counts (chatroom.core.reading).
        self.markings = Markings(
            config, self.backend, self.plain_markers, self.devices, self._seat
        )
        self.created = CreationLimit(clock, config.rooms_per_hour)
        #: Link previews: a message's first link, fetched once per URL.
        self.previews = LinkPreviews(clock, self.backend.messages.attach, fetch_card)
        #: Web Push to accounts with no active device (chatroom.core.push).
        self.notifications = Notifications(
            clock,
            self.backend.push,
            self.backend.remembered.rooms,
            send_push,
            config.push_idle,
            connected_elsewhere=self._connected_elsewhere,
            settings_of=self.backend.settings.settings,
            ignores=self.backend.account_store.ignores,
        )
        #: Replies, edits, deletions, reactions, typing and /modlog.
        self.life = MessageLife(
            config,
            clock,
            self.backend,
            self._session,
            self._actor,
            retried,
            self._append,
        )
        #: Threads: /thread, /threads, following (chatroom.core.message_threads).
        changed = self.notifications.settings_changed
        self.message_threads = MessageThreads(
            self.backend, self.life, self._seat, self._session, self._append, changed
        )
        #: Pinned messages: /pin, /unpin, /pins (chatroom.core.pins).
        self.pins = Pins(
            clock, self.backend, self.life, self._seat, self._session, self._actor
        )
        #: /notify: per-room notification levels (chatroom.core.notify_levels).
        self.notify_levels = NotifyLevels(
            self.backend.settings,
            self.backend.apply,
            self._place,
            self._session,
            changed,
        )
        #: /profile, METADATA: display names, avatars... (chatroom.core.profiles).
        self.profiles = Profiles(
            self.backend.settings,
            self.backend.apply,
            self._session,
            lambda: self._files,
            self._tell_neighbours,
        )
        #: TAGMSG: tags alone, to a room or a user (chatroom.core.tagmessages).
        self.tag_messages = TagMessages(
            clock, self.backend, self._session, self.life, namespace
        )
        #: Incoming webhooks: /webhook and the posts (chatroom.core.webhooks).
        self.incoming_hooks = Webhooks(
            config, clock, self.backend, self._actor, self._place
        )
        #: Server bans, by account, name or network (chatroom.core.serverbans).
        self.bans = ServerBans(clock, self.backend)
        #: What reloads this node's configuration (:meth:`attach_reloader`;
        #: None: a server not built from options, nothing to reload).
        self._reload: admin.Reload | None = None
        #: Uploads (``--files``): None while they are off.
        self._files = (
            FileService(
                config,
                clock,
                self.backend.files,
                FileDirectory(
                    config.files_dir, cache=self.backend.file_bytes is not None
                ),
                self.backend.file_bytes,
                self.backend.upload_tokens,
            )
            if config.files_dir
            else None
        )

    @property
    def files(self) -> FileService | None:
        return self._files

    @property
    def account_store(self) -> AccountStore:
        return self.backend.account_store

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

    def stop(self) -> None:
        self.notifications.stop()
        self.bans.stop()
        self.backend.stop()

    def reconfigure(self, config: ServerConfig) -> None:
        """Who is an admin is asked of the configuration at each command
        (:meth:`_actor`, and each device's), so the new one takes effect
        at the next; what else it holds is unchanged by a reload."""
        self.config = config
        self.devices.config = config

    def detach(self) -> Deferred[None]:
        return self.backend.detach()

    def attach_reloader(self, reload: admin.Reload) -> None:
        self._reload = reload

    # -- sessions and names ---------------------------------------------------------

    def _actor(self, member: Member) -> Actor:
        return self.sessions.actor(member, self.config.admin_accounts)

    def _seat(self, member: Member) -> Member:
        """What the back-end knows ``member`` (a door's) as: its session's
        seat, shared by an account's devices (itself if it has none)."""
        return self.sessions.seat_of(member) or member

    def _place(self, member: Member, room: str) -> str:
        """The room ``member`` is in by that name (``NOT_IN_ROOM``)."""
        return self.backend.place(self._seat(member), room)

    def _session(self, member: Member) -> SeatSession:
        session = self.sessions.get(member)
        if session is None or not session.name:
            raise errors.not_in_room()  # gone meanwhile: nobody to answer
        self.notifications.active(session.account)  # a device did something
        return session

    def account_of(self, member: Member) -> str:
        return self.sessions.account_of(member)

    def account_named(self, name: str) -> str:
        return self.sessions.account_named(name)

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> None:
        """The name rule, the claim rule on the name's facts (registered?
        banned?), then the back-end's claim, which ends a session holding
        the name if ``account`` is that name's and ``takeover``; a sign-in
        to an account whose seat is here under its name adds a device. A
        rename is told once to the user and to each member sharing a room
        with it, however many rooms."""
        rules.check_name(name)
        key = name_key(name)
        seat, opened = self.sessions.seat_of(member), self.sessions.get(member)
        device = member
        if opened is None or not opened.name:  # a new session: the lockdown's
            signed_in = opened.account if account is None and opened else account
            locked = await self.account_store.lockdown()
            admin_account = bool(signed_in) and signed_in in self.config.admin_accounts
            lockdown.check_claim(locked, signed_in or "", admin_account)
        if (opened is None or not opened.name) and account == key and takeover:
            if await self.devices.join_seat(member, name, account):
                return
        elif seat is not None and len(seat.devices) > 1:
            raise errors.one_name_for_devices()
        try:
            await self._claim(member, device, name, key, account, takeover)
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
    ) -> None:
        """:meth:`claim_name` once the sign-in is no device of a seat here:
        the name's rules and the back-end's claim for ``member`` (the
        door's ``device``, or the seat it has)."""
        session = self.sessions.open(member, self.clock.seconds(), self._taken)
        member = self._seat(member)
        signed_in = session.account if account is None else account
        registered, banned = await self.backend.claim_facts(
            key, admin.claim_masks(key, signed_in)
        )
        rules.check_claim(
            name, registered, signed_in, banned, self.config.require_account
        )
        before = session.account
        shown = await registered_name(self.account_store, signed_in, before)
        await self.backend.claim(
            member,
            session,
            name,
            signed_in,
            takeover and account == key,
            membership.owner_follows_rename(),
        )
        self.sessions.update(
            member, name=name, account=signed_in or None, account_name=shown
        )
        seat = self.sessions.seat_of(member)
        if signed_in != before and seat is not None:  # the account's ignore list
            seat.ignore(
                await self.account_store.ignores(signed_in) if signed_in else NOBODY
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
        member = self._seat(member)
        before = self.sessions[member].account
        shown = await registered_name(self.account_store, account)
        await self.backend.sign(member, self.sessions[member], account)
        self.sessions.update(member, account=account, account_name=shown)
        await tell_rooms(self.backend, self.sessions, member, before)
        if account:
            for room, event_id in self.plain_markers.forget(member).items():
                await advance(self.backend.apply, account, room, event_id)
            await self.devices.counted(member)

    async def set_away(self, member: Member, message: str) -> None:
        """Everyone who shares a room with the user hears it is away
        (``message``) or back (""), once (IRC's ``away-notify``)."""
        session = self._session(member)
        self.sessions.describe(member, away=message)  # its next JOINs carry it
        await self._tell_neighbours(member, AwayChanged(session.name, message))
        await self._tell_watchers(member, Sighting.AWAY, message)

    async def set_realname(self, member: Member, realname: str) -> None:
        """Everyone who shares a room with the user hears its new realname,
        once (IRC's ``SETNAME``), if it is one (:func:`rules.check_realname`)."""
        rules.check_realname(realname)
        session = self._session(member)
        self.sessions.describe(member, realname=realname)
        await self._tell_neighbours(member, RealnameChanged(session.name, realname))
        await self._tell_watchers(member, Sighting.REALNAME, realname)

    async def follow_names(self, listener: Listener, following: bool) -> None:
        await self.backend.watching.follow(listener, following)

    async def count_here(self, here: Census) -> None:
        await self.backend.census.publish(here)

    async def census(self, here: Census) -> Census:
        return await self.backend.census.total(here)

    async def set_presence(self, member: Member, facts: Presence) -> None:
        """What the other nodes show of the member (``WHO``, ``WHOIS``):
        kept under its name while its seat holds it; its realname and away
        message go with its joins from now on."""
        seat = self._seat(member)
        self.sessions.describe(seat, facts.realname, facts.away)  # for its JOINs
        session = self._session(seat)
        await self.backend.presence.publish(
            name_key(session.name), session.token, facts
        )

    async def names_online(self) -> list[str]:
        return await self.backend.names_online()

    async def presence_of(self, names: Sequence[str]) -> dict[str, Presence]:
        return await self.backend.presence.read([name_key(name) for name in names])

    async def remember_gone(self, gone: Departed) -> None:
        await self.backend.whowas.remember(name_key(gone.nick), gone)

    async def who_was(self, name: str, count: int) -> list[Departed]:
        return await self.backend.whowas.recall(name_key(name), count)

    async def _tell_neighbours(self, member: Member, event: Event) -> None:
        """News of a user to everyone who shares a room with it (not to its
        own seat), at most once each: told if it can be (it is news, not a
        command that failed), as :func:`tell_rooms` tells an account."""
        seat = self._seat(member)
        with contextlib.suppress(ChatError):
            await self.backend.tell_neighbours(
                seat, self._session(seat), event, including_self=False
            )

    async def _tell_watchers(
        self, member: Member, sighting: Sighting, value: str
    ) -> None:
        """News of a user to whoever watches its name, on every node (its
        rooms' members had it from :meth:`_tell_neighbours`)."""
        seat = self._seat(member)
        session = self.sessions.get(seat)
        if session is not None and session.name:
            rooms = self.backend.rooms_of(seat)
            await tell_watchers(
                self.backend.watching, session.name, sighting, value, rooms
            )

    def release(self, member: Member, reason: str) -> None:
        self._release(member, reason)

    def quit(self, member: Member, words: str, unsaid: str = rules.QUIT_WORDS) -> str:
        """The user quits saying ``words`` (:func:`rules.reason`, or
        ``unsaid``), which its rooms hear as its own."""
        said = rules.reason(words, unsaid)
        self._release(member, said, own_words=True)
        return said

    def _release(self, member: Member, reason: str, own_words: bool = False) -> None:
        """A device gone: its seat leaves the rooms no other device views
        (all of them with its last device, as the whole session goes)."""
        self.backend.watch_lobby(member, False)
        seat = self._seat(member)
        gone = self.sessions.get(member)
        if gone is not None:
            self.notifications.active(gone.account)  # idle from now on
        if self.devices.gone(member, reason, own_words):
            return  # one device of several
        session = self.sessions.close(member)
        self.plain_markers.forget(seat)
        self.life.forget(seat)
        if session is not None:
            self.backend.release(seat, session, reason, own_words)

    def end_session(self, member: Member, reason: str) -> None:
        """End a session from the shared side: rooms hear ``reason``, then
        its door closes it."""
        self.release(member, reason)
        member.disconnect(reason)

    async def private_message(
        self, member: Member, target: str, text: str, tags: Tags = ()
    ) -> PrivateMessage:
        session = self._session(member)
        if name_key(target) != name_key(session.name):  # a newcomer: to neighbours
            left = await self._newcomer_left(self._seat(member), session)
            if left and not await self._shares_a_room(member, target):
                newcomers.check(left)
        copy = NO_COPY
        if name_key(target) != name_key(session.name):  # else no copy but its own
            copy = self.devices.copy_to(member)  # those on other nodes: in one step
        try:
            event = await self.private.send(session, target, text, tags, copy)
        except IgnoredError as ignored:  # the sender is not told
            self.devices.to_others(member, ignored.event)
            return ignored.event
        self.notifications.said_privately(event.recipient, event.sender, text, event)
        if name_key(event.recipient) != name_key(session.name):
            self.devices.to_others(member, event)  # the sender's other devices here
        return event

    async def private_history(
        self, member: Member, other: str, count: int, before: int | None = None
    ) -> list[PrivateEvent]:
        return await self.private.history(self._session(member), other, count, before)

    async def redact_private(
        self, member: Member, other: str, event_id: int, reason: str = ""
    ) -> PrivateRedacted:
        session = self._session(member)
        event = await self.private.redact(session, other, event_id, reason)
        if name_key(other) != name_key(session.name):
            self.devices.to_others(member, event)  # the sender's other devices
            await self.devices.to_other_nodes(member, event)
        return event

    async def private_targets(self, member: Member) -> list[PrivateEvent]:
        return await self.private.targets(self._session(member))

    async def deliver_kept(self, member: Member) -> None:
        """The kept private messages, then a ``multi`` device's rooms."""
        await self.private.deliver_kept(member, self._session(member))
        await self.devices.arrived(member)

    # -- rooms ------------------------------------------------------------------------

    async def list_rooms(self, member: Member | None = None) -> Listing:
        """Every room; for ``member``, less the secret rooms it is not in."""
        listing = await self.backend.list_rooms()
        where = None if member is None else self._seat(member)
        return rules.listed_for(listing, self.backend.place, where)

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        rules.check_room_name(name)
        session = self._session(member)
        now = int(self.clock.seconds())  # when it was made: IRC's 329

        async def seat(seat: Seat, moving: str | None) -> None:
            await self.entries.create(seat, session, name, moving, now)

        make = partial(self.devices.seated, member, name, leaving, None, seat)
        await self.created.making(self._actor(member), make)
        self.log.info("{user} created room {room}", user=session.name, room=name)

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
        catch_up: bool = False,
    ) -> None:
        """The member joins as :mod:`chatroom.core.entries` decides on the
        room's facts (the entry rule: bans, invitation, key, then space and
        the room's own limit), before it leaves ``leaving``, so a refusal
        keeps it there. A catch-up starts after the account's read marker
        (a plain name's markers are its connection's, which saw what came
        before)."""

        def actor() -> Actor:
            if member not in self.sessions:
                raise errors.not_in_room()  # gone meanwhile: nobody to answer
            return self._actor(member)

        session = self._session(member)
        if catch_up and since is None and session.account:
            markers = await self.backend.markers.markers(session.account)
            since = markers.get(name_key(name))
        entry = Entry(actor, key)

        async def seat(seat: Seat, moving: str | None) -> None:
            if member not in self.sessions:
                raise errors.not_in_room()  # gone meanwhile: nobody to answer
            await self.entries.join(seat, session, name, moving, since, entry)

        await self.devices.seated(member, name, leaving, since, seat, joining=True)

    async def leave_room(self, member: Member, room: str, words: str = "") -> Departure:
        """The account leaves (saying ``words``, if they can be shown): every
        other device in the room hears ``LEFT``."""
        seat, session = self._seat(member), self._session(member)
        where = self.backend.place(seat, room)
        said = rules.reason(words)
        part, account = DepartureKind.PART, session.account_name
        departure = Departure(where, session.name, part, said, account=account)
        await self.entries.leave(seat, session, departure)
        if isinstance(seat, Seat):
            await self.devices.left(seat, member, room)
        return departure

    async def say(
        self,
        member: Member,
        room: str,
        text: str,
        tags: Tags = (),
        action: bool = False,
    ) -> None:
        """One message or action, stamped with the injected clock: its event
        and its stored form, appended; from a user outside the room, only to
        a room that takes messages from outside (``external``, IRC's ``-n``)."""
        member = self._seat(member)
        rules.check_text(text)
        session = self._session(member)
        if newcomers.has_link(text):
            newcomers.check(await self._newcomer_left(member, session))
        await self._append(member, session, room, text, tags, action)

    async def _newcomer_left(self, member: Member, session: SeatSession) -> int:
        """Seconds the member must still wait as a newcomer (0: none;
        :mod:`chatroom.core.newcomers`): from its account's registration,
        else from its name's sign-in; admins never wait."""
        wait = self.config.newcomer_wait
        if not wait or self._actor(member).admin:
            return 0
        since: float | None = None
        if session.account:
            since = await self.account_store.registered_at(session.account)
        else:
            seat = self.sessions.seat_of(member)
            devices = seat.devices.values() if seat is not None else ()
            since = min((device.since for device in devices), default=None)
        return newcomers.seconds_left(wait, since, self.clock.seconds())

    async def _shares_a_room(self, member: Member, name: str) -> bool:
        """Whether ``name``'s user is in one of the member's rooms."""
        for room in self.backend.rooms_of(self._seat(member)):
            facts = await self.backend.facts(room, name_key(name))
            if facts.target is not None and facts.target.present:
                return True
        return False

    async def _append(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        text: str,
        tags: Tags = (),
        action: bool = False,
    ) -> None:
        """Read what this process holds of the speaker's room, decide
        (:meth:`_said`) and hand the back-end the change; decide again on
        the facts it answers if a premise failed, a bounded number of
        times (:data:`~chatroom.core.retrying.DECISION_ATTEMPTS`)."""
        speaking = self.backend.speaking(member, room)
        # From outside: NOT_IN_ROOM if there is no such room, before the rest.
        facts = None if speaking.member else await self._outside_facts(room)
        now = self.clock.seconds()
        if self.files is not None:
            tags = (*tags, *await self.files.tags_for(text))
        event = Message(
            speaking.room if facts is None else facts.room.name,
            session.name,
            format_time(now),
            text,
            action,
            tags,
            account=session.account_name,
        )
        key = name_key(session.name)
        for _attempt in range(DECISION_ATTEMPTS):
            if speaking.member and not (speaking.moderated or speaking.quiet):
                # An ordinary message, as _said decides it, with no wait: its
                # premises made once per speaker, its subject once per room.
                said = (Append(event, now),)
                subject = _messages_of(event.room)
                change = DecidedChange(subject, _ordinary(key), said, (key,))
            else:
                change = await self._said(member, session, speaking, event, now, facts)
            try:
                await self.backend.say(member, session, change)
                break
            except PremiseFailedError as failed:
                current = failed.facts
                if not isinstance(current, SpeakingFacts):  # none brought
                    current = self.backend.speaking(member, event.room)
                speaking, facts = current, None
        else:
            raise errors.unavailable()
        self.previews.noticed(event)  # its link's card follows, once fetched
        self.notifications.said_in_room(event.room, session.name, text, event)

    async def _outside_facts(self, room: str) -> DecisionFacts:
        """The facts of room ``room``, which a speaker outside it speaks
        to; ``NOT_IN_ROOM`` if there is no such room."""
        try:
            return await self.backend.facts(room)
        except ChatError as refusal:
            if refusal.code != "NO_SUCH_ROOM":
                raise
            raise errors.not_in_room() from None

    async def _said(
        self,
        member: Member,
        session: SeatSession,
        speaking: SpeakingFacts,
        event: Message,
        now: float,
        facts: DecisionFacts | None = None,
    ) -> DecidedChange:
        """The change a message is. A member of a room that is not
        moderated speaks on that premise alone, decided on nothing but what
        this process holds (the actor is derived only when the room's
        facts are read: 1.8 % of a busy server's time under load,
        docs/performance.md); otherwise the room's facts decide
        (:func:`~chatroom.core.moderation.check_outside`,
        :func:`~chatroom.core.moderation.check_speak`) and the change rests
        on the room's incarnation and version as read (``facts``, if they
        were read for this attempt). A quiet member is announced first
        (:func:`~chatroom.core.membership.speaking`), on the premise that
        it is quiet still; any other member, on the premise that it is not."""
        key = name_key(session.name)
        subject = _messages_of(event.room)
        if not speaking.member:
            facts = facts or await self._outside_facts(speaking.room)
            actor = self._actor(member)
            check_outside(facts.room, actor, errors.not_in_room())
            moderation.check_speak(facts.room, actor)
            said = Append(event, now, outside=True)
            return DecidedChange(subject, _as_read(facts), (said,), (key,))
        premises: tuple[Premise, ...] = (UNMODERATED,)
        if speaking.moderated:
            facts = facts or await self.backend.facts(speaking.room)
            moderation.check_speak(facts.room, self._actor(member))
            premises = _as_read(facts)
        said = Append(event, now)
        if not speaking.quiet:
            premises = (*premises, QuietAmong((key,), ()))
            return DecidedChange(subject, premises, (said,), (key,))
        seating = Seating(speaking.room, 0, quiet=frozenset({key}))
        shown = membership.speaking(seating, key, session)
        ops = (*(Announce(key, joined) for joined in shown), said)
        quiet = QuietAmong((key,), (key,))
        return DecidedChange(subject, (*premises, quiet), ops, (key,))

    async def to_operators(
        self, member: Member, room: str, text: str, notice: bool = False
    ) -> None:
        member = self._seat(member)
        session, now = self._session(member), self.clock.seconds()
        await say_to_operators(self.backend, member, session, room, text, notice, now)

    async def paste(self, member: Member, room: str, text: str) -> None:
        """``/paste TEXT``: its lines as one message, stored as an IRC
        client's ``draft/multiline`` batch is (:func:`multiline.paste`)."""
        said, tags = multiline.paste(text)
        await self.say(member, room, said, tags)

    # -- messages with a life (chatroom.core.messagelife) ---------------------------

    async def reply(
        self, member: Member, room: str, event_id: int, text: str, tags: Tags = ()
    ) -> None:
        await self.life.reply(self._seat(member), room, event_id, text, tags)

    async def thread(self, member: Member, room: str, event_id: int, text: str) -> None:
        await self.message_threads.say(member, room, event_id, text)

    async def threads(self, member: Member, room: str) -> list[ThreadSummary]:
        return await self.message_threads.threads(member, room)

    async def thread_history(
        self, member: Member, room: str, root: int, count: int, before: int | None
    ) -> tuple[str, list[StoredEvent]]:
        return await self.message_threads.history(member, room, root, count, before)

    async def follow_thread(
        self, member: Member, room: str, root: int, following: bool
    ) -> tuple[str, int]:
        return await self.message_threads.follow(member, room, root, following)

    async def pin(self, member: Member, room: str, event_id: int, pinned: bool) -> None:
        await self.pins.pin(member, room, event_id, pinned)

    async def pinned(self, member: Member, room: str) -> tuple[str, list[Message]]:
        return await self.pins.pinned(member, room)

    async def pin_count(self, member: Member, room: str) -> int:
        return await self.pins.count(member, room)

    async def notify_level(
        self, member: Member, room: str, level: str = ""
    ) -> tuple[str, str]:
        return await self.notify_levels.level(member, room, level)

    async def profile_of(self, name: str) -> dict[str, str]:
        return await self.profiles.of(name)

    async def own_profile(self, member: Member) -> dict[str, str]:
        return await self.profiles.own(member)

    async def set_profile(self, member: Member, key: str, value: str) -> ProfileChanged:
        return await self.profiles.set(member, key, value)

    async def edit(self, member: Member, room: str, event_id: int, text: str) -> None:
        await self.life.edit(self._seat(member), room, event_id, text)

    async def redact(
        self, member: Member, room: str, event_id: int, reason: str
    ) -> None:
        message = await self.life.redact(self._seat(member), room, event_id, reason)
        if self.files is not None:
            await self.files.redacted(message.text, amending.author_of(message))
        self.log.info(
            "{user} redacted {room} {id}", user=member.name, room=room, id=event_id
        )

    async def react(
        self, member: Member, room: str, event_id: int, reaction: str, adding: bool
    ) -> None:
        await self.life.react(self._seat(member), room, event_id, reaction, adding)

    async def typing(self, member: Member, room: str, state: str) -> None:
        await self.life.typing(self._seat(member), room, state)

    async def tag_message(
        self,
        member: Member,
        room: str,
        tags: Tags,
        typing: str | None = None,
        reactions: Sequence[Reacting] = (),
    ) -> TagMessage:
        return await self.tag_messages.to_room(
            self._seat(member), room, tags, typing, reactions
        )

    async def private_tag_message(
        self, member: Member, target: str, tags: Tags, typing: bool = False
    ) -> PrivateTagMessage:
        return await self.tag_messages.to_user(self._seat(member), target, tags, typing)

    async def modlog(self, member: Member, room: str, count: int) -> list[ModEntry]:
        return await self.life.modlog(self._seat(member), room, count)

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[StoredEvent]:
        rules.check_history_count(count)
        session = self._session(member)
        return await self.backend.history(
            self._seat(member), session, room, count, before
        )

    async def search(
        self, member: Member, rooms: list[str], text: str
    ) -> list[SearchResult]:
        place = partial(self.backend.place, self._seat(member))
        account = self._session(member).account
        return await search.run(
            self.backend.messages, place, rooms, text, account, self.private.party_of
        )

    # -- read markers and unread counts ------------------------------------------------

    async def read_marker(self, member: Member, room: str) -> int | None:
        return await self.markings.read_marker(member, room)

    async def mark_read(
        self, member: Member, room: str, event_id: int, said: str = ""
    ) -> Marker:
        return await self.markings.mark_read(member, room, event_id, said)

    async def unread(self, member: Member, rooms: list[str]) -> list[Unread]:
        return await self.markings.unread(member, rooms)

    async def room_details(self, room: str) -> Roster:
        return await self.backend.roster(room)

    async def _decide(
        self,
        room: str,
        rule: Callable[[DecisionFacts], Decided],
        apply: Callable[[DecisionFacts, Decided], Awaitable[Applied]],
        target: str = "",
    ) -> Applied:
        return await decided(self.backend.facts, room, rule, apply, target)

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        """``/topic``: decided on the room's facts (topic-lock), applied as
        one change (:class:`~chatroom.core.changes.SetTopic`, then the
        event appended) resting on the room being as read."""
        rules.check_topic(topic)
        member = self._seat(member)
        where = self.backend.place(member, room)
        actor, session = self._actor(member), self._session(member)
        now = self.clock.seconds()

        def rule(facts: DecisionFacts) -> DecidedChange:
            moderation.check_set_topic(facts.room, actor)
            stamp, account = format_time(now), actor.account_name
            name = facts.room.name
            event = TopicChanged(name, actor.name, topic, stamp, account=account)
            ops = (SetTopic(topic, actor.name, int(now)), Append(event, now))
            key = name_key(session.name)
            return DecidedChange(_messages_of(name), _as_read(facts), ops, (key,))

        async def apply(facts: DecisionFacts, change: DecidedChange) -> None:
            await self.backend.apply(change, member, session)

        await self._decide(where, rule, apply)

    async def delete_room(self, member: Member, name: str) -> None:
        """``/delete``: every member (on every node) back to the lobby; one
        change (its event shown, the room dropped) resting on the room
        being as read."""
        actor, session = self._actor(member), self._session(member)

        def rule(facts: DecisionFacts) -> DecidedChange:
            moderation.check_delete(facts.room, actor)
            event = RoomDeleted(facts.room.name, actor.name)
            subject = RoomSeating(name_key(facts.room.name))
            return DecidedChange(subject, _as_read(facts), (Emit(event), Drop()))

        async def apply(facts: DecisionFacts, change: DecidedChange) -> str:
            await self.backend.apply(change, member, session)
            return facts.room.name

        deleted = await self._decide(name, rule, apply)
        self.log.info("{user} deleted {room}", user=actor.name, room=deleted)

    def watch_lobby(self, member: Member, watching: bool) -> None:
        self.backend.watch_lobby(member, watching)

    # -- moderation and admins -------------------------------------------------------

    async def moderate(self, member: Member, room: str, action: Action) -> None:
        """A moderation command, decided by :func:`moderation.decide` on the
        room's facts and applied as one change
        (:func:`moderation.change_of`) resting on the room and the user it
        names being as read."""
        member = self._seat(member)
        where = self.backend.place(member, room)
        actor, session = self._actor(member), self._session(member)

        def rule(
            facts: DecisionFacts,
        ) -> tuple[moderation.Outcome, DecidedChange]:
            outcome = moderation.decide(action, facts.room, actor, facts.target)
            room_key, actor_key = name_key(facts.room.name), name_key(actor.name)
            premises = _as_read(facts)
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
            return outcome, change

        async def apply(
            facts: DecisionFacts, decided: tuple[moderation.Outcome, DecidedChange]
        ) -> list[RoomEvent]:
            outcome, change = decided
            await self.backend.apply(change, member, session)
            await self.devices.kicked(outcome.kick, facts.room.name)
            return outcome.events

        target = action.target if action.needs_target else ""
        await self.life.logged(where, await self._decide(where, rule, apply, target))
        what = f"/{action.command} {action.target} in {where}"
        self.log.info("{user} {what}", user=actor.name, what=what)

    async def room_settings(self, member: Member, room: str) -> RoomSettings:
        where = self.backend.place(self._seat(member), room)
        facts = await self.backend.facts(where)
        return settings_of(facts.room, self._actor(member), facts.owner_name)

    async def kill(self, member: Member, target: str, reason: str) -> admin.Killed:
        return await self.kill_as(self._actor(member), target, reason)

    async def server_ban(self, member: Member, words: str, banned: bool) -> ServerBan:
        return await self.server_ban_as(self._actor(member), words, banned)

    async def listed_server_bans(self, member: Member) -> list[ServerBan]:
        return await self.bans.listed(self._actor(member))

    async def ignore(self, member: Member, name: str, ignore: bool) -> str:
        """``/ignore NAME`` (``ignore``) or ``/unignore NAME``: the name as
        given, once the account's list holds it (or no more), on every
        node (:mod:`chatroom.core.ignoring`)."""
        session = self._session(member)
        account = session.account
        listed = await self.account_store.ignores(account) if account else NOBODY
        change = ignoring.change(account, session.name, listed, name, ignore)
        await self.account_store.apply_ignores(change)
        await self.backend.ignoring_changed(
            account, await self.account_store.ignores(account)
        )
        return name

    async def ignored(self, member: Member) -> list[str]:
        """``/ignores``: the name keys the member's account ignores, sorted."""
        account = self._session(member).account
        return sorted(await self.account_store.ignores(account)) if account else []

    async def server_modlog(self, member: Member, count: int) -> list[ModEntry]:
        """``/modlog server``: the server's newest ``count`` entries (server
        bans, lockdowns, kills), for admins."""
        check_count(count)
        if not self._actor(member).admin:
            raise errors.admins_only("modlog server")
        return await self.backend.modlog.read(SERVER_LOG, count)

    async def lockdown(self, member: Member, level: str) -> Lockdown:
        return await self.lockdown_as(self._actor(member), level)

    async def lockdown_as(self, actor: Actor, level: str) -> Lockdown:
        """``/lockdown [LEVEL]``: the level now (set first, if given; every
        admin on every node hears it)."""
        if not level:
            if not actor.admin:
                raise errors.admins_only("lockdown")
            return await self.account_store.lockdown()
        change = lockdown.setting(actor, lockdown.parse_level(level))
        await self.account_store.apply_lockdown(change)
        now = await self.account_store.lockdown()
        admins = tuple(sorted(self.config.admin_accounts))
        await self.backend.tell_everyone(LockdownChanged(now.level, now.by, admins))
        stamp = format_time(self.clock.seconds())
        entry = ModEntry(stamp, actor.name, ModAction.LOCKDOWN, now.level)
        await self.backend.modlog.record(SERVER_LOG, [entry])
        self.log.info(
            "{admin} set the lockdown to {lockdown}",
            admin=actor.name,
            lockdown=now.level,
        )
        return now

    async def announce(self, member: Member, text: str) -> None:
        await self.announce_as(self._actor(member), text)

    async def kill_as(self, actor: Actor, target: str, reason: str) -> admin.Killed:
        killed = await admin.kill(self.backend, actor, target, reason)
        stamp = format_time(self.clock.seconds())
        entry = ModEntry(stamp, actor.name, ModAction.KILL, killed.name, killed.reason)
        await self.backend.modlog.record(SERVER_LOG, [entry])
        return killed

    async def server_ban_as(
        self, actor: Actor, words: str, banned: bool, reason: str = ""
    ) -> ServerBan:
        if banned:
            return await self.bans.ban(actor, words, reason)
        return ServerBan(await self.bans.lift(actor, words))

    async def announce_as(self, actor: Actor, text: str) -> None:
        await admin.announce(self.backend, actor, text)

    async def give_room_as(self, actor: Actor, room: str, account: str) -> str:
        def rule(facts: DecisionFacts) -> DecidedChange:
            given = moderation.give(
                facts.room, actor, account, facts.target, facts.owner_name
            )
            room_key = name_key(facts.room.name)
            return moderation.gift_change(given, room_key, _as_read(facts))

        async def apply(facts: DecisionFacts, change: DecidedChange) -> str:
            await self.backend.apply(change)
            return facts.room.name

        given = await self._decide(room, rule, apply, account)
        self.log.info(
            "{admin} gave {room} to {account}",
            admin=actor.name,
            room=given,
            account=account,
        )
        return given

    async def backup(self, actor: Actor, path: str) -> None:
        admin.check_admin(actor, "backup")
        await self.backend.backup(path)
        self.log.info("{admin} backed up the store", admin=actor.name)

    async def wallops(self, member: Member, text: str) -> None:
        await admin.wallops(self.backend, self._actor(member), text)

    async def rehash(self, member: Member) -> str:
        return admin.rehash(self._actor(member), self._reload)

    # -- a user's own data ---------------------------------------------------------

    async def gather_user_data(self, account: str) -> AccountData:
        data = await self.backend.user_data.gather(account)
        return replace(data, settings=await self.backend.settings.settings(account))

    async def keep_export(self, token: str, archive: bytes) -> None:
        until = self.clock.seconds() + EXPORT_TTL
        await self.backend.user_data.keep_export(token, archive, until)

    async def take_export(self, token: str) -> bytes | None:
        return await self.backend.user_data.take_export(token, self.clock.seconds())

    async def erase_account(self, member: Member, account: str) -> None:
        await retried(partial(self._erase_words, account))
        await self.backend.user_data.erase(account)
        await self.backend.push.drop_account(account)

    async def _erase_words(self, account: str) -> None:
        """Each room's part of an erasure, decided on the account's words
        there as read (:func:`chatroom.core.userdata.erasure`), one change
        a room: a room whose words changed meanwhile refuses, and the
        whole is read and decided again (the rooms done have nothing left
        to change); a room deleted meanwhile has none."""
        for words in await self.backend.user_data.words(account):
            change = erasure(account, self.config.on_delete, words)
            if change is None:
                continue
            try:
                await self.backend.apply(change)
            except ChatError as refusal:
                if refusal.code != "NO_SUCH_ROOM":
                    raise

    async def end_account(self, member: Member, reason: str) -> None:
        """As ``/kill`` ends a user: every device, on every node."""
        with contextlib.suppress(ChatError):  # every device gone meanwhile
            await self.backend.end_user(self._session(member).name, reason)

    async def end_signed_in(self, account: str, name: str, reason: str) -> None:
        """Every device signed in to account key ``account`` (holding its
        name ``name``) is disconnected (``reason``), on every node, and its
        push subscriptions and upload tokens are forgotten: after a
        password reset."""
        await self.backend.push.drop_account(account)
        if self._files is not None:
            await self._files.tokens.revoke(account)
        with contextlib.suppress(ChatError):  # no device signed in
            await self.backend.end_user(name, reason)

    # -- devices ---------------------------------------------------------------

    async def viewing_every_room(self, member: Member) -> None:
        await self.devices.show_rooms(member)

    async def devices_of(self, member: Member) -> DeviceList:
        return await self.devices.listed(member)

    async def end_device(self, member: Member, number: int) -> None:
        await self.devices.end(member, number)

    # -- Web Push ------------------------------------------------------------------

    async def push_subscribe(
        self, member: Member, endpoint: str, p256dh: str, auth: str, format: str
    ) -> None:
        subscription = check_subscription(
            endpoint, p256dh, auth, self.config.push_allow_http
        )
        await self.notifications.subscribe(
            self.account_of(member), replace(subscription, format=format)
        )

    async def push_unsubscribe(self, member: Member, endpoint: str) -> None:
        await self.notifications.unsubscribe(self.account_of(member), endpoint)

    async def push_key(self) -> str:
        return await self.notifications.public_key()

    # -- webhooks ----------------------------------------------------------------

    async def add_webhook(self, member: Member, room: str, name: str) -> Hook:
        return await self.incoming_hooks.add(member, room, name)

    async def remove_webhook(self, member: Member, room: str, name: str) -> str:
        return await self.incoming_hooks.remove(member, room, name)

    async def webhooks(self, member: Member, room: str) -> tuple[str, list[Hook]]:
        return await self.incoming_hooks.listed(member, room)

    async def post_webhook(self, secret: str, body: bytes) -> Message:
        return await self.incoming_hooks.post(secret, body)


def _as_read(facts: DecisionFacts) -> tuple[Premise, ...]:
    """The premises of a change decided on ``facts``: the room's
    incarnation and version as read (its ``guard``)."""
    incarnation, version = facts.guard
    return (Incarnation(incarnation.decode()), Version(version.decode()))


@functools.lru_cache(maxsize=4096)
def _ordinary(key: str) -> tuple[Premise, ...]:
    """The premises of an ordinary message by ``key`` (a name key): the room
    is not moderated, the speaker not quiet. Made once per speaker while it
    speaks often: a message is the most frequent change."""
    return (UNMODERATED, QuietAmong((key,), ()))


@functools.lru_cache(maxsize=4096)
def _messages_of(room: str) -> RoomMessages:
    """The subject of a message to ``room``, made once per room."""
    return RoomMessages(name_key(room))
