"""``/search`` in cluster mode: PostgreSQL's full-text index, fed from Redis.

A room's events are read from the room's own history in Redis, which
holds every stored event (messages, actions, edits, redactions) under
consecutive ids (``kept_ids``, ``events`` in :mod:`chatroom.backends.redis.prelude`).
PostgreSQL keeps, per room key, the room's incarnation and the last id
applied (:mod:`chatroom.backends.redis.search_postgres`); catching a room
up is :data:`ROOM_FEED` (one script on the room's keys alone, so it runs
on whichever shard holds the room) for the events after that id, then one
transaction that applies them and moves the cursor. A room made again
under the same key (another incarnation) loses the old one's rows first;
a room that is gone loses them all; events the room's retention trimmed
before they were applied are never indexed (the index keeps what Redis
keeps). So nothing about search is on a message's path: a room's scripts
write nothing for it, and a message is acknowledged once Redis has it.

Private conversations live in the server's slot, and the script that
stores a private message (``APPEND`` in
:mod:`chatroom.backends.redis.private`, ``feed_private``) also appends it,
in the same atomic step, to the Redis stream ``P search:outbox``, once
some node with ``--search-db`` has turned it on (``P search``).

Any node with ``--search-db`` catches up: before each of its searches,
the rooms searched and the outbox, so a search finds every message
acknowledged before it was asked, on whichever node it was said (one
Redis read per room searched, one PostgreSQL read of their cursors, a
transaction only if something is new); and once a second, the rooms whose
events this node heard since (its subscriber marks them:
:attr:`ClusterSearch.heard`, a set, nothing else per message) and the
outbox. Several nodes may catch up one room at once; its cursor row
(``FOR UPDATE``) makes each event count once. Outbox entries are trimmed
from the stream once applied; while PostgreSQL is down they wait there
(up to :data:`~chatroom.backends.redis.prelude.OUTBOX_SIZE`), as the
rooms' events wait in their history, and the first catch-up after it is
back applies them.

The blocking driver (psycopg 3) runs on a thread of this node's own, one
connection, in order; the reactor never waits on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
from chatroom.backends.redis.search_postgres import (
    Entry,
    RoomCursor,
    RoomFeed,
    StreamId,
)
from chatroom.core.infra.thread_pool import PrivateThreads
from chatroom.core.messages.search import Found, SearchQuery
from chatroom.core.model import errors
from chatroom.core.model.config import ServerConfig
from chatroom.redisclient.resp import reply_text

#: Seconds between two drains of the outbox and of the rooms heard, when
#: nobody searches.
DRAIN_INTERVAL = 1.0

#: Outbox entries, or a room's events, read and applied in one transaction.
BATCH = 500

#: Seconds PostgreSQL has to connect, and to run one statement.
DATABASE_TIMEOUT = 5.0

#: Rounds of a catch-up in a row that move no room on (each read found the
#: rows moved by another node to what it cannot tell) before it gives up,
#: logged; the next one starts again.
STALLS = 10

#: Operands: after (the last entry applied, ``ms-seq``), count. Keeps the outbox
#: on (``P search``), trims what was applied, and returns up to count
#: entries after it, oldest first.
OUTBOX_READ = Script("outbox_read")

#: Operands: room, incarnation, after (an id), count. The room's keys only:
#: {incarnation ('' if there is no room r), the first id its history keeps,
#: its newest id, the id of the first event returned, up to count stored
#: events from it on}: those after `after` if the room is still that
#: incarnation and has got that far (else from the first it keeps: the
#: room was made again, or Redis went back), oldest first.
ROOM_FEED = Script("room_feed", room_at="room")

#: Runs a function on the search thread, in order.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]


class ClusterSearch:
    """This node's searches, and its share of keeping the index current.

    Args:
        conninfo: PostgreSQL's connection string (``--search-db``).
        calls: the node's Redis calls (the outbox, the rooms' history).
        clock: drains on its time; the search thread is started on it.
        config: conversations' retention (what the index keeps of them).
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
        #: The keys of the rooms this node heard events of since its last
        #: drain (:class:`~chatroom.backends.redis.delivery.NodeRooms` adds
        #: them as they come): what the next one catches up.
        self.heard: set[str] = set()
        self._lock = DeferredLock()
        #: Who waits for the next drain (one not yet started), and the
        #: rooms they want caught up.
        self._waiters: list[Deferred[None]] = []
        self._wanted: set[str] = set()
        self._loop = LoopingCall(self._tick)
        self._loop.clock = clock
        self._failing = False

    def start(self) -> None:
        """Drain now and then, so the outbox stays short and the rooms
        heard are indexed when nobody searches."""
        self._loop.start(DRAIN_INTERVAL, now=False)

    async def search(
        self, keys: Sequence[str], query: SearchQuery, limit: int
    ) -> list[Found]:
        """After every change stored so far in rooms ``keys`` and in
        private conversations: ``UNAVAILABLE`` if Redis or PostgreSQL
        cannot be reached."""
        age = self.config.retention_age
        oldest = self.clock.seconds() - age if age else None
        try:
            await self.caught_up(keys)
            found: list[Found] = await self.run(
                lambda: search_postgres.search(
                    self._connection(), keys, query, limit, oldest
                )
            )
        except psycopg.Error as problem:
            self.log.warn("search: PostgreSQL: {problem}", problem=problem)
            raise errors.search_database_down() from None
        return found

    def caught_up(self, rooms: Iterable[str] = ()) -> Deferred[None]:
        """Fires once every outbox entry there now is applied, and every
        event rooms ``rooms`` have now: by the next drain that starts (one
        shared by everyone who asks before it does)."""
        waiting: Deferred[None] = Deferred()
        self._waiters.append(waiting)
        self._wanted.update(rooms)
        if len(self._waiters) == 1:
            self._lock.run(lambda: defer.ensureDeferred(self._drain_for_waiters()))
        return waiting

    async def _drain_for_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        rooms, self._wanted = self._wanted, set()
        try:
            await self._drain()
            await self._catch_up(sorted(rooms))
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
            reply = await self.calls.eval(OUTBOX_READ, {"after": after, "count": BATCH})
            entries = [_entry(item) for item in reply]
            if not entries:
                return
            self._applied = await self.run(partial(self._apply, entries))
            if len(entries) < BATCH:
                return

    def _apply(self, entries: list[Entry]) -> StreamId:
        return search_postgres.apply(
            self._connection(), entries, self.config.conversation_retention
        )

    async def _catch_up(self, rooms: list[str]) -> None:
        """Apply the events rooms ``rooms`` have in Redis that the index
        has not: a round reads each room's (one script on its keys alone,
        all at once), then applies them in one transaction, until every
        room is caught up."""
        if not rooms:
            return
        cursors = await self.run(
            lambda: search_postgres.room_cursors(self._connection(), rooms)
        )
        stalls = 0
        while cursors:
            feeds = await defer.gatherResults(
                [
                    defer.ensureDeferred(self._read(room, cursor))
                    for room, cursor in cursors.items()
                ],
                consumeErrors=True,
            ).addErrback(_first_error)
            todo = [
                (cursors[f.room], f) for f in feeds if not f.covered_by(cursors[f.room])
            ]
            if not todo:
                return
            now = await self.run(partial(self._apply_rooms, todo))
            if all(now[feed.room] == cursor for cursor, feed in todo):
                stalls += 1
                if stalls == STALLS:
                    self.log.warn(
                        "search index: rooms {rooms} not caught up", rooms=sorted(now)
                    )
                    return
            else:
                stalls = 0
            cursors = {
                feed.room: now[feed.room]
                for _, feed in todo
                if not feed.covered_by(now[feed.room])
            }

    def _apply_rooms(
        self, feeds: list[tuple[RoomCursor, RoomFeed]]
    ) -> dict[str, RoomCursor]:
        return search_postgres.apply_rooms(self._connection(), feeds)

    async def _read(self, room: str, cursor: RoomCursor) -> RoomFeed:
        """Room ``room``'s events after ``cursor`` (up to :data:`BATCH`)."""
        inc, after = cursor
        read = {"room": room, "incarnation": inc or "", "after": after}
        reply = await self.calls.eval(ROOM_FEED, {**read, "count": BATCH})
        now, first, last, start, events = reply
        return RoomFeed(
            room, reply_text(now), int(first), int(last), int(start), list(events)
        )

    def _tick(self) -> Deferred[None]:
        """One periodic drain, of the rooms heard since the last; a failure
        is logged once, not every second, and its rooms wait for the next."""
        rooms = list(self.heard)
        self.heard.clear()
        draining = self.caught_up(rooms)
        draining.addCallbacks(self._drained, self._not_drained, errbackArgs=(rooms,))
        return draining

    def _drained(self, _: None) -> None:
        if self._failing:
            self._failing = False
            self.log.info("search index: caught up again")

    def _not_drained(self, failure: Failure, rooms: list[str]) -> None:
        self.heard.update(rooms)
        if not self._failing:
            self._failing = True
            self.log.warn(
                "search index: cannot catch up ({problem}); the rooms' history "
                "and the outbox wait in Redis until it can",
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


def _entry(item: list[Any]) -> Entry:
    """An ``XRANGE`` item: ``[id, [field, value, ...]]``; its key is the
    conversation's (``c``; '' for a room's, which an older version fed)."""
    entry_id, flat = item
    ms, _, seq = entry_id.decode().partition("-")
    values = dict(zip(flat[::2], flat[1::2], strict=True))
    key: bytes = values.get(b"c") or b""
    return (int(ms), int(seq)), key.decode(), values.get(b"e") or b""


def _first_error(failure: Failure) -> Failure:
    """What made ``gatherResults`` fail: the first of its calls' failures."""
    if isinstance(failure.value, defer.FirstError):
        return failure.value.subFailure
    return failure
