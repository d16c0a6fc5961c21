"""Many devices per account: what the core does that concerns devices.

The back-ends see one :class:`~chatroom.core.infra.seats.Seat` per user; this is
the core's side of the devices behind a seat, composed into
:class:`~chatroom.core.chat.ChatCore` and handed to the doors as it is for
``/devices``, ``/logout ID`` and ``/caps multi``, so no core method is
wrapped. It decides:

- which seat a sign-in joins (:meth:`Devices.join_seat`: the account's
  seat here under its own name, up to ``--max-devices`` over every node);
- how a device enters a room its account is in already (the join
  replies, from the room's roster and history, with no ``JOIN``);
- which rooms a device that goes (or moves its one-room view) takes its
  account out of: only those no other device of the account views;
- who else hears a change one device made (``LEFT``, ``READ``, the sender's
  copy of a private message), and ``/devices`` and ``/logout ID``.

A standing member (:mod:`chatroom.core.rooms.standing`: a bot in its rooms
with no connection, a Matrix user in a portal) shares its account's seat
as a device does, on every node that stands it, but it is the server
holding the name in its rooms, not one of the person's devices: it is
never refused for ``--max-devices``, uses up none of them, and
``/devices`` and ``/logout ID`` neither list nor end it
(:func:`own_device`).

It never asks which door a device came through: what differs is the
:class:`~chatroom.core.model.member.Member`'s (``views_every_room``,
``shown_marker``, ``left_elsewhere``). The account's devices on other
nodes of a cluster are the back-end's ``other_nodes``
(:class:`~chatroom.core.server.store.OtherNodes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import suppress
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.door_settings import later
from chatroom.core.accounts.markers import MarkerStore
from chatroom.core.accounts.sign_in_tokens import SignInTokens
from chatroom.core.accounts.stores import RememberedRooms
from chatroom.core.infra import ignoring
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.fanout import deliver_to
from chatroom.core.infra.seats import Seat, Session
from chatroom.core.infra.sessions import Sessions
from chatroom.core.messages.store import MessageStore
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, Operation
from chatroom.core.model.changes.settings import AccountRooms, ForgetRoom, RememberRoom
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Departure,
    DepartureKind,
    DeviceList,
    Event,
    PrivateRedacted,
    Welcome,
)
from chatroom.core.model.facts import WelcomeFacts
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy import rules
from chatroom.core.policy.moderation import Actor, Target
from chatroom.core.rooms import membership
from chatroom.core.rooms.entries import Entries, Entry, shown
from chatroom.core.rooms.standing import StandingMember
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import NO_COPY, Bus, CopyTo, DeviceRow
from chatroom.core.server.store import OtherNodes

#: Why a device ended by another one is closed.
SIGNED_OUT = "signed out from device {number}"


def kept_rooms(account: str, *ops: Operation) -> DecidedChange:
    """The change of the rooms ``account`` is put back in at sign-in that
    ``ops`` (rooms remembered and forgotten, in order) are: it rests on no
    premise, recording where the account went."""
    return DecidedChange(AccountRooms(account), (), ops)


def own_device(member: Member) -> bool:
    """Whether ``member`` is one of its account's devices as the person
    counts them (``--max-devices``, ``/devices``, ``/logout ID``): every
    connection is; a standing member, the server holding the name in its
    rooms on a node, is not."""
    return not isinstance(member, StandingMember)


def _rows(seat: Seat) -> list[DeviceRow]:
    """The seat's devices as ``/devices`` lists them, and as the other
    nodes count and list them (its standing member left out)."""
    return [
        (d.number, d.member.door, d.since)
        for d in seat.devices.values()
        if own_device(d.member)
    ]


class Devices:
    """The devices of this process's seats: sign-in, views, departures."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        rooms: RoomStore,
        messages: MessageStore,
        markers: MarkerStore,
        remembered: RememberedRooms,
        other_nodes: OtherNodes,
        bus: Bus,
        apply: Applies,
        sessions: Sessions,
        entries: Entries,
        actor: Callable[[Member], Actor],
        sign_ins: SignInTokens,
    ) -> None:
        """Args:
        rooms: the rooms as a device is shown them (a room's roster and
            facts, the lobby's list).
        messages: what a device shown a room is shown of it (its history,
            its pins).
        markers: the accounts' read markers (where a device catches up).
        remembered: the rooms each account is put back in.
        other_nodes: the account's devices on other nodes.
        bus: tells the other nodes of a seat's devices.
        apply: the back-end's one write (the rooms an account keeps).
        actor: a member as the rules see it, with its standing
            (:meth:`~chatroom.core.services.identities.Identities.actor`).
        sign_ins: the device sessions, whose token a device logged out
            of ends with it.
        """
        self.sign_ins = sign_ins
        self.config = config
        self.actor = actor
        self.entries = entries
        self.clock = clock
        self.rooms = rooms
        self.messages = messages
        self.markers = markers
        self.remembered = remembered
        self.other_nodes = other_nodes
        self.bus = bus
        self.apply = apply
        self.sessions = sessions
        #: Sign-ins whose device number the back-end gave out under the
        #: limit (:meth:`join_seat`), until :meth:`counted` gives it them.
        self.claimed: dict[Member, int] = {}

    def viewed(self, seat: Member, key: str) -> None:
        """A device of the account entered room ``key`` on another node:
        the room is shown here too (:meth:`shown_here`), and the ``multi``
        devices are told the account's marker there."""
        self.background(self._viewed(seat, key))

    async def _viewed(self, seat: Member, key: str) -> None:
        session = self.sessions.get(seat)
        if not isinstance(seat, Seat) or session is None:
            return
        try:
            await self.shown_here(seat, session, key, None)
        except ChatError:
            return  # left meanwhile, or gone
        room = seat.find(key)
        if room is not None:
            await self.markers_after_join(seat, room, None)

    async def shown_here(
        self, seat: Member, session: Session, key: str, since: int | None
    ) -> None:
        """Room ``key``, which the account is in by a device on another
        node, seated here by the back-end's step, which answers the facts
        its devices' join replies (from ``since``) are built from: shown
        them, then seated with the room's events that followed (nothing if
        the seat is in it here already)."""
        view = await self.other_nodes.show(seat, session, key, since)
        if view is not None:
            shown(seat, view, since, self.config.resume_bound)

    async def join_seat(self, member: Member, name: str, account: str) -> bool:
        """A sign-in of ``member`` (with no seat yet) to ``account`` under
        ``name``: True if it became one more device of the account's seat
        here (``TOO_MANY_DEVICES`` past the limit, which counts the
        account's devices on every node; nobody is ended). A standing
        member is numbered as a device, and neither counted nor refused
        (:func:`own_device`).

        The rule is the core's, the count the back-end's: over several
        nodes it counts and numbers the device in one atomic step (two
        sign-ins racing on two nodes are counted against each other); in
        one process the seat's devices are all there are."""
        if name_key(name) != account:
            return False
        counted = own_device(member)
        limit = self.config.max_devices if counted else 0  # 0: none
        number = await self.other_nodes.number(account, limit)
        seat = self.sessions.account_seat(account)  # as it is now
        here = len(_rows(seat)) if seat is not None else 0
        if counted and (number == 0 or (number is None and here >= limit)):
            raise errors.too_many_devices(name, limit)
        if number is not None:
            self.claimed[member] = number
        if seat is None:
            return False  # the account's first device here: the back-end's claim
        self.sessions.close(member)  # a session of its own before (a name refused)
        self.sessions.attach(seat, member, self.clock.seconds())
        await self.counted(member)
        return True

    def unclaimed(self, member: Member) -> None:
        """The sign-in of ``member`` failed after :meth:`join_seat`: its
        number is not kept (the back-end's claim lapses on its own)."""
        self.claimed.pop(member, None)

    async def counted(self, member: Member) -> None:
        """Device ``member`` of an account's seat (signed in, or just
        registered): numbered among the account's devices on every node
        (the seat's own number in one process), which are told of it."""
        seat = self.sessions.seat_of(member)
        session = None if seat is None else self.sessions.get(seat)
        if seat is None or session is None or not _own_account(session):
            return
        number = self.claimed.pop(member, None)
        if number is None:
            number = await self.other_nodes.number(session.account)
        device = seat.devices.get(member)
        if device is not None and number is not None:
            device.number = number
        self.publish(seat)

    def publish(self, seat: Seat) -> None:
        """The seat's devices changed: the other nodes are told (those the
        account's ``--max-devices`` counts: :func:`own_device`)."""
        session = self.sessions.get(seat)
        if session is not None and _own_account(session):
            self.bus.publish_devices(session.account, session.token, _rows(seat))

    async def welcome(self, seat: Seat, room: str, since: int | None) -> Welcome:
        """The join replies of a room the seat is in already, for one more
        device (from ``since``, a catch-up, as a join would): built as every
        join reply is (:func:`chatroom.core.rooms.membership.welcome`) from the
        room's roster, its capacity and its newest events."""
        session = self.sessions[seat]
        roster = await self.rooms.roster(room)
        facts = await self.rooms.facts(room)
        bound = self.config.resume_bound if since is not None else self.config.history
        history = (
            await self.messages.history(seat, session, room, bound, None)
            if bound
            else []
        )
        last = int(history[-1].id) if history and history[-1].id else since or 0
        # Fewer than asked for: the room keeps no more (else it may).
        first = int(history[0].id or 1) if 0 < len(history) < bound else 1
        if since is not None:
            history = [e for e in history if e.id and int(e.id) > since]
        members = [target.name for target in roster.targets]
        pins = len(await self.messages.pins.pins(name_key(roster.room)))
        view = WelcomeFacts(
            room=roster.room,
            members=members,
            total=len(members),
            joiner=session.name,
            capacity=facts.room.capacity,
            topic=roster.topic,
            topic_by=roster.topic_by,
            history=history,
            first=first,
            last=last,
            pins=pins,
        )
        return ignoring.replayed(seat.ignoring, membership.welcome(view, since, bound))

    async def seated(
        self,
        member: Member,
        name: str,
        leaving: str | None,
        since: int | None,
        step: Callable[[Seat, str | None], Awaitable[Welcome]],
        joining: bool = False,
    ) -> str:
        """Device ``member`` joins (``joining``) or creates room ``name``:
        ``step(seat, moving)`` is the core's entry, seating the account
        (then taking it out of ``moving``). A room the account is in
        already is only shown to the device (no ``JOIN``). Returns the
        room's name as entered (a renamed room's, for its former name)."""
        seat, moving = self.moving(member, leaving)
        if moving is not None and name_key(moving) == name_key(name):
            # The room entered is not the one left for it: this is one made
            # again under its name, the old one deleted while the door still
            # had the device in it (its way back to the lobby under way).
            moving = None
        if moving is not None and await self.elsewhere(seat):
            moving = None  # a device on another node may be in it: kept
        here, device = seat.find(name), seat.devices.get(member)
        if joining and here is not None and device and not device.views(here):
            await self.show(seat, member, here, since, moving)
            entered = here
        else:
            seat.asking(name, member)
            try:
                entered = (await step(seat, moving)).room
            except ChatError as refusal:
                if not joining or refusal.code != "ALREADY_IN_ROOM" or here:
                    raise  # a room this node knew it is in: it is
                entered = await self.shown_late(
                    seat, member, name, since, moving, refusal, step
                )
            finally:
                seat.asked(name)
        await self.moved(seat, member, name, moving)
        return entered

    async def show(
        self,
        seat: Seat,
        member: Member,
        room: str,
        since: int | None,
        moving: str | None,
    ) -> None:
        """A room the account is in already, shown to one more device."""
        device = seat.devices[member]
        welcome = await self.welcome(seat, room, since)
        device.room = None if device.multi else room
        device.unhide(name_key(room))
        seat.settle()
        member.entered(welcome)
        if moving is not None:
            await self.departed(seat, member, [moving], moved_to=room)

    async def shown_late(
        self,
        seat: Seat,
        member: Member,
        name: str,
        since: int | None,
        moving: str | None,
        refusal: ChatError,
        step: Callable[[Seat, str | None], Awaitable[Welcome]],
    ) -> str:
        """``ALREADY_IN_ROOM`` for a room this node did not know the account
        is in yet (a device on another node has just entered it): shown to
        the device once this node is in it too; joined by ``step`` after
        all if the account left it before it could be shown (that device
        left it meanwhile), as a join asked then would be. Returns the
        room's name as entered."""
        session = self.sessions.get(seat)
        device = seat.devices.get(member)
        if session is None or device is None:
            raise refusal
        if seat.find(name) is None:  # else that node's news came meanwhile
            try:
                await self.shown_here(seat, session, name_key(name), since)
            except ChatError as gone:
                if gone.code != "NOT_IN_ROOM":
                    raise  # NO_SUCH_ROOM, UNAVAILABLE: the join's answer
                return (await step(seat, moving)).room  # out of it meanwhile: joined
        here = seat.find(name)
        if here is None:
            raise refusal
        if not device.views(here):  # shown by another node's news meanwhile
            await self.show(seat, member, here, since, moving)
        elif moving is not None:
            await self.departed(seat, member, [moving], moved_to=here)
        return here

    async def elsewhere(self, seat: Seat) -> bool:
        """Whether the seat's account has devices on other nodes."""
        session = self.sessions.get(seat)
        if session is None or not _own_account(session):
            return False
        return bool(await self.other_nodes.listed(session.account, session.token))

    def moving(self, member: Member, leaving: str | None) -> tuple[Seat, str | None]:
        """The device's seat, and ``leaving`` if the seat may leave it in
        the same step as a join: no other device of the account views it."""
        seat = self.sessions.seat_of(member)
        if seat is None:
            raise errors.not_in_room()  # gone meanwhile: nobody to answer
        old = None if leaving is None else seat.find(leaving)
        alone = old is not None and not seat.viewers(old, but=member)
        return seat, (old if alone else None)

    async def moved(
        self, seat: Seat, member: Member, name: str, moving: str | None
    ) -> None:
        """After a device's join: the room it left with it is out of the
        seat; the other ``multi`` devices are told their marker there."""
        account = self._account(seat)
        kept: list[Operation] = []
        if moving is not None:
            seat.left(moving)
            kept.append(ForgetRoom(moving))
        room = seat.find(name)
        if room is not None:
            kept.append(RememberRoom(room))
        if account and kept:
            await self.apply(kept_rooms(account, *kept))
        if room is not None and len(seat.devices) > 1:
            await self.markers_after_join(seat, room, member)

    def _account(self, seat: Seat) -> str:
        session = self.sessions.get(seat)
        return session.account if session is not None else ""

    async def kicked(self, target: Target | None, room: str) -> None:
        """A kick (or a ban that kicks) forgets the room for the kicked
        account before the command answers, on every node."""
        if target is not None and target.account:
            forgotten = kept_rooms(target.account, ForgetRoom(room))
            await self.apply(forgotten)

    def taken(self, seat: Seat, room: str) -> None:
        """A room was taken from the seat (kicked, deleted): forgotten."""
        account = self._account(seat)
        if account:
            forgotten = kept_rooms(account, ForgetRoom(room))
            self.background(self.apply(forgotten))

    def gone(self, member: Member, reason: str, own_words: bool = False) -> bool:
        """Device ``member`` is gone (``reason``: why, or with ``own_words``
        what its user quit saying): True if its seat has other devices (it
        leaves the rooms none of them views), False if it was the last."""
        seat = self.sessions.seat_of(member)
        if seat is None or len(seat.devices) < 2 or member not in seat.devices:
            return False
        device = seat.devices[member]
        rooms = list(seat.rooms) if device.multi else [device.room or ""]
        self.sessions.detach(member)
        self.publish(seat)
        quit = DepartureKind.QUIT
        self.background(self.departed(seat, member, rooms, reason, quit, own_words))
        return True

    async def departed(
        self,
        seat: Seat,
        member: Member,
        rooms: list[str],
        reason: str = "",
        kind: DepartureKind = DepartureKind.PART,
        own_words: bool = False,
        moved_to: str = "",
    ) -> None:
        """Device ``member`` of ``seat`` is gone (a ``QUIT``: ``reason`` says
        why, or with ``own_words`` what its user quit saying) or moved its
        view (to ``moved_to``): the account leaves each of ``rooms`` that no
        other device views."""
        session = self.sessions.get(seat)
        for room in rooms:
            if session is None or seat.find(room) is None:
                continue
            if seat.viewers(room, but=member):
                continue
            seat.left(room)
            departure = Departure(
                room, session.name, kind, reason, moved_to, own_words=own_words
            )
            await self.entries.leave(seat, session, departure)

    async def arrived(
        self, member: Member, sent: Mapping[str, int] | None = None
    ) -> None:
        """A device signed in (its room list is out): a ``multi`` one gets
        the join replies of each room its account is in, unasked, from the
        account's read marker there (with the events before it, for a
        device that draws its rooms afresh: :func:`chatroom.core.policy.rules.
        from_marker`), or ``sent``'s position (room key → event id) if
        later: what its door sent the account there before,
        :mod:`chatroom.core.accounts.door_settings`; then ``READ``."""
        seat = self.sessions.seat_of(member)
        device = None if seat is None else seat.devices.get(member)
        if seat is None or device is None:
            return
        account = self._account(seat)
        if account and len(seat.devices) == 1:
            markers = await self.markers.markers(account)
            session = self.sessions.get(seat)
            if session is None:
                return  # gone meanwhile (ended while Redis answered)

            others = self.other_nodes
            held = await others.held_elsewhere(seat, session)
            if held is not None:  # the account is connected elsewhere
                for key in held:  # shown here from the account's markers
                    since = later(
                        rules.from_marker(markers.get(key), member.starts_blank),
                        (sent or {}).get(key),
                    )
                    with suppress(ChatError):  # left meanwhile: not shown
                        await self.shown_here(seat, session, key, since)
                    if (room := seat.find(key)) is None:
                        continue  # nor is READ
                    for viewer in seat.viewers(room):
                        if viewer.multi:
                            viewer.member.shown_marker(room, markers.get(key))
                return
            await self.restore(seat, member, account, sent)
            return
        await self.show_rooms(member, sent)

    async def show_rooms(
        self, member: Member, sent: Mapping[str, int] | None = None
    ) -> None:
        """A ``multi`` device (just signed in, or just turned ``multi`` on)
        gets the join replies of each room of its account it was not shown,
        unasked, from the account's read marker there (or ``sent``'s
        position, if later), then ``READ``."""
        seat = self.sessions.seat_of(member)
        device = None if seat is None else seat.devices.get(member)
        if seat is None or device is None or not device.multi:
            return
        shown, device.room = device.room, None
        seat.settle()
        account = self._account(seat)
        markers = await self.markers.markers(account) if account else {}
        hidden = device.hidden or set()  # put back in at sign-in: shown when it joins
        for room in [r for r in seat.rooms if r != shown and name_key(r) not in hidden]:
            marker = markers.get(name_key(room))
            since = later(
                rules.from_marker(marker, member.starts_blank),
                (sent or {}).get(name_key(room)),
            )
            welcome = await self.welcome(seat, room, since)
            if member not in seat.devices or seat.find(room) is None:
                continue  # gone meanwhile
            member.entered(welcome)
            member.shown_marker(room, marker)

    async def restore(
        self,
        seat: Seat,
        member: Member,
        account: str,
        sent: Mapping[str, int] | None = None,
    ) -> None:
        """The account's first device is here: the account is put back in
        each remembered room that still exists, as joins (bans checked
        again, a key or an invitation not asked again; a full room skipped
        this time). A device in every room (``multi``, an IRC session) gets
        their join replies unasked, from the account's read marker there
        (a catch-up, or from ``sent``'s position if later), as a bouncer's
        client does; one without ``multi`` is shown each when it joins it,
        as it is today."""
        session = self.sessions.get(seat)
        if session is None:
            return  # gone meanwhile
        actor = self.actor(seat)
        markers = await self.markers.markers(account)
        device = seat.devices[member]
        multi = member.views_every_room

        entry = Entry(lambda: actor, restoring=True)

        for room in await self.remembered.rooms(account):
            if seat not in self.sessions or member not in seat.devices:
                return  # gone meanwhile
            if seat.find(room) is not None:
                continue
            key = name_key(room)
            marker = markers.get(key) if multi else None
            since = (
                later(
                    rules.from_marker(marker, member.starts_blank),
                    (sent or {}).get(key),
                )
                if multi
                else None
            )
            if multi:
                seat.asking(room, member)
            else:
                device.hide(name_key(room))
            try:
                await self.entries.join(seat, session, room, None, since, entry)
            except ChatError as refusal:
                device.unhide(name_key(room))
                if refusal.code in ("NO_SUCH_ROOM", "BANNED"):
                    forgotten = kept_rooms(account, ForgetRoom(room))
                    await self.apply(forgotten)
                continue
            finally:
                seat.asked(room)
            shown = seat.find(room) if multi else None
            if shown is not None:
                for viewer in seat.viewers(shown):
                    viewer.member.shown_marker(shown, marker)

    def background(self, work: Coroutine[Any, Any, object]) -> None:
        """Run a step nobody waits for (a departure); failures are logged."""
        done = Deferred.fromCoroutine(work)
        done.addErrback(lambda failure: self.log.failure("devices", failure))

    async def left(self, seat: Seat, member: Member, room: str) -> None:
        """The account left ``room`` by ``member``'s ``/leave``: the other
        devices that viewed it are told (:meth:`Member.left_elsewhere`)."""
        room = seat.find(room) or ""
        if not room:
            return
        others = seat.viewers(room, but=member)
        seat.left(room)
        account = self._account(seat)
        if account:
            forgotten = kept_rooms(account, ForgetRoom(room))
            await self.apply(forgotten)
        if not others:
            return
        listing = rules.listed_for(
            await self.rooms.lobby_rooms(), self.rooms.joined_room, seat
        )
        for device in others:
            device.member.left_elsewhere(room, listing)

    async def to_other_nodes(self, member: Member, event: PrivateRedacted) -> None:
        """``event`` (the sender's copy of a private message's deletion) to
        the account's devices on other nodes (a message's copy goes with
        it: :meth:`copy_to`)."""
        seat = self.sessions.seat_of(member)
        session = None if seat is None else self.sessions.get(seat)
        if session is not None and _own_account(session):
            await self.bus.tell_devices(session.account, session.token, event)

    def copy_to(self, member: Member) -> CopyTo:
        """Whose devices on other nodes are told what ``member`` did: the
        sender's copy of a private message it sends, a marker it moved
        (:class:`CopyTo`)."""
        seat = self.sessions.seat_of(member)
        session = None if seat is None else self.sessions.get(seat)
        if session is None or not _own_account(session):
            return NO_COPY
        return CopyTo(session.account, session.token)

    def to_others(self, member: Member, event: Event) -> None:
        """``event`` (the sender's copy of a private message, a marker now
        in force) to the other devices of ``member``'s seat."""
        seat = self.sessions.seat_of(member)
        if seat is None or len(seat.devices) < 2:
            return
        for other in seat.others(member):
            deliver_to(other, event)

    async def markers_after_join(
        self, seat: Seat, room: str, asker: Member | None
    ) -> None:
        """The account's marker in ``room`` to the ``multi`` devices that
        got its join replies unasked (the asker's door says its own)."""
        others = [
            device.member
            for device in seat.devices.values()
            if device.multi and device.member is not asker
        ]
        if not others:
            return
        session = self.sessions.get(seat)
        marker = None
        if session is not None and session.account:
            markers = await self.markers.markers(session.account)
            marker = markers.get(name_key(room))
        for other in others:
            other.shown_marker(room, marker)

    async def listed(self, member: Member) -> DeviceList:
        """``/devices``: the account's devices on every node, in the order
        they signed in: by their numbers, which one count gives out for the
        whole cluster (the back-end's), never by the nodes' clocks, which
        need not agree. The account's standing members are none of them
        (:func:`own_device`)."""
        seat = self.sessions.seat_of(member)
        session = None if seat is None else self.sessions.get(seat)
        if seat is None or session is None or member not in seat.devices:
            raise errors.not_in_room()
        asker = seat.devices[member].number
        rows = _rows(seat)
        if _own_account(session):
            others = self.other_nodes
            rows += await others.listed(session.account, session.token)
        return DeviceList(asker, sorted(rows))  # (number, door, since)

    async def end(self, member: Member, number: int) -> None:
        """``/logout ID``: device ``number`` of the account is closed,
        on this node or another."""
        seat = self.sessions.seat_of(member)
        session = None if seat is None else self.sessions.get(seat)
        if seat is None or session is None or member not in seat.devices:
            raise errors.not_in_room()
        reason = SIGNED_OUT.format(number=seat.devices[member].number)
        if await self.log_out(seat, number, reason):
            return
        if _own_account(session):
            others = self.other_nodes
            if await others.end(session.account, session.token, number, reason):
                return
        raise errors.no_such_device(str(number))

    async def log_out(self, seat: Member, number: int, reason: str) -> bool:
        """Device ``number`` of ``seat``, if it is here, is closed (told
        ``reason``), and the device session it signed in with or made
        ends first (:mod:`chatroom.core.accounts.sign_in_tokens`), so a reload of
        that page asks for the password again; False if it is not here.
        ``/logout ID`` of a device here, or another node's order to end
        one of ours; a standing member is none (:func:`own_device`)."""
        devices = seat.devices.values() if isinstance(seat, Seat) else ()
        for device in list(devices):
            if device.number == number and own_device(device.member):
                session = self.sessions.get(seat)
                try:
                    account = session.account if session is not None else ""
                    await self.sign_ins.end(device.member, account)
                finally:
                    device.member.disconnect(reason)
                return True
        return False

    def logged_out(self, seat: Member, number: int, reason: str) -> None:
        """Another node's order to end device ``number`` of ``seat`` here
        (its ``/logout ID``): :meth:`log_out`, nobody waiting."""
        self.background(self._logged_out(seat, number, reason))

    async def _logged_out(self, seat: Member, number: int, reason: str) -> None:
        """:meth:`log_out`, its answer not needed."""
        await self.log_out(seat, number, reason)

    def end_others(self, member: Member, reason: str) -> None:
        """Every device of ``member``'s seat here but ``member`` itself is
        closed, told ``reason``: its account was given up by ``member``
        (those on other nodes end by the account's own change)."""
        seat = self.sessions.seat_of(member)
        if seat is None:
            return
        for device in list(seat.devices.values()):
            if device.member is not member:
                device.member.disconnect(reason)


def _own_account(session: Session) -> bool:
    """Whether a session is signed in to the account its name is (whose
    devices share its seat)."""
    return bool(session.account) and name_key(session.name) == session.account
