"""What one process tells and keeps nothing of: its fan-out.

:class:`LocalBus` is the in-process back-end's :class:`~chatroom.core.server.bus.Bus`:
an event to a user, to a user's neighbours, to everyone or to a room's
members goes straight to the members here (:func:`chatroom.core.infra.fanout.fan_out`),
and what a cluster publishes for its other nodes (presence, devices, the
census) has nobody to reach.
"""

from __future__ import annotations

from chatroom.backends.local.room_store import LocalRooms
from chatroom.backends.local.server_store import LocalServer
from chatroom.core.infra.fanout import deliver_to, fan_out
from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.events import (
    Event,
    PrivateRedacted,
    Renamed,
    RoomEvent,
    Sighting,
    ToEveryone,
    Watched,
)
from chatroom.core.model.facts import Target
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.core.server.bus import NO_COPY, CopyTo, DeviceRow
from chatroom.core.server.census import Census


class LocalBus:
    """Every event of this process, to the members it is for."""

    def __init__(self, rooms: LocalRooms, server: LocalServer) -> None:
        """Args:
        rooms: who is in which room (a room's members, a user's neighbours).
        server: who holds each name, and the names' watchers.
        """
        self.rooms = rooms
        self.server = server

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """One process: the core hands the sender's devices their copy."""
        recipient = self.server.users.get(target.key)
        sessions = self.server.sessions
        session = sessions.get(recipient) if recipient is not None else None
        if recipient is None or session is None or session.token != target.session:
            raise errors.no_such_user(target.name)
        deliver_to(recipient, event)

    async def stand_elsewhere(self, names: tuple[str, ...]) -> int:
        """One process: no other node to stand them."""
        return 0

    async def tell_neighbours(
        self, member: Member, session: Session, event: Event, including_self: bool
    ) -> None:
        neighbours: dict[Member, None] = {}  # each once, in the rooms' order
        for room in self.rooms.places.get(member, ()):
            neighbours.update(dict.fromkeys(room.members))
        if not including_self:
            neighbours.pop(member, None)
        elif member not in neighbours:
            neighbours[member] = None
        fan_out(neighbours, event)
        if isinstance(event, Renamed) and name_key(event.old) != name_key(event.new):
            watching = self.server.watching
            watching.hear(Watched(event.old, Sighting.OFFLINE))
            watching.hear(Watched(event.new, Sighting.ONLINE))

    async def tell_everyone(self, event: ToEveryone) -> None:
        fan_out(self.server.sessions.addressed(event), event)

    async def tell_devices(
        self, account: str, token: str, event: PrivateRedacted
    ) -> None:
        """The seat's other devices have it already."""

    async def tell_watchers(self, news: Watched) -> None:
        self.server.watching.hear(news)

    async def relay(
        self, member: Member, session: Session, room: str, event: RoomEvent
    ) -> None:
        self.rooms.room_of(member, room).broadcast(event)

    async def attach(self, room: str, event: RoomEvent) -> None:
        found = self.rooms.by_key.get(name_key(room))
        if found is not None:
            found.broadcast(event)

    def publish_devices(
        self, account: str, token: str, devices: list[DeviceRow]
    ) -> None:
        """Nobody else to tell."""

    async def publish_presence(self, key: str, token: str, facts: Presence) -> None:
        """No other node asks."""

    async def publish_metadata(
        self, key: str, token: str, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        """No other node asks."""

    async def publish_census(self, here: Census) -> None:
        """Nobody else asks."""
