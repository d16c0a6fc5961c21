"""A client's transaction key: one more premise of what it says.

``/txn KEY LINE`` (docs/protocol.md, *Saying it once*) does LINE once per
key of its sender. The change LINE is decided as (a message appended, an
edit, a reaction, a private message kept, or one between plain names
told: :class:`SenderKeys`) rests on one more premise,
:class:`KeyUnused`: the sender has done nothing with that key yet. A
back-end checks it first, before any other, in the same step (the same
SQLite commit, the same Lua script) that applies the change, and applying
the change keeps the key with what it did: the line's fingerprint, the
target and the id of the event the change appends. If the key was done
already it applies nothing and answers :class:`KeyDoneError` with that
record, whatever else changed since; the core then says whether it is
the same line (its first ``ACK`` again) or another (``TXN_REUSED``).
There is no read of the key in Python before the write: two sends of one
key at once, on one node or two, meet in the back-end, and one wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Premise, Subject, declare
from chatroom.core.model.events import PrivateMessage

#: How long a key is kept once done, at least (seconds): a day, as Synapse
#: keeps a transaction id; clients stop sending a line again well before.
KEY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class KeyUnused(Premise):
    """Sender ``sender``'s key ``key`` has done nothing yet (``sender``: an
    account's key, or ``~`` and a plain name's key: every device, door
    and node of one sender share its keys). Applying the change keeps the
    key, for :data:`KEY_SECONDS` from ``at`` (Unix seconds), as done by
    ``line`` (the fingerprint of what was asked: its kind, its room or
    user, its words) to ``target`` (a room's name, ``@USER``), with the
    id of the event the change appends ("" when it appends none)."""

    sender: str
    key: str
    line: str
    target: str
    at: float


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What a key did, as kept: the ``line`` it was done by (its
    fingerprint), the ``target`` and the ``id`` of the event stored
    ("" when none was); ``held``: a message stored but not yet published
    to the room's members, which waits for Redis's replicas to confirm it
    (:mod:`chatroom.backends.redis.redis_backend`'s ``_say``)."""

    line: str
    target: str
    id: str
    held: bool = False


class KeyDoneError(Exception):
    """A change resting on :class:`KeyUnused` was not applied: the key was
    done already, as ``record`` says (nothing else was checked)."""

    def __init__(self, record: KeyRecord) -> None:
        super().__init__(record)
        self.record = record


@dataclass(frozen=True)
class SenderKeys(Subject):
    """Sender ``sender``'s transaction keys themselves (as
    :class:`KeyUnused` names a sender), for a keyed line that stores
    nothing else: a private message between plain names, told and kept
    nowhere (:class:`TellSession`), or one its recipient ignores, keeps
    its key alone so that a repeat is answered, not told again."""

    sender: str


@dataclass(frozen=True)
class KeepKey(Operation):
    """The change's key (its :class:`KeyUnused`) is kept as done, with no
    event's id."""


@dataclass(frozen=True)
class TellSession(Operation):
    """Private message ``event``, kept nowhere (between plain names), told
    to user ``user`` (a name key) while session ``session`` (its token)
    holds the name, at every device of it, as the bus tells one: in the
    step that keeps the change's key, so that the message is told once
    and its repeat answered from the key, never told again. A session
    that holds the name no longer is ``NO_SUCH_USER``, and nothing is
    applied (the key is not kept). A back-end whose writes wait for
    replicas (Redis behind ``--redis-replicas``) tells it only once they
    have the key, and marks the key told in the step that tells it
    (docs/scaling.md, *The Sentinel constraint*)."""

    user: str
    session: str
    event: PrivateMessage


declare(SenderKeys, operations=(KeepKey, TellSession), premises=(KeyUnused,))
