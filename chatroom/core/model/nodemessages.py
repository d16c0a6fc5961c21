"""What cluster nodes tell each other besides events, as typed values.

Nodes speak through Redis, in :mod:`chatroom.core.model.codec`'s encoding (one
JSON object, its type's name under ``"type"``): a node encodes each and
hands it to the script that publishes it (a session's end is handed its
:class:`EndSession`: ``chatroom.backends.redis.endings.telling``), but for
the ``Watched`` news, which the Lua of a claim, a resume and a name freed
writes (``cjson.encode``); nodes of one cluster run one version.

A node's channel (``P node:n``) carries, for one of node n's sessions,
``"conn OBJECT"``, or ``"* OBJECT"`` for every named session, where
OBJECT is an event to hand on or one of the orders below::

    7 {"type":"EndSession","reason":"killed by an operator"}
    7 {"type":"ShowRoom","room":"tea"}
    7 {"type":"EndDevice","number":2,"reason":"logged out"}

A room's channel and log carry ``"seq EVENT"``, or, rarely,
``"seq ~HEAD EVENT"``: a head saying who the event is for, one of
:class:`NewsHead` and :class:`KickHead` (a ``~`` and no space before the
event: an ordinary event costs one byte's check)::

    12 ~{"type":"NewsHead","number":8,"rooms":2,"unless":"bob"} {"type":"Renamed",...}
    13 ~{"type":"KickHead","session":"n1:7"} {"type":"Departure",...}
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.text import name_key


@dataclass(frozen=True)
class EndSession:
    """End the session: Redis released it (its user signed in elsewhere,
    was killed or banned)."""

    reason: str


@dataclass(frozen=True)
class ShowRoom:
    """Another node's device of the session's user entered room ``room``
    (its key): seat this session there too."""

    room: str


@dataclass(frozen=True)
class EndDevice:
    """``/logout`` of device ``number`` of the session's account (a device
    this node holds): it disconnects, saying ``reason``."""

    number: int
    reason: str


@dataclass(frozen=True)
class NetworkBanned:
    """A network was banned from the server (``ip:`` ``mask``, kept with
    ``terms``, :class:`chatroom.core.moderation.netbans.BanTerms` encoded): every node
    ends its connections from there. Sent as ``* OBJECT``."""

    mask: str
    terms: str


@dataclass(frozen=True)
class NetworkBanLifted:
    """The ban of a network (``ip:`` ``mask``) was lifted: every node's
    copy of the network bans lets it in again. Sent as ``* OBJECT``."""

    mask: str


@dataclass(frozen=True)
class LockdownSet:
    """The server's lockdown level is now ``level``, set by ``by``: every
    node's copy of it takes it. Sent as ``* OBJECT``."""

    level: str
    by: str


@dataclass(frozen=True)
class IgnoresChanged:
    """Account ``account`` now ignores ``names`` (name keys): every node's
    seats signed in to it take the list. Sent as ``* OBJECT``."""

    account: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class StandHere:
    """Node ``node`` is stopping and holds these accounts' members with no
    connection (``names``: a bot joined through the REST API, a Matrix
    user the bridge seats): every other node stands each of them
    (:mod:`chatroom.core.rooms.standing`), so the account keeps a device
    in its rooms when that node lets go of its own, and the rooms hear no
    ``QUIT`` and no ``JOIN``. Sent as ``* OBJECT``."""

    node: str
    names: tuple[str, ...]


#: An order for one of a node's sessions (or, ``NetworkBanned``,
#: ``NetworkBanLifted``, ``LockdownSet``, ``IgnoresChanged`` and
#: ``StandHere``, for all).
SessionOrder = (
    EndSession
    | ShowRoom
    | EndDevice
    | NetworkBanned
    | NetworkBanLifted
    | LockdownSet
    | IgnoresChanged
    | StandHere
)


@dataclass(frozen=True)
class NewsHead:
    """News of a user (a rename, a sign-in), published in each of the
    ``rooms`` (a count) it shares with others under one news ``number``,
    which a node hands each of its members once."""

    number: int
    #: How many rooms it was published in.
    rooms: int
    #: The name key of the one member not to hand it to ("": nobody).
    unless: str

    def narrow_to(self, name: str | None) -> bool:
        """Whether the member called ``name`` may be handed it (it is not
        the one left out)."""
        return not self.unless or name is None or name_key(name) != self.unless


@dataclass(frozen=True)
class KickHead:
    """A kick's departure: its node gives the kicked ``session`` (a token,
    ``node:conn``) ``Kicked`` instead, at the room's event itself."""

    session: str


#: What a room's entry may carry before its event.
EntryHead = NewsHead | KickHead
