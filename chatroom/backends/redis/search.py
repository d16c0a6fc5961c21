"""``/search`` in cluster mode: PostgreSQL's full-text index, fed from Redis.

Every script that stores a room event (``SAY``, ``AMEND``) or drops a room
also appends it to the Redis stream ``P search:outbox`` (``feed_search`` in
:mod:`chatroom.backends.redis.prelude`), and so does the one that stores a
private conversation's message (``APPEND`` in
:mod:`chatroom.backends.redis.private`, ``feed_private``), in the
same atomic step, once some node with ``--search-db`` has turned it on
(``P search``). So the index's input is complete and in Redis's order
whatever happens to the node that stored the message, and nothing about
PostgreSQL is on a message's path: a message is acknowledged once Redis
has it.

Any node with ``--search-db`` applies the outbox to PostgreSQL
(:mod:`chatroom.backends.redis.search_postgres`): once a second, and before each
of its searches, so a search finds every message acknowledged before it
was asked, on whichever node it was said. Several nodes may drain at
once; PostgreSQL's cursor row makes each entry count once. Entries are
trimmed from the stream once applied; while PostgreSQL is down they wait
there (up to :data:`~chatroom.backends.redis.prelude.OUTBOX_SIZE`), and
the first drain after it is back catches up.

The blocking driver (psycopg 3) runs on a thread of this node's own, one
connection, in order; the reactor never waits on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import psycopg
from twisted.internet import defer
from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.redis import search_postgres
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.postgres_link import PostgresLink
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.search_postgres import Entry, StreamId
from chatroom.core import errors
from chatroom.core.config import ServerConfig
from chatroom.core.search import Found, SearchQuery
from chatroom.core.threads import PrivateThreads

#: Seconds between two drains of the outbox when nobody searches.
DRAIN_INTERVAL = 1.0

#: Outbox entries read and applied in one transaction.
BATCH = 500

#: Seconds PostgreSQL has to connect, and to run one statement.
DATABASE_TIMEOUT = 5.0

#: ARGV: P, the last entry applied (``ms-seq``), count. Keeps the outbox
#: on (``P search``), trims what was applied, and returns up to count
#: entries after it, oldest first.
OUTBOX_READ = Script(
    "outbox_read",
    r"""
