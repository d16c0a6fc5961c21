"""What every node knows of a user wherever it is connected: its presence.

IRC's ``WHO``, ``WHOIS``, ``USERHOST`` and a private message's ``301``
show facts of a user that only its own door had (the ``USER`` name, the
realname, an away message, ``+B`` and ``+i``). A node's IRC door keeps
them for its own users; so that another node answers for them too, the
door hands them to the core whenever they change
(:meth:`chatroom.core.services.presence.PresenceService.set_presence`), and the back-end
keeps them where every node reads them: in Redis, one hash per user,
dropped with its name (:mod:`chatroom.backends.redis.presence`). In one
process every IRC user is its door's own, so there is nothing to keep
(:class:`chatroom.backends.local.other_nodes.NoOtherNodes`).

A read names the users it needs (a channel's members, one nick) and costs
one call for all of them: never a scan of every user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: What a session keeps of its profile: (key, value) pairs
#: (:mod:`chatroom.core.accounts.profiles`).
Metadata = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Presence:
    """One user's facts as its door gave them."""

    #: The name shown (its case as its user chose it).
    name: str
    #: The ``USER`` name ("" for none given) and the realname.
    user: str = ""
    realname: str = ""
    #: The away message ("": here).
    away: str = ""
    #: ``+B`` (a bot) and ``+i`` (invisible).
    bot: bool = False
    invisible: bool = False
    #: When it signed on (Unix seconds).
    signed_on: float = 0.0
    #: The account its session is signed in to ("" for none); filled in by
    #: a read, from where the cluster keeps it.
    account: str = ""
    #: The metadata its session keeps (key, value pairs: what a user
    #: without an account tells others, :mod:`chatroom.core.accounts.profiles`);
    #: filled in by a read, written by
    #: :meth:`~chatroom.core.server.bus.Bus.publish_metadata`.
    metadata: tuple[tuple[str, str], ...] = ()


class PresenceSteps(Protocol):
    """Where users' presence is kept for the other nodes (published on the
    bus: :meth:`~chatroom.core.server.bus.Bus.publish_presence`)."""

    async def read(self, keys: Sequence[str]) -> dict[str, Presence]:
        """The presence of those of ``keys`` that are online and have one,
        by key: one call, however many."""
        ...

    async def metadata(self, keys: Sequence[str]) -> dict[str, Metadata]:
        """What the sessions of those of ``keys`` that are online keep of
        their profiles (published by a session of any door, with presence
        or not: a plain name at the line door or the page too), by key,
        for those that keep some: one call, however many."""
        ...
