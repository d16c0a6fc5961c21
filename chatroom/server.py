"""The shared side of the chat server: configuration, names and rooms.

A :class:`ChatServer` owns everything that outlives a single connection: the
name registry, the rooms, the connection counts and the lobby watchers.
Protocol objects (``chatroom.protocol``) hold only their own connection's
state and call in here to claim names and find or create rooms.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IAddress, IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.rooms import Room
from chatroom.text import is_valid_name, name_key
from chatroom.wire import format_line

if TYPE_CHECKING:
    from chatroom.protocol import ChatProtocol


@dataclass
class ServerConfig:
    """Every tunable of the server, with the defaults ``twistd chatroom`` uses."""

    name: str = "chatroom"
    rooms: tuple[str, ...] = ("general",)
    room_capacity: int = 256
    max_rooms: int = 1024
    history: int = 50
    max_line: int = 4096
    max_unterminated: int = 64 * 1024
    rate: float = 1.0
    burst: int = 10
    max_clients: int = 10_000
    max_per_ip: int = 50
    login_timeout: float = 60.0
    sendq: int = 1024 * 1024
    ping_interval: float = 120.0
    ping_timeout: float = 60.0
    lobby_interval: float = 1.0
    shutdown_grace: float = 3.0


class ChatError(Exception):
    """A refusal the client is told about as ``ERR CODE text``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code, text)
        self.code = code
        self.text = text


