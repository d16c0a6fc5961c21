"""Who each member is: a name claimed, an account signed in or out, a release.

A door's member claims a name (its first, or a new one), signs in to an
account or out of it, and goes; :class:`Names` decides each by the rules
(:mod:`chatroom.core.policy.rules`: a name's shape and who may hold it; the
server's lockdown; an account's devices, :mod:`chatroom.core.services.devices`) and
hands the back-end the decided step: the claim with its premises, the
sign-in and the release as changes of the name a session holds
(:class:`~chatroom.core.model.changes.names.HeldName`), and the mark of a
session whose connection is gone, which frees its name for the next
claim (:func:`~chatroom.core.services.claims.marked_gone`). Its sessions are
:class:`~chatroom.core.infra.sessions.Sessions`, the one place a member's seat,
session and standing are kept.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.accounts.markers import PlainMarkers, advance
from chatroom.core.accounts.push import Notifications
from chatroom.core.accounts.sign_in_tokens import SignInTokens
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.ignoring import NOBODY
from chatroom.core.infra.seats import Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.messages.life import MessageLife
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.names import HeldName, Release, SetAccount
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Renamed
from chatroom.core.model.facts import ClaimFacts
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.core.moderation import lockdown
from chatroom.core.moderation.lockdown import LockdownCopy
from chatroom.core.policy import rules
from chatroom.core.rooms import membership
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.core.services import claims
from chatroom.core.services.accountnews import signing_in, tell_rooms
from chatroom.core.services.devices import Devices, own_device
from chatroom.core.services.identities import Identities
from chatroom.core.services.presence import PresenceService
from chatroom.wire.goodbyes import heard_in_rooms

log = Logger()


class Names:
    """The names this node's sessions hold: claimed, signed in, released."""

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        sessions: Sessions,
        identities: Identities,
        devices: Devices,
        presence: PresenceService,
        notifications: Notifications,
        life: MessageLife,
        plain_markers: PlainMarkers,
        lockdown: LockdownCopy,
        records: AccountStore,
        rooms: RoomStore,
        bus: Bus,
        apply: Applies,
        sign_ins: SignInTokens,
    ) -> None:
        """Args:
        plain_markers: the read markers of plain names, for their
            connection's life (an account's once it registers).
        lockdown: this node's copy of the lockdown level, which a new
            session's name claim is checked against.
        records: the accounts as kept (a name's, a sign-in's ignore list).
        rooms: the rooms a member is in (who hears a rename, a sign-in).
        bus: tells a member's neighbours of its new name or account.
        apply: the back-end's one write (a claim, a sign-in, a release, a
            marker).
        sign_ins: the device sessions, which let a device gone go.
        """
        self.config = config
        self.clock = clock
        self.sessions = sessions
        self.identities = identities
        self.devices = devices
        self.presence = presence
        self.notifications = notifications
        self.life = life
        self.lockdown = lockdown
        self.records = records
        self.rooms = rooms
        self.bus = bus
        self.apply = apply
        self.sign_ins = sign_ins
        self.plain_markers = plain_markers
        #: One bound method for every seat's ``on_removed``.
        self._taken = devices.taken
        #: The devices whose connections are gone, until their release
        #: (:meth:`lost`).
        self._lost: set[Member] = set()
        #: Name key → the mark of its session's connection gone while it is
        #: being written (:meth:`lost`): a claim of the name here waits for
        #: it, so that the claim's facts say so.
        self._marking: dict[str, Deferred[None]] = {}

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
        presence: Presence | None = None,
        bridged: bool = False,
    ) -> None:
        """The name rule (``bridged``: a bridge's member's, a Matrix user
        id without its ``@``, which no door may claim), the claim rule on
        the name's facts (registered?
        banned?: decided on a fresh name's, and again on those a refused
        claim brings), then the claim as :mod:`chatroom.core.services.claims`
        decides it, which ends a session holding the name if ``account`` is
        that name's and ``takeover``; a sign-in
        to an account whose seat is here under its name adds a device. A
        rename is told once to the user and to each member sharing a room
        with it, however many rooms. ``presence`` goes with the claim (the
        metadata the session keeps added to it); a sign-in that becomes a
        device of a seat here claims nothing, and keeps it after."""
        if bridged:
            rules.check_bridged_name(name)
        else:
            rules.check_name(name)
        key = name_key(name)
        seat, opened = self.sessions.seat_of(member), self.sessions.get(member)
        device = member
        if opened is None or not opened.name:  # a new session: the lockdown's
            signed_in = opened.account if account is None and opened else account
            if bridged:  # signed in to no registered account
                signed_in = ""
            locked = self.lockdown.known or await self.lockdown.level()
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
            others = [d.member for d in seat.devices.values() if d.member is not member]
            raise errors.one_name_for_devices(not any(map(own_device, others)))
        try:
            await self._claim(
                member, device, name, key, account, takeover, presence, bridged
            )
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
        bridged: bool = False,
    ) -> None:
        """:meth:`claim_name` once the sign-in is no device of a seat here:
        the name's rules and the claim decided for ``member`` (the
        door's ``device``, or the seat it has), with ``presence``. A
        bridged name signed in to its own name (a Matrix user's seat,
        whose devices on several nodes are one seat) shows no account at
        the doors, and the rules (``--require-account``, a lockdown) see
        none: none is registered under it."""
        session = self.sessions.open(member, self.clock.seconds(), self._taken)
        member = self.identities.seat(member)
        signed_in = session.account if account is None else account
        before = session.account
        shown, bot = await signing_in(self.records, signed_in, before)
        vouched = signed_in  # the account the rules see
        if bridged:
            shown, vouched = "", ""
        require_account = self.config.require_account
        kept = session.metadata  # what the session keeps goes with its presence
        shared = None if presence is None else replace(presence, metadata=kept)

        def check(facts: ClaimFacts) -> None:
            rules.check_claim(
                name, facts.registered, vouched, facts.banned, require_account
            )

        async def apply(change: DecidedChange) -> None:
            await self.apply(change, member, session)

        marking = self._marking.get(key)
        if marking is not None:  # the name's holder lost here: its mark first
            await marking
        # Decided on a fresh name's facts, with no read: a claim refused
        # brings the facts as they are, and is decided again on them.
        await claims.claim(
            apply,
            self.clock,
            session,
            name,
            signed_in or "",
            takeover and account == key,
            membership.owner_follows_rename(),
            shared,
            check,
        )
        self.sessions.update(
            member, name=name, account=signed_in or None, account_name=shown, bot=bot
        )
        if presence is not None:  # for its JOINs, as set_presence describes it
            self.sessions.describe(member, presence.realname, presence.away)
        seat = self.sessions.seat_of(member)
        if signed_in != before and seat is not None:  # the account's ignore list
            seat.ignore(await self.records.ignores(signed_in) if signed_in else NOBODY)
        if session.name:  # a rename: in no room, the user alone hears it
            account = self.sessions[member].account_name
            rename = Renamed(session.name, name, account=account)
            await self.bus.tell_neighbours(member, self.sessions[member], rename, True)
        await tell_rooms(
            self.bus,
            self.rooms,
            self.sessions,
            member,
            before,
            watched=bool(session.name),
        )
        if signed_in != before:
            await self.devices.counted(device)

    async def set_account(self, member: Member, account: str) -> None:
        """A plain name's read markers become its account's; rooms hear it."""
        member = self.identities.seat(member)
        before = self.sessions[member].account
        shown, bot = await signing_in(self.records, account)
        signing = DecidedChange(
            HeldName(name_key(self.sessions[member].name)), (), (SetAccount(account),)
        )
        await self.apply(signing, member, self.sessions[member])
        self.sessions.update(member, account=account, account_name=shown, bot=bot)
        await tell_rooms(self.bus, self.rooms, self.sessions, member, before)
        if account:
            for room, event_id in self.plain_markers.forget(member).items():
                await advance(self.apply, account, room, event_id)
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
        then its name is held by nobody who can use it, and the name rule
        says it is free the moment its connection is gone. Once no device
        of its seat is left, the name is marked so
        (:func:`~chatroom.core.services.claims.marked_gone`, not awaited:
        a release comes all the same), and a claim of it, on this node or
        another, ends that session first (:mod:`~chatroom.core.services.
        claims`), its rooms hearing ``reason``."""
        session, seat = self.sessions.get(member), self.sessions.seat_of(member)
        if session is None or not session.name or seat is None:
            return
        self._lost.add(member)
        if any(device not in self._lost for device in seat.devices):
            return  # a device of the seat is still there: the name is in use
        key = name_key(session.name)
        gone = claims.marked_gone(key, session.token, reason)
        marking = Deferred.fromCoroutine(self._mark(gone, seat, session))
        if not marking.called:
            self._marking[key] = marking
            marking.addBoth(self._marked, key, marking)

    async def _mark(self, gone: DecidedChange, seat: Member, session: Session) -> None:
        """A lost session's mark (:meth:`lost`) applied, or not to be: it
        holds its name no more, or not alone (its premises), or the
        back-end is unavailable (said elsewhere); nothing is lost either
        way, as its release comes in its turn."""
        try:
            await self.apply(gone, seat, session)
        except (PremiseFailedError, errors.ChatError):
            pass
        except Exception:
            log.failure("marking a lost session gone")

    def _marked(self, result: None, key: str, marking: Deferred[None]) -> None:
        """Name ``key``'s mark (:meth:`lost`) is written, or not to be."""
        if self._marking.get(key) is marking:
            del self._marking[key]

    def release(self, member: Member, reason: str, own_words: bool = False) -> None:
        """A device gone: its seat leaves the rooms no other device views
        (all of them with its last device, as the whole session goes);
        ``own_words``: ``reason`` is the user's (:meth:`quit`)."""
        self._lost.discard(member)
        self.rooms.watch_lobby(member, False)
        self.sign_ins.let_go(member)
        seat = self.identities.seat(member)
        gone = self.sessions.get(member)
        if gone is not None:
            self.notifications.active(gone.account)  # idle from now on
        if self.devices.gone(member, reason, own_words):
            return  # one device of several
        session = self.sessions.close(member)
        self.plain_markers.forget(seat)
        self.life.forget(seat)
        if session is not None:
            # Nobody waits for it: the back-end reports the rooms it leaves.
            release = DecidedChange(
                HeldName(name_key(session.name)), (), (Release(reason, own_words),)
            )
            released = Deferred.fromCoroutine(self.apply(release, seat, session))
            released.addErrback(lambda failure: log.failure("release", failure))

    def end_session(self, member: Member, reason: str) -> None:
        """End a session from the shared side: rooms hear ``reason`` (a
        removed bot's, only that it was removed:
        :func:`~chatroom.wire.goodbyes.heard_in_rooms`), then its door
        closes it, told ``reason``."""
        self.release(member, heard_in_rooms(reason))
        member.disconnect(reason)
