"""``/txn KEY LINE`` in the core: a keyed line done once per key.

A door hands the core's entry point of LINE (a message said, an action,
a paste, a reply, a thread's message, an edit, a reaction, a private
message) the key alone; the entry point makes a :class:`Txn` of it and
of what it was asked (:func:`asked`: its kind, its room or user, its
words), and the change it decides rests on one more premise
(:func:`premise`, :class:`~chatroom.core.model.changes.transactions.KeyUnused`),
which the back-end checks and keeps in the same write as the change
(:mod:`chatroom.core.model.changes.transactions`). What it did is
answered as an :class:`Acknowledged`, the door's ``ACK``:

- applied: the event the change appended (:func:`done`);
- the key done already (``KeyDoneError``):
  that record's target and id if the line is the same, else
  ``TXN_REUSED`` (:func:`answer`);
- refused by the core before the back-end was asked (the room left
  since, the message deleted, the edit window over: what a repeat finds
  changed): the key's record, if kept, answers as above
  (:func:`recalled`); if not, the refusal stands and no key is kept.

A plain line (no key) goes none of these ways: its entry point is handed
no key, and nothing of this runs on its path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NamedTuple

from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.changes.transactions import KeyRecord, KeyUnused
from chatroom.core.model.errors import ChatError
from chatroom.core.model.text import name_key
from chatroom.wire.txn import NOTHING_STORED


class Txn(NamedTuple):
    """A keyed line as the core was asked it: its ``key`` and ``line``,
    the fingerprint of what it asks (:func:`asked`). A named tuple, as
    :class:`Acknowledged`: one of each is made per keyed line, and a
    tuple is made in half the time of a frozen dataclass."""

    key: str
    line: str


class Acknowledged(NamedTuple):
    """What a keyed line did, for its ``ACK``: its key, the room (``@USER``
    for a private message) and the id of the event stored
    (:data:`~chatroom.wire.txn.NOTHING_STORED`: none)."""

    key: str
    target: str
    id: str


def asked(key: str, kind: str, place: str, words: str) -> Txn | None:
    """The :class:`Txn` of a line of ``kind`` (``message`` for a plain line,
    ``//text`` and ``/say`` alike; ``action``, ``paste``, ``reply ID``,
    ``thread ID``, ``edit ID``, ``react ID``, ``unreact ID``, ``msg``) to
    ``place`` (a room's or a user's name, compared as names are) saying
    ``words``; None for no key (a plain line). The same line, sent again,
    is the same fingerprint; any other is another."""
    if not key:
        return None
    said = f"{kind}\n{name_key(place)}\n{words}".encode()
    return Txn(key, hashlib.sha256(said).hexdigest()[:32])


def sender_of(session: Session) -> str:
    """Whose keys these are: an account's (every device, door and node),
    or a plain name's, compared as names are (``~`` first: never an
    account's key)."""
    return session.account or "~" + name_key(session.name)


def premise(txn: Txn, session: Session, target: str, now: float) -> KeyUnused:
    """The premise a keyed line's change rests on, keeping the key as done
    to ``target`` (a room's name, ``@USER``)."""
    return KeyUnused(sender_of(session), txn.key, txn.line, target, now)


def done(txn: Txn, target: str, event_id: str) -> Acknowledged:
    """A keyed line applied: ``event_id`` ("" for none stored)."""
    return Acknowledged(txn.key, target, event_id or NOTHING_STORED)


def answer(txn: Txn, record: KeyRecord) -> Acknowledged:
    """The key was done already, as ``record`` says: its first ``ACK`` if
    ``txn`` asks the same line, else ``TXN_REUSED``."""
    if record.line != txn.line:
        raise errors.txn_reused(txn.key, record.target, record.id)
    return done(txn, record.target, record.id)


#: Reads what a sender's key did, if it is kept (the message store's
#: ``key_record``: sender, key, the room or conversation it was used in).
RecordOf = Callable[[str, str, str], Awaitable[KeyRecord | None]]


async def recalled(
    read: RecordOf, txn: Txn, session: Session, place: str, refusal: Exception
) -> Acknowledged:
    """A keyed line the core refused before the back-end was asked
    (``refusal``): a repeat of a key done already is answered from its
    record whatever changed since; else (a key unknown, or one whose
    message is held still, never said: :class:`KeyRecord`'s ``held``)
    the refusal stands."""
    record = await read(sender_of(session), txn.key, place)
    if record is None or record.held:
        raise refusal
    return answer(txn, record)


async def acknowledged(
    read: RecordOf,
    txn: Txn,
    session: Session,
    place: str,
    doing: Coroutine[Any, Any, Acknowledged | None],
) -> Acknowledged:
    """A keyed line's acknowledgement: what ``doing`` (its entry point's
    work, handed ``txn``) answers, or, if the core refused it before the
    back-end was asked, the key's record where it is kept
    (:func:`recalled`). ``place``: the room or ``@USER`` it acts on."""
    try:
        done = await doing
    except ChatError as refusal:
        return await refused(read, txn, session, place, refusal)
    assert done is not None  # a keyed line is acknowledged
    return done


async def refused(
    read: RecordOf, txn: Txn, session: Session, place: str, refusal: ChatError
) -> Acknowledged:
    """A keyed line's work refused with ``refusal``: ``UNAVAILABLE`` and
    ``TXN_REUSED`` stand; any other is a refusal made before the back-end
    was asked, which the key's record answers where it is kept
    (:func:`recalled`). The except clause of :func:`acknowledged`, for an
    entry point that awaits its work itself (a message said: one
    coroutine fewer on the busiest keyed path)."""
    if refusal.code in ("UNAVAILABLE", "TXN_REUSED"):
        raise refusal
    return await recalled(read, txn, session, place, refusal)
