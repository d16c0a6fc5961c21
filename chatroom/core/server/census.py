"""How many users the whole server has, wherever they are connected (IRC's ``LUSERS``).

Each process counts its own connections as they change (its doors' server,
:class:`chatroom.doors.base.hub.DoorHub`): the named ones, those of
them that are invisible (IRC's ``+i``), and those not named yet. One
process is the whole server, so its counts are the answer. A cluster node
hands its counts to the back-end at each change (:meth:`CensusSteps.publish`:
in Redis, one ``HSET`` of its field of ``P census``), which a sign-on
waits for before its welcome and a goodbye before its socket closes, so
whatever the user does next, another node counts it; a question adds
the other nodes' fields to its own counts (:meth:`CensusSteps.total`: one
read, a field per node, never a walk over the users). A node that dies
stops counting as soon as its heartbeat is gone (one only stalled, its
connection to Redis open, counts until it is harvested), and its harvest
drops its field (:mod:`chatroom.backends.redis.census`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Census:
    """Connections counted, at one process or over all."""

    #: Connections with a name (every door's).
    users: int = 0
    #: Of those, IRC users with ``+i``.
    invisible: int = 0
    #: Connections not named yet.
    unknown: int = 0

    def __add__(self, other: Census) -> Census:
        return Census(
            self.users + other.users,
            self.invisible + other.invisible,
            self.unknown + other.unknown,
        )


class CensusSteps(Protocol):
    """Where the processes' counts meet (each published on the bus:
    :meth:`~chatroom.core.server.bus.Bus.publish_census`)."""

    async def total(self, here: Census) -> Census:
        """The counts of every process, this one's being ``here``."""
        ...


class OneProcess:
    """One process is the whole server: nothing to share."""

    async def total(self, here: Census) -> Census:
        return here
