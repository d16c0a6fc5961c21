"""Members with no connection: an account that stays in its rooms while
nothing is connected for it (a bot joined through the REST API; a bridge's
users).

A room's members are seats (:mod:`chatroom.core.infra.seats`), and a seat
lives while one of its devices does. A :class:`StandingMember` is a device
that belongs to no connection: signed in to its account like any device,
in every room of the account (``multi``), it keeps the account seated on
this node (the server holding the name there, which uses up none of the
account's ``--max-devices`` and which ``/devices`` does not list), so that
``MEMBERS``, ``/who`` and IRC's ``NAMES`` list it and it can say things,
until the account leaves the room (here, or by a door's ``/leave`` on
any device), is kicked, banned or removed. What it is handed
it passes on to whoever listens (the REST API's event streams), so the
account's rooms are followed from every door and node with no mechanism
of their own.

The rooms are the account's remembered rooms (``account_rooms``, both
back-ends), kept by every join and ``/leave`` as any device's are. So a
standing account needs nothing kept of its own: after a restart, or on
another node, :meth:`StandingMembers.stand` signs it in again and the
account's first device is put back into its rooms
(:meth:`chatroom.core.services.devices.Devices.arrived`), as a person's
first device is.

:class:`StandingMembers` holds this node's standing devices, one per
account, and stands one up at most once at a time. It takes what it calls
as functions (a claim of the name signed in to the account, the arrival,
the release), so the rooms' wing imports nothing of the services above it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from chatroom.core.model.bridged import is_bridged_name
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Departure,
    DepartureKind,
    Event,
    Joined,
    Listing,
    LobbyChanges,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import Member, MessageWriter
from chatroom.core.model.text import name_key

#: What a standing member's listener takes: each event its account's rooms
#: hand it.
Listener = Callable[[Event], None]
#: What is told when a standing member ends: the reason.
Ending = Callable[[str], None]

#: The door a standing member counts as on ``/metrics``. It is none of its
#: account's devices (``--max-devices``, ``/devices``:
#: :func:`chatroom.core.services.devices.own_device`).
STANDING_DOOR = "api"


class StandingMember:
    """A device of an account that belongs to no connection (see the module).

    It views every room of its account and starts no screen of its own
    (nothing is replayed to it but what its listeners need). Its listeners
    hear every event it is handed; when the shared side ends it (the
    account removed, killed, taken by another), its endings are told and
    its listeners let go.
    """

    door = STANDING_DOOR
    views_every_room = True
    starts_blank = False

    def __init__(
        self,
        name: str,
        on_gone: Callable[[StandingMember], None],
        on_roomless: Callable[[StandingMember], None] = lambda member: None,
    ) -> None:
        self.name: str | None = name
        self.listeners: list[Listener] = []
        self.endings: list[Ending] = []
        self.on_gone = on_gone
        #: Told when a departure leaves it in no room.
        self.on_roomless = on_roomless
        self.gone = False
        #: The keys of the rooms its listeners were told it is in.
        self.rooms: set[str] = set()

    def __repr__(self) -> str:
        return f"<StandingMember {self.name}>"

    def listen(self, listener: Listener, ending: Ending) -> Callable[[], None]:
        """Hand ``listener`` every event from now on, and ``ending`` the
        reason this member ends for; returns what stops both."""
        self.listeners.append(listener)
        self.endings.append(ending)

        def stop() -> None:
            with suppress(ValueError):
                self.listeners.remove(listener)
            with suppress(ValueError):
                self.endings.remove(ending)

        return stop

    def deliver(self, event: Event) -> None:
        own = isinstance(event, Departure) and event.user == self.name
        if own:
            assert isinstance(event, Departure)
            self.rooms.discard(name_key(event.room))  # its own: kicked, or gone
        for listener in list(self.listeners):
            listener(event)
        if own and not self.rooms:
            self.on_roomless(self)

    def own_departure(self, room: str, reason: str, kind: DepartureKind) -> None:
        """The account is out of ``room`` (its own leave, another device's,
        the room gone): its listeners hear it as the room does, once."""
        if name_key(room) in self.rooms and self.name:
            self.deliver(Departure(room, self.name, kind, reason))

    def message_writer(self) -> MessageWriter | None:
        return None  # every event through deliver: its listeners read values

    def entered(self, welcome: Welcome) -> None:
        """In ``welcome.room`` now: its events follow; its listeners hear
        its own join (a join through the API, another device's, its
        rooms entered again), once."""
        key = name_key(welcome.room)
        if key in self.rooms or not self.name:
            return
        self.rooms.add(key)
        self.deliver(Joined(welcome.room, self.name))

    def removed(self, room: str, listing: Listing | None) -> None:
        """Put out of ``room`` (kicked, banned) or the room went (deleted)."""
        self.own_departure(room, "removed", DepartureKind.KICK)

    def room_renamed(self, renamed: RoomRenamed) -> None:
        self.deliver(renamed)

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """A standing member watches no lobby."""

    def shown_marker(self, room: str, marker: int | None) -> None:
        """No screen: a read marker is nothing to it."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        """Another device took the account out of ``room``."""
        self.own_departure(room, "left", DepartureKind.PART)

    def disconnect(self, reason: str) -> None:
        """Ended by the shared side: its endings hear ``reason``."""
        if self.gone:
            return
        self.gone = True
        self.on_gone(self)
        endings, self.endings, self.listeners = self.endings, [], []
        for ending in endings:
            ending(reason)


#: A claim of a name signed in to its account (the registry's
#: ``claim_name(member, name, account)``).
Claim = Callable[[Member, str, str], Awaitable[None]]
#: The account's first device is here: its remembered rooms entered again.
Arrive = Callable[[Member], Awaitable[None]]
#: A device let go, with the reason its rooms hear.
Release = Callable[[Member, str], None]
#: The names of accounts that stand (a wing's: the bots with rooms).
Source = Callable[[], Awaitable[Iterable[str]]]
#: Seconds before a start's restore is tried again when the store failed.
RETRY = 5.0
#: Tells the other nodes to stand these accounts too: how many were told.
Told = Callable[[tuple[str, ...]], Awaitable[int]]
#: Whether the account of a standing member here has a device on another node.
HeldElsewhere = Callable[[Member], Awaitable[bool]]
#: Seconds a stopping node waits at most for the others to stand its
#: standing accounts before it lets go of them anyway.
HAND_OVER_BOUND = 10.0
#: Seconds between two looks at whether they stand elsewhere yet.
HAND_OVER_STEP = 0.1


class StandingMembers:
    """This node's standing members, one per account (see the module)."""

    log = Logger()

    def __init__(
        self, clock: IReactorTime, claim: Claim, arrive: Arrive, release: Release
    ) -> None:
        self.clock = clock
        self.claim = claim
        self.arrive = arrive
        self.release = release
        #: Where the accounts that stand are read at start (each wing whose
        #: accounts stand adds one: the bots', a bridge's).
        self.sources: list[Source] = []
        self.retry: IDelayedCall | None = None
        #: The standing member of each account here, by its key.
        self.members: dict[str, StandingMember] = {}
        #: The stands under way, by account key: who else waits for each.
        self.standing: dict[str, list[Deferred[StandingMember]]] = {}
        #: Whether the node is stopping (:meth:`stop`): nothing stands again.
        self.stopping = False

    def find(self, account: str) -> StandingMember | None:
        """The account's standing member here, if it has one."""
        return self.members.get(name_key(account))

    async def stand(self, name: str) -> StandingMember:
        """The account ``name``'s standing member here: the one it has, or
        a new one, signed in to it (its caller checked the credential) and
        put back into the account's remembered rooms.

        Raises:
            ChatError: the claim's refusal (``BANNED``, ``NAME_TAKEN``,
                ``TOO_MANY_DEVICES``, ``UNAVAILABLE``...).
        """
        key = name_key(name)
        found = self.members.get(key)
        if found is not None:
            return found
        waiting = self.standing.get(key)
        if waiting is not None:  # a stand under way: its outcome
            waiter: Deferred[StandingMember] = Deferred()
            waiting.append(waiter)
            return await waiter
        self.standing[key] = waiting = []
        try:
            member = await self._stand_up(name, key)
        except BaseException as failed:
            del self.standing[key]
            for waiter in waiting:
                waiter.errback(failed)
            raise
        del self.standing[key]
        for waiter in waiting:
            waiter.callback(member)
        return member

    async def _stand_up(self, name: str, key: str) -> StandingMember:
        member = StandingMember(name, self._gone, self._roomless)
        try:
            await self.claim(member, name, key)
        except ChatError:
            self.release(member, "connection lost")
            raise
        self.members[key] = member
        await self.arrive(member)
        self.log.info("{user} stands in its rooms here", user=name)
        return member

    def _gone(self, member: StandingMember) -> None:
        """Ended by the shared side (the account removed or ended): let go
        here, and released in the next turn, as a door closes a
        connection after its goodbye."""
        key = name_key(member.name or "")
        if self.members.get(key) is member:
            del self.members[key]
        self.clock.callLater(0, self.release, member, "connection lost")

    def _roomless(self, member: StandingMember) -> None:
        """A departure left ``member`` in no room. A Matrix user stands
        only while in a portal's room: when it leaves its last one through
        another node (``left_elsewhere``), or is put out of it, its device
        here goes too (in the next turn, once its departure is told), so no
        node holds its name with no room. A bot stands while it has API
        calls to answer, its streams among them, in a room or not: it
        stays."""
        if member.name and is_bridged_name(member.name):
            self.clock.callLater(0, self._let_go_roomless, member)

    def _let_go_roomless(self, member: StandingMember) -> None:
        """``member`` goes if it is still this account's here and still in
        no room (not seated again meanwhile)."""
        if self.find(member.name or "") is member and not member.rooms:
            self.let_go(member.name or "", "left")

    def add_source(self, source: Source) -> None:
        """``source`` names accounts that stand (read at each start)."""
        self.sources.append(source)

    def start(self) -> None:
        """The node starts: every account its sources name stands here
        again, back in its remembered rooms (in the background; those the
        store could not answer for are tried again :data:`RETRY` seconds
        later)."""
        if self.sources:
            done = Deferred.fromCoroutine(self._restore_all())
            done.addErrback(lambda failure: self.log.failure("standing", failure))

    async def _restore_all(self) -> None:
        names: list[str] = []
        for source in self.sources:
            try:
                names.extend(await source())
            except ChatError:
                self._again()
                return
        if not await self.restore(names):
            self._again()

    def _again(self) -> None:
        if self.retry is None or not self.retry.active():
            self.retry = self.clock.callLater(RETRY, self.start)

    async def restore(self, names: Iterable[str]) -> bool:
        """Each of ``names`` (accounts that stand) stood up here, at start:
        those with rooms remembered are back in them; a refusal is logged,
        and the next tried. False if the store failed for some (to be
        tried again)."""
        whole = True
        for name in names:
            try:
                await self.stand(name)
            except ChatError as refusal:
                whole = whole and refusal.code != "UNAVAILABLE"
                self.log.info(
                    "{user} could not stand again: {why}", user=name, why=refusal.text
                )
        return whole

    def let_go(self, name: str, reason: str) -> None:
        """The account's standing member here ends (its rooms hear
        ``reason``), if it has one; its listeners are told."""
        member = self.members.pop(name_key(name), None)
        if member is None:
            return
        member.disconnect(reason)
        self.release(member, reason)

    def stand_all(self, names: Iterable[str]) -> None:
        """Another node is stopping and hands these accounts over: each
        stands here too (in the background; a refusal is logged), unless
        this node is stopping as well."""
        if not self.stopping:
            done = Deferred.fromCoroutine(self.restore(names))
            done.addErrback(lambda failure: self.log.failure("standing", failure))

    def stop(self) -> None:
        """The node stops: no stand is tried again. Its standing members
        stay until :meth:`hand_over` has waited for the other nodes and
        :meth:`let_all_go` lets them go."""
        self.stopping = True
        if self.retry is not None and self.retry.active():
            self.retry.cancel()

    async def hand_over(self, told: Told, held_elsewhere: HeldElsewhere) -> None:
        """The node stops: on a cluster, the other nodes are first told to
        stand this node's accounts (``told``), and this waits until each
        holds a device on another node (``held_elsewhere``; at most
        :data:`HAND_OVER_BOUND` seconds), so that when this node lets its
        members go (:meth:`let_all_go`) each name goes on to that device
        and its rooms hear neither a ``QUIT`` nor a ``JOIN``, as a bot's
        membership needs no connection, nor this node."""
        names = tuple(member.name or "" for member in self.members.values())
        if names and await told(names):
            waited = 0.0
            while waited < HAND_OVER_BOUND and not await self._all_elsewhere(
                held_elsewhere
            ):
                await deferLater(self.clock, HAND_OVER_STEP, lambda: None)
                waited += HAND_OVER_STEP

    def let_all_go(self) -> None:
        """Every standing member here ends as a connection does at shutdown
        (the back-end is stopping by then): its seats go as the node's do,
        its rooms kept for the restart as every member's are (not emptied
        and dropped: a room whose only member is a bot or a Matrix user is
        not empty), its account's rooms remembered, where it stands again
        at the next start (:meth:`restore`)."""
        for name in [member.name or "" for member in self.members.values()]:
            self.let_go(name, "server shutting down")

    async def _all_elsewhere(self, held_elsewhere: HeldElsewhere) -> bool:
        for member in list(self.members.values()):
            if not await held_elsewhere(member):
                return False
        return True
