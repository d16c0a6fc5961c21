"""What a back-end publishes and keeps nothing of: the one bus.

Every call here hands an event (or a node's own news: presence, a census,
an account's devices) to whoever should have it, on this node and the
others, and changes nothing the core decides on: a write that rests on
premises is a change (:meth:`chatroom.core.backend.Backend.apply`). One
back-end has one bus (its ``bus``): in one process a fan-out to its
members, in a cluster a publish on Redis's channels that every node's
subscriber hands on. A service takes the bus when it tells, and its own
concern's store when it reads.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from chatroom.core.infra.seats import Session
from chatroom.core.model.events import (
    Event,
    PrivateRedacted,
    RoomEvent,
    ToEveryone,
    Watched,
)
from chatroom.core.model.facts import Target
from chatroom.core.model.member import Member
from chatroom.core.model.presence import Presence
from chatroom.core.server.census import Census


class CopyTo(NamedTuple):
    """Whose devices on the other nodes of a cluster get the sender's copy
    of a private message, in the step that tells or keeps it (one process
    has none: the core hands the seat's devices theirs): the sender's
    account (its name's key) and its seat's token, whose node the core
    serves itself. ``NO_COPY``: nobody's (a plain name, or a session
    signed in to an account its name is not)."""

    account: str
    token: str


#: No copy to anyone's other nodes.
NO_COPY = CopyTo("", "")


#: One device of an account, as ``/devices`` lists it: its number, its door
#: and when it signed in (Unix seconds).
DeviceRow = tuple[int, str, float]


class Bus(Protocol):
    """Events and news handed on, on every node, without being kept."""

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """``event`` to the connected session ``target`` names
        (``NO_SUCH_USER`` if it is gone), and in the same step to
        ``copy``'s devices on other nodes (the sender's copy)."""
        ...

    async def tell_neighbours(
        self, member: Member, session: Session, event: Event, including_self: bool
    ) -> None:
        """``event`` once to every member who shares a room with ``member``
        (on every node), and to ``member`` too if ``including_self``: news
        of a user rather than of a room (a rename, a sign-in)."""
        ...

    async def tell_everyone(self, event: ToEveryone) -> None:
        """``event`` to every named session (of every node)."""
        ...

    async def tell_devices(
        self, account: str, token: str, event: PrivateRedacted
    ) -> None:
        """``event`` (the sender's copy of a private message's deletion) to
        the account's devices on the nodes other than seat ``token``'s (the
        copy of a message goes with it:
        :class:`~chatroom.core.messages.private.CopyTo`)."""
        ...

    async def stand_elsewhere(self, names: tuple[str, ...]) -> int:
        """This node is stopping and holds the accounts ``names`` stand
        in their rooms with no connection: every other node is told to
        stand them too (:class:`~chatroom.core.model.nodemessages.StandHere`).
        How many other nodes were told (0: none, or one process)."""
        ...

    async def tell_watchers(self, news: Watched) -> None:
        """``news`` of a name to every listener of every node, this one's
        included (IRC's ``MONITOR``: :mod:`chatroom.core.server.watching`)."""
        ...

    async def relay(
        self, member: Member, session: Session, room: str, event: RoomEvent
    ) -> None:
        """``event`` to room ``room``'s members without keeping it (a
        typing notice, a message to the operators): ``member``'s, who must
        be in it (``NOT_IN_ROOM``)."""
        ...

    async def attach(self, room: str, event: RoomEvent) -> None:
        """``event`` to the members of room ``room`` (as a store's
        ``joined_room`` named it) without keeping it, whoever is there: a
        link preview the server fetched for one of its messages
        (:mod:`chatroom.core.messages.previews`), after its author may have left.
        Nothing if the room is gone."""
        ...

    def publish_devices(
        self, account: str, token: str, devices: list[DeviceRow]
    ) -> None:
        """The devices of seat ``token`` of ``account`` here are now
        ``devices`` (none: the seat has let go), for the other nodes."""

    async def publish_presence(self, key: str, token: str, facts: Presence) -> None:
        """User ``key`` (a name key), held by seat ``token``, is now
        ``facts`` for the other nodes' ``WHO`` and ``WHOIS``
        (:mod:`chatroom.core.model.presence`); nothing is kept if the seat no
        longer holds the name."""
        ...

    async def publish_metadata(
        self, key: str, token: str, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        """User ``key``'s session (seat ``token``) now keeps ``metadata``
        (:mod:`chatroom.core.accounts.profiles`), beside what its door gave; nothing
        is kept if the seat no longer holds the name. It is read with the
        door's facts, so a user of a door that keeps none shows none to
        other nodes."""
        ...

    async def publish_census(self, here: Census) -> None:
        """This process's counts of its connections are now ``here``
        (:mod:`chatroom.core.server.census`); returns once every process's total
        counts them (a lost one is made good by the next, and by a
        resume)."""
        ...
