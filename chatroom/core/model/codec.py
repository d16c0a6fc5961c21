"""Typed events as bytes, for what leaves the process: the one encoding.

Cluster nodes publish a room's events to each other through Redis, and keep
its history there; both use this encoding, never a door's line that would
have to be parsed back. An event is one JSON object (UTF-8, no spaces): its
type's name under ``"type"``, then each field under its own name, as
:mod:`chatroom.core.model.events` declares it::

    {"type":"Message","room":"tea","user":"bob","time":"2026-11-21T18:04:05.123Z",
     "text":"hi","action":false,"tags":[["reply","7"]],"id":"8"}

A room's moderation log keeps its entries the same way (a
:class:`~chatroom.core.moderation.modlog.ModEntry` is ``{"type":"ModEntry",...}``), and
the cluster its webhooks (a :class:`~chatroom.core.model.hooks.Hook`). What nodes
tell each other besides events (a session's end, a room to show, a
device's logout; who a room's entry is for) is typed the same way, in
:mod:`chatroom.core.model.nodemessages`, which says where each travels.

Enumerations travel as their value (``"kind":"quit"``), tags as a list of
``[key, value]`` pairs in order, a set of names as a sorted list, a tuple as
a list. A field left at its default may be left out (a decoder fills it in),
and a field a decoder does not know is refused: nodes of one cluster run the
same code. What an event carries for its rendering elsewhere (an author's
``account``, a joiner's ``realname`` and ``away``:
:data:`chatroom.core.model.events.CARRIED`) is left out when it is "", so that
an event without it (a plain name's message) encodes as it did before the
field existed, a message stored then included (a script compares a stored
message with one the core read back by its bytes)::

    {"type":"Message","room":"tea","user":"bob","time":"2026-11-21T18:04:05.123Z",
     "text":"hi","action":false,"tags":[],"account":"Bob","id":"9"}

Lua scripts that must look inside a stored event (its type, the message it
concerns, its time) read the same object with ``cjson``.

:func:`encode` is canonical: ``type`` first, then every field in the order
its class declares it, none left out but empty carried ones, so encoding a
decoded event gives the same bytes back (a script compares a stored
message with the one the core read by its bytes). A stored event's ``id``
(and a private message's) is its last field: what a node hands a script
to number reads ``"id":""}`` at its end (:func:`unnumbered`), and the
script puts the number between those quotes (``numbered`` in
``chatroom/backends/redis/prelude.py``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Callable
from typing import Any

from chatroom.core.model import events
from chatroom.core.model.events import Event, SearchResult
from chatroom.core.model.hooks import Hook
from chatroom.core.model.modentry import ModAction, ModEntry
from chatroom.core.model.nodemessages import (
    EndDevice,
    EndSession,
    EntryHead,
    IgnoresChanged,
    KickHead,
    LockdownSet,
    NetworkBanLifted,
    NetworkBanned,
    NewsHead,
    SessionOrder,
    ShowRoom,
    StandHere,
)

#: What may be encoded: events, a search's results, moderation log entries,
#: webhooks, and what nodes tell each other besides events.
Encoded = Event | SearchResult | ModEntry | Hook | SessionOrder | EntryHead

#: Every type that may be encoded, by the name it travels under.
TYPES: dict[str, type[Encoded]] = {
    cls.__name__: cls
    for cls in (
        events.Message,
        events.OperatorMessage,
        events.PrivateMessage,
        events.PrivateRedacted,
        events.Typing,
        events.TagMessage,
        events.PrivateTagMessage,
        events.Joined,
        events.Departure,
        events.Renamed,
        events.OwnerChanged,
        events.AccountChanged,
        events.AwayChanged,
        events.RealnameChanged,
        events.ProfileChanged,
        events.TopicChanged,
        events.RoomDeleted,
        events.RoomNotice,
        events.Gap,
        events.LeftElsewhere,
        events.MarkerMoved,
        events.NotifyChanged,
        events.ModeChanged,
        events.BanChanged,
        events.SettingChanged,
        events.RoomMetadataChanged,
        events.Kicked,
        events.Invitation,
        events.Invited,
        events.Announcement,
        events.Wallops,
        events.LockdownChanged,
        events.ReportFiled,
        events.ReportClosed,
        events.Edited,
        events.Redacted,
        events.Reaction,
        events.PinChanged,
        events.RoomRenamed,
        events.Preview,
        events.CallStarted,
        events.CallJoined,
        events.CallLeft,
        events.CallEnded,
        events.CallMembers,
        events.TurnGranted,
        events.Signal,
        events.Watched,
        events.SearchResult,
        ModEntry,
        Hook,
        EndSession,
        ShowRoom,
        EndDevice,
        NetworkBanned,
        NetworkBanLifted,
        LockdownSet,
        IgnoresChanged,
        StandHere,
        NewsHead,
        KickHead,
    )
}

#: How a field read from JSON becomes its value, by its declared type.
_READERS: dict[str, Callable[[Any], Any]] = {
    "Tags": lambda pairs: (
        tuple((str(key), str(value)) for key, value in pairs) if pairs else ()
    ),
    "frozenset[str]": frozenset,
    "tuple[str, ...]": tuple,
    "DepartureKind": events.DepartureKind,
    "MemberMode": events.MemberMode,
    "Sighting": events.Sighting,
    "ModAction": ModAction,
}


def _fields(cls: type) -> tuple[tuple[str, str, bool], ...]:
    """The encoded fields of ``cls``: name, declared type and whether it is
    left out when "" (a carried one), in order."""
    return tuple(
        (f.name, str(f.type), bool(f.metadata.get("carried")))
        for f in dataclasses.fields(cls)
        if f.name != "_encoded"
    )


_FIELDS = {name: _fields(cls) for name, cls in TYPES.items()}

#: Per type, each field's reader (:data:`_READERS`; None: the JSON value
#: as it is), made once rather than per event decoded.
_FIELD_READERS: dict[str, dict[str, Callable[[Any], Any] | None]] = {
    name: {field: _READERS.get(kind) for field, kind, _carried in fields}
    for name, fields in _FIELDS.items()
}

#: Values JSON takes as they are (:func:`_plain` leaves them be): checked
#: first, since nearly every field is one.
_AS_IS = frozenset({str, bool, int, tuple, list, type(None)})

#: The encoding's serialiser and parser, made once: ``json.dumps`` with
#: options builds a new encoder per call (a tenth of a message's encoding);
#: the same options give the same bytes.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class _Decoder(json.JSONDecoder):
    """json's decoder, with the scanner its ``__init__`` sets (C's, where
    there is one) declared, which typeshed leaves out."""

    scan_once: Callable[[str, int], tuple[Any, int]]


_DECODER = _Decoder()


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def to_dict(event: Encoded) -> dict[str, Any]:
    """The JSON object of ``event`` (before serialising)."""
    name = type(event).__name__
    encoded: dict[str, Any] = {"type": name}
    for field, _kind, carried in _FIELDS[name]:
        value = getattr(event, field)
        if not (carried and value == ""):
            encoded[field] = value if type(value) in _AS_IS else _plain(value)
    return encoded


def encode(event: Encoded) -> bytes:
    """``event`` in the cluster's encoding."""
    return _ENCODER.encode(to_dict(event)).encode("utf-8")


