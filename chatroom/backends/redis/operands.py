"""What a script is handed: one JSON object of operands, a decided change among them.

Every script takes the key prefix and one JSON argument, which the prelude
decodes once (``args``). Its operands are named: ``args.room``,
``args.token``. A decided change (:class:`~chatroom.core.model.changes.base.
DecidedChange`) goes as one of them, made generically::

    {"kind":"DecidedChange",
     "subject":{"kind":"RoomMessages","room":"tea"},
     "premises":[{"kind":"Unmoderated"},
                 {"kind":"QuietAmong","among":["bob"],"users":[]}],
     "ops":[{"kind":"Append","event":"{\\"type\\":\\"Message\\",...}",
             "now":1795000000.5,"outside":false,"oldest":0.0}],
     "about":["bob"]}

Every value of the vocabulary (a subject, a premise, an operation, a
change) is an object tagged with its class's name under ``kind``, exactly
as Python spells it, then each of its fields under its own name. Nothing
here tells one premise or operation from another: the prelude's premise
interpreter (``premise_holds`` in ``lua/prelude.lua``) reads each premise by
that name, and a script performs the operations it is handed by theirs.

A value goes as JSON takes it (text, numbers, true and false, a tuple or
a set as a list; bytes read from Redis as the text they are; a field at
None is left out, nil to a script); an event, a
moderation log's entry or a webhook as the cluster's one encoding
(:mod:`chatroom.core.model.codec`: a JSON text, which a script keeps and
publishes as it is, so the bytes stored are the core's); a room's policy
as the room keeps it (its JSON, and the flags a script reads of it); any
other value (a push subscription, a file's
record, a nick gone) as an object of its fields.

The text is made here, not by :mod:`json` from a dict: a message's change
is made for every message, and writing its text straight (each kind's
fields found once) costs a third of building the dict and serialising it.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring
from typing import Any, get_args

from chatroom.core.model import codec
from chatroom.core.model.changes.base import (
    DecidedChange,
    Operation,
    Premise,
    Subject,
)
from chatroom.core.model.facts import RoomPolicy

#: The kinds of the vocabulary: tagged objects of their fields.
_VOCABULARY = (Subject, Premise, Operation, DecidedChange)

#: What the cluster's one encoding carries (events, entries, webhooks...).
_ENCODED = get_args(codec.Encoded)

#: How a value of each type is written, found once per type.
_WRITERS: dict[type, Callable[[Any], str]] = {}


def _text(value: Any) -> str:
    """``value`` as JSON text."""
    try:
        write = _WRITERS[type(value)]
    except KeyError:
        write = _WRITERS[type(value)] = _writer_of(type(value))
    return write(value)


def _writer_of(kind: type) -> Callable[[Any], str]:
    """How a value of type ``kind`` is written."""
    if kind is str:
        return encode_basestring
    if kind is bool:
        return _boolean
    if kind is int:
        return int.__repr__
    if kind is float:
        return float.__repr__
    if kind is type(None):
        return _null
    if kind in (bytes, bytearray, memoryview):
        return _read_back
    if kind in (tuple, list):
        return _array
    if kind is frozenset or kind is set:
        return _sorted_array
    if issubclass(kind, Mapping):
        return _mapping
    if issubclass(kind, _VOCABULARY):
        return _kind_writer(kind)
    if issubclass(kind, RoomPolicy):
        return _policy
    if issubclass(kind, _ENCODED):
        return _encoded
    if dataclasses.is_dataclass(kind):
        return _plain_object
    raise TypeError(f"no operand of type {kind.__name__}")


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _null(value: None) -> str:
    return "null"


def _read_back(value: bytes) -> str:
    """Bytes a node read from Redis, as the text they are."""
    return encode_basestring(bytes(value).decode())


def _array(values: Any) -> str:
    return "[" + ",".join([_text(item) for item in values]) + "]"


def _sorted_array(values: Any) -> str:
    return _array(sorted(values))


def _mapping(values: Mapping[str, Any]) -> str:
    return (
        "{"
        + ",".join([encode_basestring(k) + ":" + _text(v) for k, v in values.items()])
        + "}"
    )


def _policy(policy: RoomPolicy) -> str:
    """A room's policy as the room keeps it: its JSON (text), and beside it
    what a script reads of it without decoding it (``'1'`` or ``'0'``):
    whether it keeps the room, restricts joins, is moderated, and the
    account that owns the room."""
    return _mapping(
        {
            "policy": policy.to_json(),
            "kept": _flag(policy.keep),
            "restricted": _flag(policy.restricted),
            "moderated": _flag(policy.moderated),
            "owner_account": policy.owner_account,
        }
    )


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _encoded(value: Any) -> str:
    """An event, an entry or a webhook in the cluster's encoding, as text."""
    return encode_basestring(codec.encode(value).decode())


def _plain_object(value: Any) -> str:
    """A value of no kind of the vocabulary: an object of its fields."""
    return _mapping({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})


def _kind_writer(kind: type) -> Callable[[Any], str]:
    """The writer of a kind of the vocabulary: its name under ``kind``, then
    each of its fields, in the order its class declares them. Its fields
    are read at once (``attrgetter``), a text field (the most common) is
    written straight and any other by its type's writer: a join's
    operands, some twenty values, take 12 µs where asking :func:`_text`
    for each field took 18 (every script call on every node pays it)."""
    head = '{"kind":' + encode_basestring(kind.__name__)
    names = tuple(f.name for f in dataclasses.fields(kind))
    if not names:
        whole = head + "}"
        return lambda value: whole
    labels = tuple("," + encode_basestring(name) + ":" for name in names)
    read = operator.attrgetter(*names)
    single = len(names) == 1

    def write(value: Any) -> str:
        fields = (read(value),) if single else read(value)
        text = head
        # by place: zip() with its keyword (strict=) was dearer
        for place, field in enumerate(fields):
            if field is None:
                continue
            field_type = type(field)
            if field_type is str:
                text += labels[place] + encode_basestring(field)
                continue
            writer = _WRITERS.get(field_type)
            written = _text(field) if writer is None else writer(field)
            text += labels[place] + written
        return text + "}"

    return write


def operands_json(operands: Mapping[str, Any]) -> bytes:
    """A script's operands as its one JSON argument."""
    return _mapping(operands).encode()


def operand(change: DecidedChange) -> dict[str, Any]:
    """``change`` as the JSON object a script reads (a rename's journal
    keeps it, for whichever node finishes the rename)."""
    found: dict[str, Any] = json.loads(_text(change))
    return found
