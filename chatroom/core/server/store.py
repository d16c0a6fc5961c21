"""The server and its nodes as a back-end keeps them: who is online where.

Who holds a name (connected, or a registered name), every name held, an
account's devices on the other nodes of a cluster, users' presence, the
nicks gone, the processes' connection counts, the bots' open event streams
and the news of watched names:
what one node reads of the others (none in one process). What a node tells
the others goes on the bus (:mod:`chatroom.core.server.bus`).
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.infra.seats import Session
from chatroom.core.model.facts import Target, WelcomeFacts
from chatroom.core.model.member import Member
from chatroom.core.model.presence import PresenceSteps
from chatroom.core.model.whowas import WhowasSteps
from chatroom.core.server.bus import DeviceRow
from chatroom.core.server.census import CensusSteps
from chatroom.core.server.streams import StreamStore
from chatroom.core.server.watching import WatchSteps


class OtherNodes(Protocol):
    """An account's devices on the other nodes of a cluster (none in one
    process, where an account's devices share one seat): what
    :mod:`chatroom.core.services.devices` needs to count, list, show and end them."""

    async def held_elsewhere(
        self, member: Member, session: Session
    ) -> list[str] | None:
        """``member`` has just signed in: None if its name is held on no
        other node, else the keys of the rooms its user is in there (the
        core then shows each to it: :meth:`show`)."""
        ...

    async def show(
        self, member: Member, session: Session, key: str, since: int | None
    ) -> WelcomeFacts | None:
        """Seat ``member`` here in room ``key``, which its account is in by
        a device on another node (from ``since``; the room hears nothing),
        and answer what its devices' join replies are built from, as a
        join's step does; None if it is here already.

        Raises:
            ChatError: ``NOT_IN_ROOM`` (the account left it meanwhile),
                ``NO_SUCH_ROOM`` (deleted meanwhile), ``UNAVAILABLE``.
        """
        ...

    async def number(self, account: str, limit: int = 0) -> int | None:
        """A number for one more device of ``account``, unique among its
        devices on every node (None: the seat numbers its own, and the core
        counts them). With a ``limit`` (the core's ``--max-devices``), the
        count and the claim are one atomic step over every node: 0 if the
        account has ``limit`` devices already, counting those numbered and
        not yet published (:meth:`~chatroom.core.server.bus.Bus.publish_devices`)."""
        ...

    async def listed(self, account: str, token: str) -> list[DeviceRow]:
        """The account's devices on every node but this one's seat ``token``
        ("": every node)."""
        ...

    async def end(self, account: str, token: str, number: int, reason: str) -> bool:
        """Close device ``number`` of ``account`` on another node than seat
        ``token``'s (``reason`` its ``BYE``); False if no node has it."""
        ...


class ServerStore(Protocol):
    """The names held, and what this node reads of the others."""

    async def find_user(self, name: str) -> Target | None:
        """The user called ``name``: connected, or else a registered name."""
        ...

    async def names_online(self) -> list[str]:
        """Every name held now, on every node, as shown: one read."""
        ...

    async def backup(self, path: str) -> None:
        """A copy of what is stored, written to a new file at ``path``
        (chatroom-admin's ``backup``): the SQLite file, consistent, by its
        one writer; in cluster mode, Redis's keys as they are read.

        Raises:
            ChatError: ``NOT_SUPPORTED`` where there is nothing to copy.
        """
        ...

    @property
    def other_nodes(self) -> OtherNodes:
        """An account's devices on other nodes (none in one process)."""
        ...

    @property
    def presence(self) -> PresenceSteps:
        """Users' presence as the other nodes published it
        (:mod:`chatroom.core.model.presence`)."""
        ...

    @property
    def whowas(self) -> WhowasSteps:
        """The nicks gone, read by every node (:mod:`chatroom.core.model.whowas`)."""
        ...

    @property
    def census(self) -> CensusSteps:
        """Every process's counts of its connections, for ``LUSERS``
        (:mod:`chatroom.core.server.census`)."""
        ...

    @property
    def streams(self) -> StreamStore:
        """The bots' open event streams, counted over every node
        (:mod:`chatroom.core.server.streams`)."""
        ...

    @property
    def watching(self) -> WatchSteps:
        """Who hears news of watched names (:mod:`chatroom.core.server.watching`)."""
        ...
