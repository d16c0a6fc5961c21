"""A single server's transaction keys: in memory, and in ``--db``.

A change resting on :class:`~chatroom.core.model.changes.transactions.KeyUnused`
(a keyed line's, ``/txn``) is checked here first among its premises: a
key its sender has done answers :class:`~chatroom.core.model.changes.
transactions.KeyDoneError` with its record, and nothing is applied. A
change applied keeps its key (:meth:`KeptKeys.keep`), in memory at once
and in the store's next flush, the one that writes the event it made: the
same SQLite commit, so a message that survives a ``kill -9`` keeps its key
and one lost with the flush's window loses its key with it (then sent
again, it is done again: once). Nothing runs between the check and the
keep but the change itself, in one turn of the reactor: two sends of one
key at once meet here, and one is done.

Keys are kept :data:`~chatroom.core.model.changes.transactions.KEY_SECONDS`
at least: those older go at start-up and every :data:`PRUNE_INTERVAL`,
on the injected clock, while any key is kept (no timer otherwise). They
are kept in the order they were done (read back in that order at
start-up), so a pruning walks the oldest and stops at the first key
still young: it costs what it removes, not the day's keys it keeps (a
busy server keeps millions, and a walk of a million holds the reactor
a quarter of a second).
"""

from __future__ import annotations

from twisted.internet import task
from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local.records import Store
from chatroom.core.model.changes.transactions import (
    KEY_SECONDS,
    KeyDoneError,
    KeyRecord,
    KeyUnused,
)
from chatroom.core.model.events import PrivateEvent, StoredEvent

#: Seconds between two prunings of the keys older than a day: often, so
#: that each removes a minute's keys, a short step of the reactor's.
PRUNE_INTERVAL = 60.0


class KeptKeys:
    """Every sender's transaction keys in one process."""

    def __init__(self, store: Store, clock: IReactorTime) -> None:
        self.store = store
        self.clock = clock
        #: ``sender key`` → what it did (its line's fingerprint, target and
        #: event id) and when (Unix seconds), as one line of text
        #: (:func:`_kept`): two strings a key, which the collector never
        #: scans nor freezes, where a pair and a record a key (kept a day)
        #: were twice the memory and a tenth of a busy server's freezing.
        self.kept: dict[str, str] = {}
        for sender, key, line, target, event, at in store.load_keys(self._oldest()):
            self.kept[_slot(sender, key)] = _kept(line, target, event, at)
        self._pruning = task.LoopingCall(self.prune)
        self._pruning.clock = clock
        #: Whether the server runs (between :meth:`start` and :meth:`stop`).
        self._serving = False

    def start(self) -> None:
        """The server runs: keys are pruned while any is kept (a server
        nobody used with ``/txn`` holds no timer for them)."""
        self._serving = True
        self._prune_while_kept()

    def stop(self) -> None:
        self._serving = False
        if self._pruning.running:
            self._pruning.stop()

    def _prune_while_kept(self) -> None:
        if self._serving and self.kept and not self._pruning.running:
            self._pruning.start(PRUNE_INTERVAL, now=False)

    def _oldest(self) -> float:
        return self.clock.seconds() - KEY_SECONDS

    def check(self, premise: KeyUnused) -> str:
        """``premise`` holds, or :class:`KeyDoneError` with what the key did.
        Returns where the key is kept (for :meth:`keep`, which then need
        not make it again)."""
        slot = _slot(premise.sender, premise.key)
        kept = self.kept.get(slot)
        if kept is not None:
            raise KeyDoneError(_record(kept))
        return slot

    def keep(
        self,
        premise: KeyUnused,
        event: StoredEvent | PrivateEvent | None,
        slot: str = "",
    ) -> None:
        """The change that rested on ``premise`` is applied, and made
        ``event`` (None: none stored): its key is kept, with the event's
        id, in memory and in the store's next flush. ``slot``: where, as
        :meth:`check` answered it ("": made here)."""
        event_id = event.id if event is not None else ""
        at = premise.at
        slot = slot or _slot(premise.sender, premise.key)
        self.kept[slot] = _kept(premise.line, premise.target, event_id, at)
        if not self._pruning.running:
            self._prune_while_kept()
        self.store.save_key(
            premise.sender,
            premise.key,
            premise.line,
            premise.target,
            event_id,
            at,
        )

    def record(self, sender: str, key: str) -> KeyRecord | None:
        kept = self.kept.get(_slot(sender, key))
        return _record(kept) if kept is not None else None

    def prune(self) -> None:
        """The keys done more than a day ago go, here and in the store:
        the oldest first, up to the first still young (:attr:`kept` is in
        the order keys were done; one kept after a younger one, the wall
        clock having stepped back, goes with a later pruning)."""
        oldest = self._oldest()
        gone = []
        for done, kept in self.kept.items():
            if _when(kept) >= oldest:
                break
            gone.append(done)
        for done in gone:
            del self.kept[done]
        if gone:
            self.store.drop_keys(oldest)
        if not self.kept and self._pruning.running:  # until the next is kept
            self._pruning.stop()


def _slot(sender: str, key: str) -> str:
    """Where a sender's key is kept: a key has no space (wire.txn's rule)."""
    return f"{sender} {key}"


def _kept(line: str, target: str, event: str, at: float) -> str:
    """What a key did, as :attr:`KeptKeys.kept` holds it: its fields a line
    each (a room's or a user's name holds no line break), its time (Unix
    seconds) as the whole second after it: a key is pruned no sooner than
    a day after it was done, and an integer is written in a third of the
    time a float's ``repr`` takes, on every keyed line. The store keeps
    ``at`` itself."""
    return f"{line}\n{target}\n{event}\n{int(at) + 1}"


def _record(kept: str) -> KeyRecord:
    line, target, event, _ = kept.split("\n")
    return KeyRecord(line, target, event)


def _when(kept: str) -> float:
    return float(kept.rpartition("\n")[2])