#: How every event awaiting its number ends (see :func:`unnumbered`).
UNNUMBERED_END = b',"id":""}'


def unnumbered(event: Event) -> bytes:
    """``event`` (a stored one, or a private message, with no id yet) in
    the cluster's encoding, for a script to number: it ends with
    :data:`UNNUMBERED_END`.

    Raises:
        ValueError: the event is numbered already, or has no id.
    """
    data = encode(event)
    if not data.endswith(UNNUMBERED_END):
        raise ValueError(f"not an event awaiting its number: {data!r}")
    return data


def from_dict(encoded: dict[str, Any]) -> Encoded:
    """The event a JSON object holds.

    Raises:
        ValueError: an unknown type or field (a node of another version).
    """
    return _from_own_dict(dict(encoded))


def _from_own_dict(encoded: dict[str, Any]) -> Encoded:
    """:func:`from_dict` of a dict nobody else holds (read from JSON just
    now), its values replaced in place. A type whose fields are all read
    as JSON gives them (a join's, a departure's text) checks its fields'
    names in one set comparison, with no loop over them."""
    name = encoded.pop("type", None)
    cls = TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown event type {name!r}")
    if encoded.keys() <= _AS_READ.get(name, frozenset()):
        return cls(**encoded)
    readers = _FIELD_READERS[name]
    for field, value in encoded.items():
        if field not in readers:
            raise ValueError(f"unknown field {field!r} of {name}")
        reader = readers[field]
        if reader is not None:
            encoded[field] = reader(value)
    return cls(**encoded)


