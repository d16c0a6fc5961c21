"""Records the core hands a back-end as typed changes, run against every
registry: a moderation log's entries, an export kept and taken once.

With the in-process registry (``tests/backends/local/test_records.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_records.py``),
each through :meth:`~chatroom.core.backend.Backend.apply`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.backend import Backend
from chatroom.core.modlog import (
    MODLOG_KEEP,
    SERVER_LOG,
    ModAction,
    ModEntry,
    recorded,
)
from tests.backends.contracts.handler import ContractBase


class RecordsContract(ContractBase):
    """The server's back-end, written to as the core writes."""

    @property
    def backend(self) -> Backend:
        return cast(Backend, cast(Any, self.server.registry).backend)

    def applied(self, change: Any) -> defer.Deferred[None]:
        return defer.Deferred.fromCoroutine(self.backend.apply(change))

    @defer.inlineCallbacks
    def test_a_log_keeps_its_newest_entries(self) -> Generator[Any, Any, None]:
        """Entries recorded in a room's log (under its name as the user
        wrote it) are read back oldest first, by the room's name in any
        case; past :data:`MODLOG_KEEP` the oldest go; the server's log is
        apart; a room gone keeps none."""
        yield self.in_room("Tea", "alice")
        first = [ModEntry("t0", "alice", ModAction.KICK, "bob", "spam")]
        yield self.applied(recorded("Tea", first))
        more = [
            ModEntry(f"t{n}", "alice", ModAction.SET, f"limit={n}")
            for n in range(1, MODLOG_KEEP + 1)
        ]
        yield self.applied(recorded("tea", more))
        killed = ModEntry("t", "root", ModAction.KILL)
        yield self.applied(recorded(SERVER_LOG, [killed]))
        read = self.backend.modlog.read
        kept = yield defer.Deferred.fromCoroutine(read("TEA", MODLOG_KEEP))
        self.assertEqual(kept, more)
        newest = yield defer.Deferred.fromCoroutine(read("tea", 2))
        self.assertEqual([e.target for e in newest], [f"limit={n}" for n in (199, 200)])
        server = yield defer.Deferred.fromCoroutine(read(SERVER_LOG, 10))
        self.assertEqual([e.action for e in server], [ModAction.KILL])
        yield self.applied(recorded("gone", first))
        gone = yield defer.Deferred.fromCoroutine(read("gone", 10))
        self.assertEqual(gone, [])

    @defer.inlineCallbacks
    def test_a_kick_is_in_the_rooms_log(self) -> Generator[Any, Any, None]:
        """The owner's ``/kick`` reaches ``/modlog`` through the change
        the core hands the back-end."""
        alice, _ = yield self.in_room("tea", "alice", "bob")
        alice.say("/kick bob enough")
        yield self.expect(alice, "KICK tea bob")
        alice.say("/modlog")
        line = yield self.expect(alice, "MODLOG tea")
        self.assertRegex(line, r"^MODLOG tea \S+ alice kick bob enough$")
