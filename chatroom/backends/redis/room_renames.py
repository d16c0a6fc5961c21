"""A room's rename on Redis: one script, and a renamed room's former names.

The core decides a rename (:meth:`chatroom.core.services.rooms.RoomService.
rename_room`) and hands one :class:`~chatroom.core.model.changes.rooms.RenameRoom` with
its premises: the room as read (incarnation and version), its owner as
read, the new name free; and the entry the room's moderation log
records of it. ``RENAME_ROOM`` checks them, publishes the rename on the
room's channel, moves everything kept under the room's key to the new
one and records the entry there (docs/scaling.md, "Renaming a room"). Each node with
members in it follows on that event (:meth:`~.delivery.NodeRooms.renamed`).

That is one script only where every key is in one slot: one Redis,
Sentinel, or a Redis Cluster with the rooms with the rest. With each
room in a slot of its own the old keys and the new are in two slots, and
a rename is steps, journalled in the server's slot (``P room-renames``)
so that any node finishes one a node began and then lost (its resume,
the next rename of either name, a join of the old name): the server's
claims the new name and writes the journal; the old room's checks the
premises and seals its keys (renamed within its slot, so its scripts
find no room); the new room's restores their DUMPs, named anew, with
``RENAMED`` as its next event and the rename's moderation log entries
(journalled with it) recorded; the server's moves the indexes and the
accounts' keys; the old room's last publishes ``RENAMED`` on its channel
and drops the sealed keys; and the journal goes. Until the seal nothing
was changed, and a new key found taken at the restore unseals the room:
either way the rename is refused as a single script refuses it.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.delivery import NodeRoom, NodeRooms
from chatroom.backends.redis.entries import RedisEntries
from chatroom.backends.redis.operands import operand
from chatroom.core.model import codec, errors
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
)
from chatroom.core.model.changes.rooms import (
    Emit,
    RenameRoom,
)
from chatroom.core.model.events import RoomRenamed
from chatroom.core.model.facts import CreationFacts
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import MODLOG_KEEP


class RedisRenames:
    """Renames applied, former names read, a moved room's missed events."""

    def __init__(
        self,
        calls: RedisCalls,
        clock: IReactorTime,
        here: NodeRooms,
        entries: RedisEntries,
    ) -> None:
        self.calls = calls
        self.clock = clock
        self.here = here
        self.entries = entries

    async def apply(self, change: DecidedChange, secret: bool) -> None:
        """One ``RENAME_ROOM``; returns once this node has had the rename
        on the room's channel (its members here re-keyed). ``secret``: the
        room is secret, and the lobby's watchers are not told (they were
        never shown it). A name found taken is kept for the core's next
        read (the back-end's ``creation_facts``) and fails its premise
        (``CHANGED`` with what has the name); the room or its owner not as
        read is ``CHANGED`` alone."""
        (rename,) = change.of(RenameRoom)
        (shown,) = change.of(Emit)
        assert isinstance(shown.event, RoomRenamed)
        event = codec.encode(shown.event)
        new = name_key(rename.name)
        room = self.here.get(change.room)
        now = self.clock.seconds()
        if self.calls.rooms_apart:
            journal = {
                "r": change.room,
                "new": new,
                "name": rename.name,
                "old": shown.event.room,
                "until": rename.until,
                "now": now,
                "event": event.decode(),
                "lobby": "" if secret else event.decode(),
                "change": operand(change),
            }
            await self._apart(journal, room)
            return
        operands = {
            "change": change,
            "new": new,
            "now": now,
            "lobby": b"" if secret else event,
            "keep": MODLOG_KEEP,
        }
        try:
            await self.calls.call(
                scripts.RENAME_ROOM,
                operands,
                refusals={
                    b"NO_SUCH_ROOM": lambda _: errors.no_such_room(shown.event.room),
                },
                arrived=lambda reply: _arrived(room, reply),
            )
        except FactsChangedError as changed:
            reply = changed.args[0]
            existing, leads_to = reply[2].decode(), reply[3].decode()
            if existing or leads_to:  # the name not free: kept for the core
                self._taken(rename.name, existing, leads_to)
            raise PremiseFailedError(None, change.premises[int(reply[1]) - 1]) from None

    async def _apart(self, journal: dict[str, Any], room: NodeRoom | None) -> None:
        """A rename with rooms apart: journalled (a rename of either key
        left pending finished first), then its steps."""
        change = journal["change"]
        for _ in range(2):
            try:
                claimed = await self.calls.step(
                    scripts.ROOM_RENAMING,
                    {
                        "change": change,
                        "new": journal["new"],
                        "journal": json.dumps(journal),
                        "now": journal["now"],
                    },
                    refusals={b"PENDING": _PendingError},
                )
            except _PendingError as pending:
                await self._finish_quietly(pending.journal)
                continue
            except FactsChangedError as changed:
                reply = changed.args[0]
                self._taken(journal["name"], reply[2].decode(), reply[3].decode())
                raise PremiseFailedError(None) from None
            assert claimed == b"OK"
            await self._steps(journal, room)
            return
        raise errors.unavailable()

    async def _steps(
        self, journal: dict[str, Any], room: NodeRoom | None, always: bool = False
    ) -> None:
        """A journalled rename's steps from the seal on; each runs again
        harmlessly, so a rename a node lost is finished by running them
        all. A premise failed at the seal, or the new key taken at the
        restore, rolls it back (the journal dropped, the room unsealed)
        and raises as a single script's refusal does. A journal an older
        version left (without its change) is rolled back: its rename is
        asked for again."""
        r, new = journal["r"], journal["new"]
        if "seq" in journal:  # the indexes followed: the old room's last step
            await self._drop(journal, int(journal["seq"]), room, always)
            return
        over = {"room": r}
        if "change" not in journal:
            await self.calls.step(
                scripts.RENAME_UNSEAL, over, refusals={}, always=always
            )
            await self.calls.step(
                scripts.RENAMED_ROOM, over, refusals={}, always=always
            )
            raise PremiseFailedError(None)
        change = journal["change"]
        try:
            sealed = await self.calls.step(
                scripts.RENAME_SEAL,
                {"change": change, "room": r},
                refusals={b"NO_SUCH_ROOM": lambda _: _GoneError()},
                always=always,
            )
        except (FactsChangedError, _GoneError) as refused:
            # Not as read (or already gone: moved by this rename's steps,
            # which a lost answer left unjournalled, or deleted): over.
            await self.calls.step(
                scripts.RENAMED_ROOM, over, refusals={}, always=always
            )
            if isinstance(refused, _GoneError):
                raise errors.no_such_room(journal["old"]) from None
            raise
        ids, members, incarnation, dumps = sealed[1], sealed[2], sealed[3], sealed[4:]
        entries = [
            entry
            for op in change["ops"]
            if op["kind"] == "RecordEntries"
            for entry in op["entries"]
        ]
        try:
            restored = await self.calls.step(
                scripts.RENAME_RESTORE,
                {
                    "new": new,
                    "name": journal["name"],
                    "room": r,
                    "incarnation": incarnation,
                    "event": journal["event"],
                    "ids": ids,
                    "keep": MODLOG_KEEP,
                    "entries": entries,
                    "dumps": [
                        [dumps[at], bytes(dumps[at + 1]).hex()]
                        for at in range(0, len(dumps), 2)
                    ],
                },
                refusals={b"ROOM_EXISTS": lambda reply: _TakenError(reply[1].decode())},
                always=always,
            )
        except _TakenError as taken:
            await self.calls.step(
                scripts.RENAME_UNSEAL, over, refusals={}, always=always
            )
            await self.calls.step(
                scripts.RENAMED_ROOM, over, refusals={}, always=always
            )
            self._taken(journal["name"], taken.existing, "")
            raise PremiseFailedError(None) from None
        seq, secrets = int(restored[1]), restored[2]
        await self.calls.step(
            scripts.RENAME_SWITCH,
            {"room": r, "seq": seq, "members": members, "secrets": secrets},
            refusals={},
            always=always,
        )
        await self._drop(journal, seq, room, always)

    async def _rolled_back(self, over: dict[str, Any], always: bool) -> None:
        """A rename with rooms apart rolled back: the old room unsealed,
        the journal dropped."""
        await self.calls.step(scripts.RENAME_UNSEAL, over, refusals={}, always=always)
        await self.calls.step(scripts.RENAMED_ROOM, over, refusals={}, always=always)

    async def _drop(
        self, journal: dict[str, Any], seq: int, room: NodeRoom | None, always: bool
    ) -> None:
        """The old room's last step (``RENAMED`` published on its channel,
        unless the key is the same and the new room's step published it),
        then the journal dropped; returns once this node has had the
        event. The rename is done once published: a journal Redis could
        not drop now is dropped by the next resume."""
        r = journal["r"]
        published = f"{seq} {journal['event']}" if journal["new"] != r else ""
        await self.calls.call(
            scripts.RENAME_DROP,
            {"room": r, "published": published, "seq": seq},
            refusals={},
            always=always,
            arrived=lambda reply: _arrived(room, reply),
        )
        with contextlib.suppress(errors.ChatError):
            await self.calls.step(
                scripts.RENAMED_ROOM, {"room": r}, refusals={}, always=always
            )

    def _taken(self, name: str, existing: str, leads_to: str) -> None:
        """The new name found taken: kept for the core's next read."""
        self.entries.counted[name_key(name)] = CreationFacts(existing, 0, leads_to)

    async def finish_pending(self) -> set[str]:
        """Finish (or roll back) every rename with rooms apart that a node
        began and did not finish: after a resume, any node's. Returns the
        new keys of those whose old room this node has: its members'
        places there are not stale, they move there on ``RENAMED``."""
        pending = await self.calls.command("HVALS", f"{self.calls.prefix}room-renames")
        moving: set[str] = set()
        for kept in pending or ():
            journal = json.loads(kept)
            if self.here.get(journal["r"]) is not None:
                moving.add(journal["new"])
            await self._finish_quietly(kept, always=True)
        return moving

    async def _finish_quietly(self, kept: bytes, always: bool = False) -> None:
        """A journalled rename's steps, its refusal (a premise failed, the
        new key taken: rolled back) being nobody's to hear now."""
        journal = json.loads(kept)
        refused = (errors.ChatError, PremiseFailedError, FactsChangedError)
        with contextlib.suppress(*refused):
            await self._steps(journal, self.here.get(journal["r"]), always)

    async def former_name(self, name: str) -> str:
        """The room former name ``name`` leads a join to ("" for none, or
        for a room deleted whose indexes are still to be told); a rename of
        the room called so left pending (rooms apart) is finished first."""
        for _ in range(2):
            read = {"name": name_key(name), "now": self.clock.seconds()}
            led = await self.calls.eval(scripts.FORMER_NAME, read)
            if isinstance(led, list):  # PENDING, the journal
                await self._finish_quietly(led[1])
                continue
            if not isinstance(led, bytes) or not led:
                return ""
            # A room deleted is out of the server's indexes only after its
            # members heard DELETED (UNLIST is the deletion's last step):
            # its own keys say whether it is still there.
            facts = {"room": name_key(led.decode()), "target": ""}
            room = await self.calls.eval(scripts.FACTS, facts)
            return "" if room[0] == b"NO_SUCH_ROOM" else led.decode()
        return ""

    async def log_after(self, room: NodeRoom) -> list[bytes]:
        """``room``'s logged events after the newest one here."""
        read = {"room": room.key, "seq": room.seq}
        return list(await self.calls.eval(scripts.LOG_AFTER, read))


def _arrived(room: NodeRoom | None, reply: Any) -> Any:
    """When a rename answered ``{'OK', seq, members}`` has come here on the
    room's channel (None: not a member here, or refused)."""
    if room is not None and isinstance(reply, list) and reply[0] == b"OK":
        return room.reached(int(reply[1]))
    return None


class _PendingError(errors.ChatError):
    """A rename of a key a new one would touch is journalled, not done."""

    def __init__(self, reply: list[bytes]) -> None:
        super().__init__("PENDING", "a rename of the room is being finished")
        self.journal = reply[1]


class _GoneError(errors.ChatError):
    """The room to seal is not there (and no sealed keys of it are)."""

    def __init__(self) -> None:
        super().__init__("NO_SUCH_ROOM", "the room to rename is gone")


class _TakenError(errors.ChatError):
    """The new key's slot has a room made there first."""

    def __init__(self, existing: str) -> None:
        super().__init__("ROOM_EXISTS", existing)
        self.existing = existing