#: Per type, the fields that JSON gives as they are read (no reader):
#: a dict of only those needs nothing done to its values.
_AS_READ: dict[str, frozenset[str]] = {
    name: frozenset(field for field, reader in readers.items() if reader is None)
    for name, readers in _FIELD_READERS.items()
}

#: The decoder's scanner: an object at the start of the text, read in C.
#: :meth:`json.JSONDecoder.decode` adds two matches for whitespace around
#: it, which :func:`encode` never writes.
_SCAN = _DECODER.scan_once


def decode(data: bytes | str) -> Encoded:
    """The event ``data`` (from :func:`encode`) holds.

    Raises:
        ValueError: not an encoded event (or not one this node knows).
    """
    if isinstance(data, bytes) and data[:2] == b'{"':  # what encode writes
        text = data.decode("utf-8", "surrogatepass")
        try:
            found, end = _SCAN(text, 0)
        except StopIteration:
            found, end = None, 0
        if end == len(text) and type(found) is dict:
            return _from_own_dict(found)
        # Damaged, or written otherwise: json says what is wrong with it.
    return _from_own_dict(json.loads(data))


def decode_event(data: bytes | str) -> Event:
    """The event ``data`` holds, which must be one a member is handed.

    Raises:
        ValueError: it is not an event (or not one this node knows).
    """
    event = decode(data)
    if not isinstance(event, Event):
        raise ValueError(f"not an event: {type(event).__name__}")
    return event


#: What marks a room's entry that has a head (:mod:`chatroom.core.model.nodemessages`).
HEAD_MARK = b"~"


def entry_head(head: EntryHead) -> str:
    """``head`` as it goes before its event in a room's entry: ``~``, the
    head's object, a space."""
    return f"~{encode(head).decode('utf-8')} "


def split_entry(entry: bytes) -> tuple[EntryHead | None, bytes]:
    """A room's entry (after its ``seq``): its head, if it has one, and its
    event's bytes. An ordinary event costs one prefix check.

    Raises:
        ValueError: a ``~`` that starts no head.
    """
    if not entry.startswith(HEAD_MARK):
        return None, entry
    if not entry.startswith(HEAD_MARK + b"{"):
        return _plain_head(entry)
    text = entry.decode("utf-8", "surrogatepass")
    found, end = _DECODER.raw_decode(text, 1)
    head = _from_own_dict(found) if isinstance(found, dict) else None
    if not isinstance(head, NewsHead | KickHead) or text[end : end + 1] != " ":
        raise ValueError(f"not a room entry's head: {entry[:200]!r}")
    return head, entry[len(text[: end + 1].encode("utf-8", "surrogatepass")) :]


def _plain_head(entry: bytes) -> tuple[EntryHead, bytes]:
    """A head in the space-ended text form (``~kick:TOKEN `` or
    ``~NUMBER:ROOMS:UNLESS ``), which room logs kept in Redis may still
    hold from nodes that wrote heads so: read as the typed heads are, so
    such a log replays after the nodes are upgraded.

    Raises:
        ValueError: a ``~`` that starts no head.
    """
    head, space, event = entry.partition(b" ")
    text = head[len(HEAD_MARK) :].decode("utf-8", "surrogatepass")
    if not space:
        raise ValueError(f"not a room entry's head: {entry[:200]!r}")
    if text.startswith("kick:"):
        return KickHead(text[len("kick:") :]), event
    number, rooms, unless = text.split(":", 2)
    return NewsHead(int(number), int(rooms), unless), event