class ChatServer:
    """Names, rooms and connections, shared by every connection.

    Names are unique under :func:`chatroom.text.name_key`; ``users`` maps
    that key to the connection holding it. Rooms are keyed the same way.
    """

    log = Logger()

    def __init__(self, config: ServerConfig, clock: IReactorTime) -> None:
        self.config = config
        self.clock = clock
        self.users: dict[str, ChatProtocol] = {}
        self.rooms: dict[str, Room] = {}
        self.connections: set[ChatProtocol] = set()
        self.open_connections: set[ChatProtocol] = set()
        self._closed_waiters: list[Deferred[None]] = []
        self.connections_per_host: Counter[str] = Counter()
        self.shutting_down = False
        self._watchers: set[ChatProtocol] = set()
        self._changed_rooms: dict[str, Room] = {}
        self._lobby_push: IDelayedCall | None = None
        self._add_permanent_rooms()

    def _add_permanent_rooms(self) -> None:
        for room_name in self.config.rooms:
            self._add_room(
                Room(
                    room_name,
                    self.config.room_capacity,
                    self.config.history,
                    permanent=True,
                )
            )

    def start(self) -> None:
        """The service has started (a cluster node connects to Redis here)."""

    def detach(self) -> Deferred[None]:
        """Every connection is closed: let go of shared state before exiting."""
        return succeed(None)

    # -- connections ----------------------------------------------------------

    def opened(self, connection: ChatProtocol) -> None:
        """A socket is open (admitted or not); shutdown waits for it."""
        self.open_connections.add(connection)

    def closed(self, connection: ChatProtocol) -> None:
        """A socket has closed; fire shutdown's wait when it was the last."""
        self.open_connections.discard(connection)
        if not self.open_connections:
            waiters, self._closed_waiters = self._closed_waiters, []
            for waiter in waiters:
                waiter.callback(None)

    def when_all_closed(self) -> Deferred[None]:
        """Fires once no socket is open any more."""
        if not self.open_connections:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._closed_waiters.append(waiter)
        return waiter

    def admit(self, connection: ChatProtocol, peer: IAddress) -> str | None:
        """Count a new connection in, or say why it is refused."""
        host = getattr(peer, "host", "")
        limit = self.config.max_per_ip
        if self.shutting_down:
            return "server shutting down"
        if self.config.max_clients and len(self.connections) >= self.config.max_clients:
            return "server full: too many connections"
        if limit and self.connections_per_host[host] >= limit:
            return f"too many connections from your address (limit {limit})"
        self.connections.add(connection)
        self.connections_per_host[host] += 1
        connection.host = host
        return None

    def forget(self, connection: ChatProtocol, reason: str) -> None:
        """Harvest a connection that is going away: its room, its name, its count.

        Idempotent: called when the server decides to close a connection and
        again from ``connectionLost``.
        """
        if connection not in self.connections:
            return
        self.connections.discard(connection)
        self.connections_per_host[connection.host] -= 1
        if not self.connections_per_host[connection.host]:
            del self.connections_per_host[connection.host]
        self.watch_lobby(connection, False)
        self._release(connection, reason)
        self.log.info(
            "{user} disconnected: {reason}",
            user=connection.name or connection.host,
            reason=reason,
        )

    def _release(self, connection: ChatProtocol, reason: str) -> None:
        """Free a departing connection's room place and name."""
        if connection.room is not None:
            self.leave_room(connection, reason, announce=not self.shutting_down)
        if connection.name is not None:
            self.users.pop(name_key(connection.name), None)

    # -- names ----------------------------------------------------------------

    def claim_name(self, connection: ChatProtocol, name: str) -> None:
        """Give ``name`` to ``connection`` (releasing its old one), or refuse."""
        if not is_valid_name(name):
            raise ChatError(
                "BAD_NAME",
                "names are 1-32 letters, digits, '_', '-' or '.'",
            )
        key = name_key(name)
        holder = self.users.get(key)
        if holder is not None and holder is not connection:
            raise ChatError("NAME_TAKEN", f"{name} is taken, choose another name")
        if connection.name is not None:
            del self.users[name_key(connection.name)]
        self.users[key] = connection

    def find_user(self, name: str) -> ChatProtocol:
        """The connection named ``name``, or ``NO_SUCH_USER``."""
        user = self.users.get(name_key(name))
        if user is None:
            raise ChatError("NO_SUCH_USER", f"nobody is called {name}")
        return user

    # -- rooms ----------------------------------------------------------------

    def find_room(self, name: str) -> Room:
        """The room called ``name``, or ``NO_SUCH_ROOM``."""
        room = self.rooms.get(name_key(name))
        if room is None:
            raise ChatError("NO_SUCH_ROOM", f"there is no room called {name}")
        return room

    def create_room(self, name: str, owner: ChatProtocol) -> Room:
        """A new empty room owned by ``owner``, or the reason it cannot exist."""
        if not is_valid_name(name):
            raise ChatError(
                "BAD_NAME", "room names are 1-32 letters, digits, '_', '-' or '.'"
            )
        if name_key(name) in self.rooms:
            raise ChatError("ROOM_EXISTS", f"{name} already exists; /join it")
        if len(self.rooms) >= self.config.max_rooms:
            raise ChatError(
                "TOO_MANY_ROOMS",
                f"the server has its maximum of {self.config.max_rooms} rooms",
            )
        room = Room(name, self.config.room_capacity, self.config.history, owner=owner)
        self._add_room(room)
        self.log.info("{user} created room {room}", user=owner.name, room=name)
        return room

    def check_space(self, room: Room) -> None:
        """Refuse with ``ROOM_FULL`` if ``room`` has no place for one more."""
        if room.is_full:
            raise ChatError("ROOM_FULL", f"{room.name} is full ({room.capacity})")

    def enter_room(self, connection: ChatProtocol, room: Room) -> None:
        """Put a lobby connection into ``room`` and send it the room's welcome."""
        self.check_space(room)
        room.add(connection)
        connection.room = room
        connection.send(room.welcome_lines())
        self.room_changed(room)
        self.log.info("{user} joined {room}", user=connection.name, room=room.name)

    def leave_room(
        self, connection: ChatProtocol, reason: str, announce: bool = True
    ) -> None:
        """Take ``connection`` out of its room; remove the room if it is now empty."""
        room = connection.room
        assert room is not None
        connection.room = None
        room.remove(connection, reason, announce=announce)
        if not room.members and not room.permanent:
            self.remove_room(room)
        else:
            self.room_changed(room)

    def delete_room(self, room: Room, by: str) -> None:
        """``/delete``: tell the members, return them to the lobby, drop the room."""
        room.broadcast(format_line("DELETED", room.name, by))
        members = list(room.members)
        room.members.clear()
        self.remove_room(room)
        listing = self.room_list()
        for member in members:
            member.returned_to_lobby(listing)
        self.log.info("{user} deleted {room}", user=by, room=room.name)

    def remove_room(self, room: Room) -> None:
        """Forget a room (its members must already be gone)."""
        del self.rooms[room.key]
        self.room_changed(room)

    def _add_room(self, room: Room) -> None:
        self.rooms[room.key] = room
        self.room_changed(room)

    def room_list(self) -> bytes:
        """``ROOMS n`` and one ``ROOM`` line per room, as one write."""
        return format_line("ROOMS", str(len(self.rooms))) + b"".join(
            room.listing_line() for room in self.rooms.values()
        )

    # -- lobby watchers ---------------------------------------------------------

    def watch_lobby(self, connection: ChatProtocol, watching: bool) -> None:
        """Start or stop pushing room changes to ``connection`` (``/watch``)."""
        if watching:
            self._watchers.add(connection)
        else:
            self._watchers.discard(connection)

    def room_changed(self, room: Room) -> None:
        """Note a room whose listing changed; watchers hear of it within a tick.

        Changes are batched per ``lobby_interval`` so that a burst of joins
        costs watchers one line per room, not one per join.
        """
        if not self._watchers or self.shutting_down:
            return
        self._changed_rooms[room.key] = room
        if self._lobby_push is None:
            self._lobby_push = self.clock.callLater(
                self.config.lobby_interval, self._push_lobby_changes
            )

    def _push_lobby_changes(self) -> None:
        self._lobby_push = None
        changed, self._changed_rooms = self._changed_rooms, {}
        lines = []
        for key, room in changed.items():
            current = self.rooms.get(key)
            if current is None:
                lines.append(format_line("ROOM_GONE", room.name))
            else:
                lines.append(current.listing_line())
        data = b"".join(lines)
        if not data:
            return
        for watcher in self._watchers:
            if watcher.room is None:
                watcher.send(data)

    def stop(self) -> None:
        """Cancel the server's own timers (for shutdown and tests)."""
        if self._lobby_push is not None and self._lobby_push.active():
            self._lobby_push.cancel()
        self._lobby_push = None
