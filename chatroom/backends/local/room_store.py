"""The rooms of one process: which there are, who sits where, the lobby.

:class:`LocalRooms` is the in-process back-end's
:class:`~chatroom.core.rooms.store.RoomStore`: it owns the rooms (by name
key), the rooms each member is in, the lobby's list and its watchers, the
former names of renamed rooms and the rooms' webhooks, and answers the
reads the core decides on (a room's facts, its seating, whether a name is
free). :class:`~chatroom.backends.local.local_backend.LocalBackend` applies
the core's changes to the same rooms.
"""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local import applying
from chatroom.backends.local.calls import LocalCalls
from chatroom.backends.local.hooks import StoredHooks
from chatroom.backends.local.records import Store
from chatroom.backends.local.renames import FormerNames
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.server_store import LocalServer
from chatroom.backends.local.slash_commands import StoredCommands
from chatroom.core.model import errors
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Listing, LobbyChanges
from chatroom.core.model.facts import CreationFacts, DecisionFacts, SeatingFacts, Target
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.rooms.lobby import LobbyWatchers
from chatroom.core.rooms.lobby_list import LobbyList
from chatroom.core.rooms.roominfo import Roster


class LocalRooms:
    """Every room of this process, and who is in which."""

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        store: Store,
        server: LocalServer,
    ) -> None:
        """Args:
        store: where rooms' webhooks, slash commands and former names are
            kept.
        server: who holds each name (a room's members as users).
        """
        self.clock = clock
        self.server = server
        #: Room name key → the room.
        self.by_key: dict[str, Room] = {}
        #: A tuple each (one room: 48 bytes, where a list grown by one
        #: append is 104): an idle member holds one.
        self.places: dict[Member, tuple[Room, ...]] = {}
        #: The lobby's list, and the rooms whose listing changed since it
        #: was last brought up to date (at the next read: a room's listing
        #: is told changed before some of its changes are made).
        self.lobby_list = LobbyList(config.rooms, config.lobby_rooms)
        self._relist: dict[str, None] = {}
        self.lobby = LobbyWatchers(
            clock, config.lobby_interval, self._lobby_entries, self.lobby_list
        )
        #: Renamed rooms' former names, within their grace.
        self.former_names = FormerNames(store)
        #: Rooms' webhooks (chatroom.core.rooms.webhooks).
        self.hooks = StoredHooks(store, self.by_key.__contains__)
        #: Rooms' slash commands (chatroom.core.rooms.slash_commands).
        self.commands = StoredCommands(store, self.by_key.__contains__)
        #: The rooms' calls, in memory while they are on (chatroom.core.calls).
        self.room_calls = LocalCalls()

    # -- the reads the core decides on -------------------------------------------

    async def seating_facts(
        self, member: Member, room: str, latest: bool = False
    ) -> SeatingFacts:
        where = self.find(room)
        key = where.key_of(member) if member in where.members else ""
        return applying.seating_facts(where, member, key)

    async def creation_facts(self, name: str) -> CreationFacts:
        room = self.by_key.get(name_key(name))
        renamed_to = self.leads_to(name_key(name))
        return CreationFacts(room.name if room else "", len(self.by_key), renamed_to)

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        where = self.find(room)
        found = self.server.target(target, where) if target else None
        users = self.server.users
        kept = users.get(name_key(target)) if found and found.present else None
        seating = where.seating(kept) if kept in where.members else None
        return DecisionFacts(
            where.facts(), where.guard, where.owner_name, found, seating
        )

    def joined_room(self, member: Member, room: str) -> str:
        return self.room_of(member, room).name

    def rooms_of(self, member: Member) -> list[str]:  # only sign-ins ask: a walk
        return [room.name for room in self.by_key.values() if member in room.members]

    async def list_rooms(self) -> Listing:
        return Listing([room.info() for room in self.by_key.values()])

    async def count_rooms(self) -> int:
        return len(self.by_key)

    async def lobby_rooms(self) -> Listing:
        return self.lobby_listing().listing()

    async def roster(self, room: str) -> Roster:
        where = self.find(room)
        facts = where.facts()
        members = [
            self.server.target(name, where) or Target(name)
            for name in where.members.values()
        ]
        return Roster(
            room=where.name,
            owner=where.owner_name,
            owner_key=facts.owner,
            topic=where.topic,
            topic_by=where.topic_by,
            policy=where.policy,
            targets=members,
            topic_at=where.topic_at,
            created_at=where.created_at,
        )

    def watch_lobby(self, member: Member, watching: bool) -> Deferred[None]:
        self.lobby.watch(member, watching)
        return defer.succeed(None)  # one process: heard from now on

    # -- what the back-end's steps share --------------------------------------------

    def find(self, name: str) -> Room:
        """The room called ``name`` (``NO_SUCH_ROOM``)."""
        if (room := self.by_key.get(name_key(name))) is None:
            raise errors.no_such_room(name)
        return room

    def room_of(self, member: Member, name: str) -> Room:
        """The room ``name``, which ``member`` must be in (``NOT_IN_ROOM``)."""
        room = self.by_key.get(name_key(name))
        if room is None or member not in room.members:
            raise errors.not_in_room()
        return room

    def leads_to(self, key: str) -> str:
        """The room former name ``key`` leads to now ("" for none: never
        renamed, its grace over, or the room gone since)."""
        name = self.former_names.leads_to(key, self.clock.seconds())
        return name if name_key(name) in self.by_key else ""

    def unplace(self, member: Member, room: Room) -> None:
        """``member`` is no longer in ``room``."""
        places = tuple(kept for kept in self.places[member] if kept is not room)
        if places:
            self.places[member] = places
        else:
            del self.places[member]

    def lobby_listing(self) -> LobbyList:
        """The lobby's list, with the rooms changed since put again."""
        lobby_list = self.lobby_list
        relist, self._relist = self._relist, {}
        for key in relist:
            room = self.by_key.get(key)
            if room is None:
                lobby_list.drop(key)
            else:
                lobby_list.put(key, room.info())
        return lobby_list

    def changed(self, room: Room) -> None:
        """Room ``room``'s listing changed (made, joined, left...)."""
        self.listing_changed(room.key, room.name)

    def listing_changed(self, key: str, name: str) -> None:
        """Room ``key``'s listing changed (made, joined, left, gone...):
        for the lobby's watchers, and its list."""
        self.lobby.changed(key, name)
        self._relist[key] = None

    async def _lobby_entries(self, changed: dict[str, str]) -> LobbyChanges:
        return self.lobby_listing().watched(changed)