redis.call('SET', P .. 'search', '1')
local key = P .. 'search:outbox'
redis.call('XTRIM', key, 'MINID', ARGV[2])
return redis.call('XRANGE', key, '(' .. ARGV[2], '+', 'COUNT', ARGV[3])
""",
)

#: Runs a function on the search thread, in order.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]


class ClusterSearch:
    """This node's searches, and its share of keeping the index current.

    Args:
        conninfo: PostgreSQL's connection string (``--search-db``).
        calls: the node's Redis calls (the outbox).
        clock: drains on its time; the search thread is started on it.
        config: the rooms' retention (what the index keeps).
    """

    log = Logger()

    def __init__(
        self,
        conninfo: str,
        calls: RedisCalls,
        clock: IReactorTime,
        config: ServerConfig,
        run: Runner | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.calls = calls
        self.clock = clock
        self.config = config
        self.run: Runner = run or PrivateThreads(clock, "chatroom-search", 1)
        self.link = PostgresLink(conninfo, DATABASE_TIMEOUT, search_postgres.SCHEMA)
        #: The last outbox entry this node knows to be applied.
        self._applied: StreamId = (0, 0)
        self._lock = DeferredLock()
        #: Who waits for the next drain (one not yet started).
        self._waiters: list[Deferred[None]] = []
        self._loop = LoopingCall(self._tick)
        self._loop.clock = clock
        self._failing = False

    def start(self) -> None:
        """Drain now and then, so the outbox stays short when nobody searches."""
        self._loop.start(DRAIN_INTERVAL, now=False)

    async def search(
        self, keys: Sequence[str], query: SearchQuery, limit: int
    ) -> list[Found]:
        """After every change stored so far: ``UNAVAILABLE`` if Redis or
        PostgreSQL cannot be reached."""
        age = self.config.retention_age
        oldest = self.clock.seconds() - age if age else None
        try:
            await self.caught_up()
            found: list[Found] = await self.run(
                lambda: search_postgres.search(
                    self._connection(), keys, query, limit, oldest
                )
            )
        except psycopg.Error as problem:
            self.log.warn("search: PostgreSQL: {problem}", problem=problem)
            raise errors.search_database_down() from None
        return found

    def caught_up(self) -> Deferred[None]:
        """Fires once every outbox entry there now is applied: by the next
        drain that starts (one shared by everyone who asks before it does)."""
        waiting: Deferred[None] = Deferred()
        self._waiters.append(waiting)
        if len(self._waiters) == 1:
            self._lock.run(lambda: defer.ensureDeferred(self._drain_for_waiters()))
        return waiting

    async def _drain_for_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        try:
            await self._drain()
        except Exception:
            failure = Failure()
            for waiter in waiters:
                waiter.errback(failure)
        else:
            for waiter in waiters:
                waiter.callback(None)

    async def _drain(self) -> None:
        """Apply the outbox, a batch at a time, until none is left."""
        while True:
            after = f"{self._applied[0]}-{self._applied[1]}"
            reply = await self.calls.eval(OUTBOX_READ, after, BATCH)
            entries = [_entry(item) for item in reply]
            if not entries:
                return
            self._applied = await self.run(partial(self._apply, entries))
            if len(entries) < BATCH:
                return

    def _apply(self, entries: list[Entry]) -> StreamId:
        config = self.config
        return search_postgres.apply(
            self._connection(),
            entries,
            config.retention,
            config.conversation_retention,
        )

    def _tick(self) -> Deferred[None]:
        """One periodic drain; a failure is logged once, not every second."""
        draining = self.caught_up()
        draining.addCallbacks(self._drained, self._not_drained)
        return draining

    def _drained(self, _: None) -> None:
        if self._failing:
            self._failing = False
            self.log.info("search index: caught up again")

    def _not_drained(self, failure: Failure) -> None:
        if not self._failing:
            self._failing = True
            self.log.warn(
                "search index: cannot apply the outbox ({problem}); its entries "
                "wait in Redis until it can",
                problem=failure.getErrorMessage(),
            )

    def _connection(self) -> psycopg.Connection[Any]:
        """Opened (again, after a failure) on the search thread."""
        return self.link.connection()

    def close(self) -> Deferred[None]:
        """Stop draining; close the connection after what is queued, and
        the thread."""
        if self._loop.running:
            self._loop.stop()
        run = self.run
        if isinstance(run, PrivateThreads) and not run.pool.started:
            return defer.succeed(None)  # never used: nothing to close
        closing: Deferred[None] = self._lock.run(lambda: run(self._close))
        if isinstance(run, PrivateThreads):
            closing.addBoth(lambda _: run.stop())
        return closing

    def _close(self) -> None:
        self.link.close()


def cluster_search(
    conninfo: str | None, calls: RedisCalls, clock: IReactorTime, config: ServerConfig
) -> ClusterSearch | None:
    """The node's search with ``--search-db conninfo``; None without it."""
    return None if conninfo is None else ClusterSearch(conninfo, calls, clock, config)


def _entry(item: list[Any]) -> Entry:
    """An ``XRANGE`` item: ``[id, [field, value, ...]]``; its key is the
    room's (``r``) or, for a private message, the conversation's (``c``)."""
    entry_id, flat = item
    ms, _, seq = entry_id.decode().partition("-")
    values = dict(zip(flat[::2], flat[1::2], strict=True))
    key: bytes = values.get(b"r") or values.get(b"c") or b""
    return (int(ms), int(seq)), key.decode(), values.get(b"e") or b""
