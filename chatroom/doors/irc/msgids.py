"""``msgid``: the line door's ids of a room's stored events as IRCv3 message ids.

The shared side numbers each room's stored events 1, 2, 3... (the ids the
line door shows: ``/join ROOM since ID``, ``HISTORY``, ``/caps ids``), and
never gives a number twice within a room name for as long as its store
lives: a room made again under an old name goes on from its last id. The
message-ids specification asks more of a ``msgid``: no other message on the
server, at any time, may share it. So the ``msgid`` of event ``ID`` of
room ``ROOM`` is

    EPOCH-ROOM-ID            3f9a0c11d2-6b1e04c2aa-42

- ``EPOCH``: the store's (:attr:`chatroom.core.registry.Registry.store_epoch`),
  made with a ``--db`` file or with a Redis's data and kept in it, so a
  restart keeps every ``msgid`` (a client holding one from yesterday can
  still ask ``CHATHISTORY BEFORE``), while a new file, a Redis that lost
  its data, or a server without ``--db`` (whose ids start again at each
  start) has another;
- ``ROOM``: a digest of the room's name key (the same for ``#Tea`` and
  ``#tea``), so two rooms' messages never share one;
- ``ID``: the line door's id, unchanged.

A ``msgid`` a client sends back (``CHATHISTORY ... msgid=``, ``REDACT``,
``+draft/reply``, ``+draft/react``) is read back to the line door's id only
in the room it names and for the store's own epoch; anything else names no
message of that room. A ``TAGMSG`` kept in a room's history (tags of the
client's own) is one of its stored events. Events that are not a room's
stored ones have ids of their own: a relayed ``TAGMSG``'s (a typing notice,
a reaction, one between two plain names) is the core's (``t...``, never
stored), a private message's a digest of what it was (:func:`private_msgid`:
the same for its kept copy and in its conversation's history, which numbers
it apart from every room), and so is a ``TAGMSG`` kept in a conversation
(:func:`private_tags_msgid`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from chatroom.core.model.text import name_key
from chatroom.wire.tags import Tags, format_tags


@lru_cache(maxsize=4096)
def room_digest(room: str) -> str:
    """The ``ROOM`` part of a room's ``msgid``s: 10 hex digits of its name
    key's BLAKE2b (cached: every message of a room names it)."""
    return hashlib.blake2b(name_key(room).encode("utf-8"), digest_size=5).hexdigest()


def private_msgid(sender: str, recipient: str, said_at: str, text: str) -> str:
    """The ``msgid`` of a private message: ``p`` and 18 hex digits of the
    BLAKE2b of its sender, recipient, time and text (what every copy of it
    shares, live, kept, or read back from its conversation)."""
    said = "\0".join((sender, recipient, said_at, text)).encode("utf-8")
    return "p" + hashlib.blake2b(said, digest_size=9).hexdigest()


def private_tags_msgid(sender: str, recipient: str, said_at: str, tags: Tags) -> str:
    """The ``msgid`` of a tags-only message kept in a private conversation:
    as :func:`private_msgid`, its tags for its text (after a NUL, which no
    message's text holds: never a message's ``msgid``)."""
    return private_msgid(sender, recipient, said_at, "\0" + format_tags(tags))


class MsgIds:
    """The door's ``msgid``\\ s, both ways, for one store's ``epoch``
    (read each time: a cluster node learns its Redis's anew when the
    data it had was lost)."""

    def __init__(self, epoch: Callable[[], str]) -> None:
        self.epoch = epoch

    def of(self, room: str, event_id: str | int) -> str:
        """The ``msgid`` of room ``room``'s stored event ``event_id``."""
        return f"{self.epoch()}-{room_digest(room)}-{event_id}"

    def event_id(self, room: str, msgid: str) -> int | None:
        """The line door's id of the event ``msgid`` names in ``room``, or
        None (another room's, another store lifetime's, not ours at all)."""
        epoch, _, rest = msgid.partition("-")
        digest, _, number = rest.partition("-")
        if epoch != self.epoch() or digest != room_digest(room):
            return None
        if not (number.isascii() and number.isdigit()) or number.startswith("0"):
            return None
        return int(number)
