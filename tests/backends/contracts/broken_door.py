"""A door with a bug, for the contract's test that one door's failure to
take an event hurts no other member (:mod:`tests.backends.contracts.handler`)."""

from __future__ import annotations

from chatroom.core.model.events import (
    Event,
    Listing,
    LobbyChanges,
    Message,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import MessageWriter
from chatroom.core.registry import Registry


class DeliveryBugError(Exception):
    """What :class:`BrokenDoor` raises: a door's bug, as the core meets it."""


class BrokenDoor:
    """A door with a bug: it cannot take a ``MSG``. On being disconnected it
    releases its session, as every door does when its connection goes."""

    door = "broken"

    def __init__(self, registry: Registry, name: str) -> None:
        self.registry = registry
        self.name = name
        self.rooms: list[str] = []
        self.closed: str | None = None

    def deliver(self, event: Event) -> None:
        if isinstance(event, Message):
            raise DeliveryBugError(event.text)

    def message_writer(self) -> MessageWriter | None:
        """Messages through :meth:`deliver`."""
        return None

    def entered(self, welcome: Welcome) -> None:
        self.rooms.append(welcome.room)

    def removed(self, room: str, listing: Listing | None) -> None:
        self.rooms.remove(room)

    def room_renamed(self, renamed: RoomRenamed) -> None:
        self.rooms[self.rooms.index(renamed.room)] = renamed.new

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """Not watched."""

    #: One room at a time, as a line connection without ``multi``.
    views_every_room = False
    #: Never caught up from a marker: never in every room.
    starts_blank = False

    def shown_marker(self, room: str, marker: int | None) -> None:
        """Never a device in every room: never shown a room unasked."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        self.removed(room, listing)

    def disconnect(self, reason: str) -> None:
        self.closed = reason
        self.registry.release(self, reason)


def _said(event: Event) -> bytes:
    """A message's bytes, as :class:`BrokenWriter` is written them."""
    assert isinstance(event, Message)
    return event.text.encode()


class BrokenWriter(BrokenDoor):
    """A door with the same bug in its send queue's ``write``, which a
    room's fan-out calls with a message's bytes (its ``message_writer``)."""

    door = "broken-writer"

    def message_writer(self) -> MessageWriter | None:
        return MessageWriter(self.name, _said, self.write)

    def write(self, data: bytes) -> None:
        raise DeliveryBugError(data.decode())


def _named(event: Event) -> bytes:
    """Any event's bytes, as :class:`BrokenEventWriter` is written them."""
    return type(event).__name__.encode()


class BrokenEventWriter(BrokenDoor):
    """A door whose send queue takes every room event as its bytes (as the
    line door's does), with a bug in its ``write`` for a topic: a room's
    fan-out writes the topic's bytes to it."""

    door = "broken-event-writer"

    def message_writer(self) -> MessageWriter | None:
        return MessageWriter(self.name, _named, self.write, every_event=True)

    def write(self, data: bytes) -> None:
        if data == b"TopicChanged":
            raise DeliveryBugError(data.decode())
