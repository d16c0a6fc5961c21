"""What a ``draft/metadata-2`` client is sent of the metadata it
subscribed to without asking (:mod:`chatroom.doors.irc.metadata`): on
``JOIN``, the channel's and its members', and the same for ``SYNC``.

A module of its own so that ``JOIN`` (:mod:`chatroom.doors.irc.commands`)
sends it without the ``METADATA`` command's imports."""

from __future__ import annotations

from chatroom.core.model.text import name_key
from chatroom.core.rooms.roominfo import Roster
from chatroom.doors.irc.caps import has_metadata
from chatroom.doors.irc.replay import in_batch
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build, channel

RPL_KEYVALUE = "761"
RPL_METADATASYNCLATER = "774"

#: A channel of more members than this has its members' metadata asked
#: for with ``SYNC`` (``774``), not sent on ``JOIN``: each costs a read.
SYNC_AT_ONCE = 50


def synced(session: IRCSession, target: str, kept: dict[str, str]) -> bytes:
    """``761 * target key * :value`` for each key of ``kept`` the client
    subscribed to (``SYNC``, ``JOIN``)."""
    return b"".join(
        build(session.me, RPL_KEYVALUE, "*", target, key, "*", value)
        for key, value in kept.items()
        if key in session.metadata_subs
    )


def batch(session: IRCSession, target: str, data: bytes) -> None:
    session.send(in_batch(session.renderer, "metadata", (target,), data))


async def members_synced(session: IRCSession, roster: Roster) -> bytes:
    """The subscribed keys of the members of a room (its ``roster``) but
    the client, or ``774`` if there are more than :data:`SYNC_AT_ONCE`
    (nothing if the client subscribed to none)."""
    if not session.metadata_subs:
        return b""
    room = roster.room
    others = [n for n in roster.members if name_key(n) != name_key(session.nick)]
    if len(others) > SYNC_AT_ONCE:
        return build(
            session.me, RPL_METADATASYNCLATER, session.nick, channel(room), "1"
        )
    profiles = session.registry.profiles
    return b"".join([synced(session, name, await profiles.of(name)) for name in others])


async def joined(session: IRCSession, room: str) -> None:
    """After a ``JOIN``'s burst, for a client that subscribed to keys: the
    channel's metadata and its members', in a ``metadata`` batch (as
    ``SYNC`` answers)."""
    if not has_metadata(session.caps) or not session.metadata_subs:
        return
    roster = await session.registry.rooms.room_details(room)
    data = synced(session, channel(room), dict(roster.policy.metadata))
    data += await members_synced(session, roster)
    if data:
        batch(session, channel(room), data)
