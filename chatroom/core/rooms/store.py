"""Rooms and seating as a back-end keeps them: the reads the core decides on.

A join, a create, a leave, a topic, a rename, a deletion or a moderation
command is decided on what is read here (a room's facts, its seating,
whether a name is free) and handed back as one change
(:meth:`chatroom.core.backend.Backend.apply`). The rooms' webhooks and
slash commands are kept with the rooms (:attr:`RoomStore.hooks`,
:attr:`RoomStore.commands`).
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.model.calls import CallStore
from chatroom.core.model.events import Listing
from chatroom.core.model.facts import CreationFacts, DecisionFacts, SeatingFacts
from chatroom.core.model.hooks import HookStore
from chatroom.core.model.member import Member
from chatroom.core.model.slash_commands import CommandStore
from chatroom.core.rooms.roominfo import Roster


class RoomStore(Protocol):
    """Which rooms there are, who sits where, and what each is decided on."""

    async def seating_facts(
        self, member: Member, room: str, latest: bool = False
    ) -> SeatingFacts:
        """Room ``room``'s facts about ``member`` (``NO_SUCH_ROOM``): what a
        join or a leave is decided on. A back-end may answer what it knew
        last (the apply checks the premises), unless asked for the
        ``latest``."""
        ...

    async def creation_facts(self, name: str) -> CreationFacts:
        """What making room ``name`` is decided on (a back-end may answer
        none known: the apply checks the premises)."""
        ...

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        """Room ``room`` (``NO_SUCH_ROOM``) and the user called ``target``."""
        ...

    def joined_room(self, member: Member, room: str) -> str:
        """The name of room ``room``, which ``member`` must be in
        (``NOT_IN_ROOM``)."""
        ...

    def rooms_of(self, member: Member) -> list[str]:
        """The names of the rooms ``member`` is in (on this node)."""
        ...

    async def list_rooms(self) -> Listing:
        """Every room, oldest first."""
        ...

    async def count_rooms(self) -> int:
        """How many rooms there are, secret ones too (``LUSERS``): the
        count of :meth:`list_rooms`, without making the listing."""
        ...

    async def lobby_rooms(self) -> Listing:
        """The lobby's list: at most ``--lobby-rooms`` rooms, with how many
        more (:class:`~chatroom.core.rooms.lobby_list.LobbyList`), and the secret
        rooms; read without going through every room."""
        ...

    async def roster(self, room: str) -> Roster:
        """Room ``room``'s members, owner and topic (``NO_SUCH_ROOM``)."""
        ...

    def watch_lobby(self, member: Member, watching: bool) -> Deferred[None]:
        """Start or stop :meth:`Member.lobby_changed` calls for ``member``;
        fires once every change from then on reaches it (a node of a
        cluster first has Redis confirm its subscription)."""
        ...

    @property
    def hooks(self) -> HookStore:
        """Where rooms' webhooks are kept (:mod:`chatroom.core.rooms.webhooks`)."""
        ...

    @property
    def commands(self) -> CommandStore:
        """Where rooms' slash commands are kept
        (:mod:`chatroom.core.rooms.slash_commands`)."""
        ...

    @property
    def room_calls(self) -> CallStore:
        """The rooms' calls, while they are on (nothing of them is stored;
        :mod:`chatroom.core.calls`)."""
        ...
