"""The in-process registry: names and rooms of a server that runs alone.

Everything lives in this process's memory and every operation completes
in the call that asks for it (the coroutines never wait), so the line
door's handlers run to completion as plain calls. Every rule comes from
:mod:`chatroom.rules`; every refusal from :mod:`chatroom.errors`.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom import errors, rules
from chatroom.config import ServerConfig
from chatroom.events import (
    Event,
    Listing,
    LobbyChanges,
    RoomDetails,
    RoomGone,
    RoomInfo,
    history_event,
)
from chatroom.lobby import LobbyWatchers
from chatroom.registry import Member
from chatroom.rooms import Room
from chatroom.text import name_key
from chatroom.wire import format_time


class LocalRegistry:
    """Names, rooms and lobby watchers in one process.

    Names are unique under :func:`chatroom.text.name_key`: ``users`` maps
    that key to the member holding it and ``names`` each member to the name
    it is shown by. Rooms are keyed the same way; ``places`` lists the rooms
    each member is in.
    """

    log = Logger()

    def __init__(self, config: ServerConfig, clock: IReactorTime) -> None:
        self.config = config
        self.clock = clock
        self.users: dict[str, Member] = {}
        self.names: dict[Member, str] = {}
        self.rooms: dict[str, Room] = {}
        self.places: dict[Member, list[Room]] = {}
        self.stopping = False
        self.lobby = LobbyWatchers(clock, config.lobby_interval, self._lobby_entries)
        for room_name in config.rooms:
            self._add_room(
                Room(room_name, config.room_capacity, config.history, permanent=True)
            )

    # -- life -------------------------------------------------------------------

    def start(self) -> None:
        """Nothing to connect to."""

    def stop(self) -> None:
        """Shutdown: departures are no longer announced, no more lobby pushes."""
        self.stopping = True
        self.lobby.stop()

    def detach(self) -> Deferred[None]:
        return succeed(None)

    # -- names ----------------------------------------------------------------

    async def claim_name(self, member: Member, name: str) -> bool:
        rules.check_name(name)
        key = name_key(name)
        holder = self.users.get(key)
        if holder is not None and holder is not member:
            raise errors.name_taken(name)
        old = self.names.get(member)
        if old is not None:
            del self.users[name_key(old)]
        self.users[key] = member
        self.names[member] = name
        rooms = self.places.get(member, [])
        if old is None or not rooms:
            return False
        nick = Event("NICK", (old, name))
        for room in rooms:
            room.rename(member, name)
            room.broadcast(nick)
        return True

    def release(self, member: Member, reason: str) -> None:
        self.lobby.watch(member, False)
        for room in list(self.places.get(member, ())):
            self._leave(member, room, reason, announce=not self.stopping)
        name = self.names.pop(member, None)
        if name is not None:
            del self.users[name_key(name)]

    async def private_message(self, member: Member, target: str, text: str) -> Event:
        rules.check_text(text)
        recipient = self.users.get(name_key(target))
        if recipient is None:
            raise errors.no_such_user(target)
        stamp = format_time(self.clock.seconds())
        event = Event(
            "PRIVMSG", (self.names[member], self.names[recipient], stamp), text
        )
        recipient.deliver(event)
        return event

    # -- rooms ----------------------------------------------------------------

    async def list_rooms(self) -> Listing:
        return Listing([room.info() for room in self.rooms.values()])

    def _find(self, name: str) -> Room:
        room = self.rooms.get(name_key(name))
        if room is None:
            raise errors.no_such_room(name)
        return room

    def _room_of(self, member: Member, name: str) -> Room:
        """The room ``name``, which ``member`` must be in."""
        room = self.rooms.get(name_key(name))
        if room is None or member not in room.members:
            raise errors.not_in_room()
        return room

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        rules.check_room_name(name)
        if name_key(name) in self.rooms:
            raise errors.room_exists(self.rooms[name_key(name)].name)
        rules.check_room_count(len(self.rooms), self.config.max_rooms)
        room = Room(name, self.config.room_capacity, self.config.history, owner=member)
        self._add_room(room)
        self.log.info("{user} created room {room}", user=self.names[member], room=name)
        self._enter(member, room, leaving)

    async def join_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        room = self._find(name)
        if member in room.members:
            raise errors.already_in_room(room.name)
        rules.check_space(room.facts())  # before leaving: a refusal keeps us there
        self._enter(member, room, leaving)

    def _enter(self, member: Member, room: Room, leaving: str | None) -> None:
        if leaving is not None:
            old = self.rooms.get(name_key(leaving))
            if old is not None and member in old.members:
                self._leave(member, old, f"left for {room.name}")
        name = self.names[member]
        room.add(member, name)
        self.places.setdefault(member, []).append(room)
        member.entered(room.welcome())
        self._room_changed(room)
        self.log.info("{user} joined {room}", user=name, room=room.name)

    async def leave_room(self, member: Member, room: str, reason: str) -> None:
        self._leave(member, self._room_of(member, room), reason)

    def _leave(
        self, member: Member, room: Room, reason: str, announce: bool = True
    ) -> None:
        room.remove(member, reason, announce=announce)
        places = self.places[member]
        places.remove(room)
        if not places:
            del self.places[member]
        if not room.members and not room.permanent:
            self._remove_room(room)
        else:
            self._room_changed(room)

    async def say(self, member: Member, room: str, kind: str, text: str) -> None:
        rules.check_text(text)
        where = self._room_of(member, room)
        name, stamp = self.names[member], format_time(self.clock.seconds())
        where.broadcast(Event(kind, (where.name, name, stamp), text))
        where.remember(history_event(kind, where.name, name, stamp, text))

    async def room_details(self, room: str) -> RoomDetails:
        where = self._find(room)
        owner = where.members.get(where.owner) if where.owner is not None else None
        return RoomDetails(
            room=where.name,
            members=list(where.members.values()),
            owner=owner or "",
            topic=where.topic,
            topic_by=where.topic_by,
        )

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        rules.check_topic(topic)
        where = self._room_of(member, room)
        name = self.names[member]
        rules.check_set_topic(where.facts(), name_key(name))
        where.topic, where.topic_by = topic, name
        where.broadcast(Event("TOPIC", (where.name, name), topic))
        self._room_changed(where)

    async def delete_room(self, member: Member, name: str) -> None:
        room = self._find(name)
        by = self.names[member]
        rules.check_delete(room.facts(), name_key(by))
        room.broadcast(Event("DELETED", (room.name, by)))
        members = list(room.members)
        room.members.clear()
        self._remove_room(room)
        listing = await self.list_rooms()
        for gone in members:
            places = self.places[gone]
            places.remove(room)
            if not places:
                del self.places[gone]
            gone.removed(room.name, listing)
        self.log.info("{user} deleted {room}", user=by, room=room.name)

    def _add_room(self, room: Room) -> None:
        self.rooms[room.key] = room
        self._room_changed(room)

    def _remove_room(self, room: Room) -> None:
        del self.rooms[room.key]
        self._room_changed(room)

    # -- lobby watchers ---------------------------------------------------------

    def watch_lobby(self, member: Member, watching: bool) -> None:
        self.lobby.watch(member, watching)

    def _room_changed(self, room: Room) -> None:
        self.lobby.changed(room.key, room.name)

    async def _lobby_entries(self, changed: dict[str, str]) -> LobbyChanges:
        entries: list[RoomInfo | RoomGone] = []
        for key, name in changed.items():
            room = self.rooms.get(key)
            entries.append(RoomGone(name) if room is None else room.info())
        return LobbyChanges(entries)
