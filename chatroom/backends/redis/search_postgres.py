"""Cluster search's index in PostgreSQL: its schema, its changes, its query.

Every function here blocks (a psycopg 3 connection) and runs on the search
thread of :class:`~chatroom.backends.redis.search.ClusterSearch`, never
on the reactor.

One table, ``chatroom_search``, holds each message and action the rooms
keep (their current text), keyed by the room's name key and the message's
id (ids never repeat within a room name: ``P ids`` outlives the room), with
a generated ``tsvector`` column under a GIN index. Its text search
configuration, ``chatroom_search``, is PostgreSQL's ``simple`` (words split
by the default parser, folded to lower case, no stemming, no stop words:
whole words only, as SQLite's FTS5 ``unicode61`` does for a single server)
with the ``unaccent`` dictionary in front, so ``Cafe`` finds ``café``.

``chatroom_search_private`` holds the messages private conversations keep,
keyed by the conversation's key and the message's id, with the two parties
(``one``, ``other``: the halves of the key) under indexes of their own and
the same generated ``tsvector``: a search reads only the rows of its
party's conversations (:attr:`~chatroom.core.messages.search.SearchQuery.party`),
as the single server's ``search_private`` does.

A room's rows come from the room's own history in Redis (each stored
event has the next id of the room; search.py's ``ROOM_FEED`` reads the
events after a given id). ``chatroom_search_rooms`` has a row per room key:
the room's incarnation whose events the rows are (``inc``, new each time
the room is made; '' once the room is gone, NULL before its first
catch-up) and the last id applied (``last_id``). :func:`apply_rooms` locks
the rows of the rooms it is given (``FOR UPDATE``, in key order), applies
each room's events only if its row is still as it was read before Redis
was (or, moved on by another node, in the same incarnation: only the
events after it), moves the rows and commits, in one transaction: every
event changes the index exactly once, whichever node applies it, and a
node that dies halfway changes nothing.

``chatroom_search_cursor`` is one row: the id of the last entry of the
Redis outbox stream (``P search:outbox``, private conversations only)
applied. :func:`apply` locks it (``FOR UPDATE``), applies only the entries
after it, in order, moves it and commits, in one transaction, with the
same guarantees.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from chatroom.backends.redis import postgres_link
from chatroom.backends.redis.encoded import decoded
from chatroom.core.accounts.thread_follows import root_of
from chatroom.core.messages.search import Found, SearchQuery
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import (
    Edited,
    Event,
    Message,
    PrivateMessage,
    PrivateRedacted,
    Redacted,
)
from chatroom.core.model.text import name_key
from chatroom.wire.lines import parse_time

#: A stream entry id, as numbers: (milliseconds, sequence).
StreamId = tuple[int, int]

#: One outbox entry: its id, the private conversation's key ('' for an
#: entry of a room, which an older version fed: skipped), and the stored
#: event, in the cluster's encoding (:mod:`chatroom.core.model.codec`).
Entry = tuple[StreamId, str, bytes]

#: Where a room's rows stand: the incarnation they are of (None: never
#: caught up; '': the room is gone) and the last id applied.
RoomCursor = tuple[str | None, int]

#: A room never caught up.
NEW_ROOM: RoomCursor = (None, 0)


@dataclass(frozen=True)
class RoomFeed:
    """What one read of a room's history in Redis found (``ROOM_FEED``).

    Attributes:
        room: the room's key.
        inc: its incarnation ('' if there is no such room now).
        first: the first id its history keeps (``last + 1``: none).
        last: its newest id.
        start: the id of ``events[0]`` (the events are consecutive).
        events: stored events (b"" for a redacted one's place).
    """

    room: str
    inc: str
    first: int
    last: int
    start: int
    events: Sequence[bytes] = ()

    @property
    def end(self) -> int:
        """The id of the last event read (``start - 1``: none)."""
        return self.start + len(self.events) - 1

    def covered_by(self, cursor: RoomCursor) -> bool:
        """Whether rows standing at ``cursor`` hold everything this read saw."""
        inc, last = cursor
        return inc == self.inc and (inc == "" or last >= self.last)


#: Messages a conversation keeps when the caller does not say
#: (``ServerConfig.conversation_retention``'s default).
CONVERSATION_KEPT = ServerConfig.conversation_retention


#: Run once per database, under a lock so two nodes starting together do
#: not race (``CREATE TEXT SEARCH CONFIGURATION`` has no ``IF NOT EXISTS``).
SCHEMA = [
    "SELECT pg_advisory_xact_lock(7236521)",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'chatroom_search')
    THEN
        CREATE TEXT SEARCH CONFIGURATION chatroom_search (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION chatroom_search
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    END IF;
    END $$""",
    """CREATE TABLE IF NOT EXISTS chatroom_search (
        room text NOT NULL,
        id bigint NOT NULL,
        sender text NOT NULL,
        sender_key text NOT NULL,
        stamp text NOT NULL,
        at double precision NOT NULL,
        body text NOT NULL,
        words tsvector GENERATED ALWAYS AS
            (to_tsvector('chatroom_search', body)) STORED,
        PRIMARY KEY (room, id))""",
    # the root's id of a thread's message (0: none), for in:thread; a table
    # made before threads gains it
    """ALTER TABLE chatroom_search
        ADD COLUMN IF NOT EXISTS thread bigint NOT NULL DEFAULT 0""",
    # fastupdate off: a search never scans a pending list of recent rows
    # (up to 4 MB until vacuum merges it: 90 ms a search here, instead of
    # a few); indexing, batched off the messages' path, costs the same.
    """CREATE INDEX IF NOT EXISTS chatroom_search_words
        ON chatroom_search USING gin (words) WITH (fastupdate = off)""",
    """CREATE TABLE IF NOT EXISTS chatroom_search_cursor (
        one integer PRIMARY KEY DEFAULT 1 CHECK (one = 1),
        ms bigint NOT NULL, seq bigint NOT NULL)""",
    "INSERT INTO chatroom_search_cursor VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
    """CREATE TABLE IF NOT EXISTS chatroom_search_rooms (
        room text PRIMARY KEY,
        inc text,
        last_id bigint NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS chatroom_search_private (
        conversation text NOT NULL,
        id bigint NOT NULL,
        one text NOT NULL,
        other text NOT NULL,
        sender text NOT NULL,
        sender_key text NOT NULL,
        recipient text NOT NULL,
        stamp text NOT NULL,
        at double precision NOT NULL,
        body text NOT NULL,
        words tsvector GENERATED ALWAYS AS
            (to_tsvector('chatroom_search', body)) STORED,
        PRIMARY KEY (conversation, id))""",
    """CREATE INDEX IF NOT EXISTS chatroom_search_private_words
        ON chatroom_search_private USING gin (words) WITH (fastupdate = off)""",
    """CREATE INDEX IF NOT EXISTS chatroom_search_private_one
        ON chatroom_search_private (one)""",
    """CREATE INDEX IF NOT EXISTS chatroom_search_private_other
        ON chatroom_search_private (other)""",
]

ADD = """INSERT INTO chatroom_search
    (room, id, sender, sender_key, stamp, at, body, thread)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (room, id) DO UPDATE SET sender = EXCLUDED.sender,
        sender_key = EXCLUDED.sender_key, stamp = EXCLUDED.stamp,
        at = EXCLUDED.at, body = EXCLUDED.body, thread = EXCLUDED.thread"""
EDIT = "UPDATE chatroom_search SET body = %s WHERE room = %s AND id = %s"
REDACT = "DELETE FROM chatroom_search WHERE room = %s AND id = %s"
REDACT_PRIVATE = (
    "DELETE FROM chatroom_search_private WHERE conversation = %s AND id = %s"
)
DROP = "DELETE FROM chatroom_search WHERE room = %s"
TRIM = "DELETE FROM chatroom_search WHERE room = %s AND id < %s"
MOVE = "UPDATE chatroom_search_rooms SET inc = %s, last_id = %s WHERE room = %s"
ADD_PRIVATE = """INSERT INTO chatroom_search_private
    (conversation, id, one, other, sender, sender_key, recipient, stamp, at, body)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (conversation, id) DO UPDATE SET one = EXCLUDED.one,
        other = EXCLUDED.other, sender = EXCLUDED.sender,
        sender_key = EXCLUDED.sender_key, recipient = EXCLUDED.recipient,
        stamp = EXCLUDED.stamp, at = EXCLUDED.at, body = EXCLUDED.body"""
TRIM_PRIVATE = (
    "DELETE FROM chatroom_search_private WHERE conversation = %s AND id <= %s"
)


def connect(conninfo: str, timeout: float) -> psycopg.Connection[Any]:
    """A connection whose schema is in place; every statement bounded by
    ``timeout`` seconds, so a stuck server cannot hold the thread."""
    return postgres_link.connect(conninfo, timeout, SCHEMA)


def cursor(db: psycopg.Connection[Any]) -> StreamId:
    """The last outbox entry applied (by any node)."""
    with db.transaction():
        row = db.execute("SELECT ms, seq FROM chatroom_search_cursor").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def apply(
    db: psycopg.Connection[Any],
    entries: Sequence[Entry],
    conversation_kept: int = CONVERSATION_KEPT,
) -> StreamId:
    """Apply the outbox ``entries`` after the cursor, in order, and move
    it, in one transaction; the cursor as it then stands.
    ``conversation_kept``: messages a private conversation keeps
    (``conversation_retention``, as
    :class:`~chatroom.backends.redis.private.RedisConversations` trims
    them): older ones leave the index as they leave Redis."""
    with db.transaction():
        row = db.execute(
            "SELECT ms, seq FROM chatroom_search_cursor FOR UPDATE"
        ).fetchone()
        assert row is not None
        done: StreamId = (int(row[0]), int(row[1]))
        newest_private: dict[str, int] = {}
        with db.pipeline():  # sent together: one round trip, not one a row
            for entry_id, conversation, data in entries:
                if entry_id <= done:
                    continue  # another node applied it
                done = entry_id
                if not conversation or not data:
                    continue  # a room's, fed by an older version: read from Redis
                event = decoded(data, Event)  # else logged: never block on it
                if isinstance(event, PrivateMessage) and event.id.isdigit():
                    _add_private(db, conversation, event)
                    newest_private[conversation] = int(event.id)
                elif isinstance(event, PrivateRedacted) and event.target.isdigit():
                    db.execute(REDACT_PRIVATE, (conversation, int(event.target)))
            for conversation, last in newest_private.items():
                db.execute(
                    TRIM_PRIVATE, (conversation, last - max(1, conversation_kept))
                )
            db.execute("UPDATE chatroom_search_cursor SET ms = %s, seq = %s", done)
    return done


def room_cursors(
    db: psycopg.Connection[Any], rooms: Sequence[str]
) -> dict[str, RoomCursor]:
    """Where each of ``rooms`` stands (:data:`NEW_ROOM` if never caught up)."""
    with db.transaction():
        rows = db.execute(
            "SELECT room, inc, last_id FROM chatroom_search_rooms WHERE room = ANY(%s)",
            (list(rooms),),
        ).fetchall()
    found = {str(room): (inc, int(last)) for room, inc, last in rows}
    return {room: found.get(room, NEW_ROOM) for room in rooms}


def apply_rooms(
    db: psycopg.Connection[Any], feeds: Sequence[tuple[RoomCursor, RoomFeed]]
) -> dict[str, RoomCursor]:
    """Apply each room's ``feed``, read from Redis after its rows stood at
    ``cursor``, in one transaction; where each room's rows then stand.

    A room whose rows still stand at ``cursor`` takes the feed whole: the
    feed was read after they got there, so it is newer. If its incarnation
    is another (the room was deleted and made again under the same key)
    or Redis's history went back behind them (Redis lost data), the room's
    rows go first; if the room is gone, they all go. Rows another node
    moved meanwhile take the events after where they stand if the feed is
    of their incarnation and reaches them; otherwise nothing is applied and
    the caller reads Redis again from where they stand. Rows below the
    first id Redis keeps (``--retention``, ``--retention-age``) go as the
    history drops them; events trimmed before they were applied are never
    indexed (the index keeps what Redis keeps)."""
    by_room = {feed.room: (cursor, feed) for cursor, feed in feeds}
    rooms = sorted(by_room)  # locked in one order: two nodes never deadlock
    now: dict[str, RoomCursor] = {}
    with db.transaction():
        db.execute(
            "INSERT INTO chatroom_search_rooms "
            "SELECT room, NULL, 0 FROM unnest(%s::text[]) AS room "
            "ON CONFLICT DO NOTHING",
            (rooms,),
        )
        rows = db.execute(
            "SELECT room, inc, last_id FROM chatroom_search_rooms "
            "WHERE room = ANY(%s) ORDER BY room FOR UPDATE",
            (rooms,),
        ).fetchall()
        with db.pipeline():  # sent together: one round trip, not one a row
            for room, inc, last in rows:
                cursor, feed = by_room[room]
                now[room] = _catch_up(db, (inc, int(last)), cursor, feed)
    return now


def _catch_up(
    db: psycopg.Connection[Any], row: RoomCursor, read_at: RoomCursor, feed: RoomFeed
) -> RoomCursor:
    """One room's share of :func:`apply_rooms`: its rows standing at
    ``row``, ``feed`` read after they stood at ``read_at``."""
    room = feed.room
    if row == read_at:
        if feed.inc == "":  # the room is gone, and its messages with it
            if row[0] != "":
                db.execute(DROP, (room,))
            gone: RoomCursor = ("", feed.last)
            db.execute(MOVE, (*gone, room))
            return gone
        if feed.inc != row[0] or feed.start <= row[1]:
            db.execute(DROP, (room,))  # another room's, or Redis went back
            after = feed.start - 1
        else:
            after = row[1]
    elif row[0] is not None and row[0] == feed.inc and feed.inc != "":
        if feed.end <= row[1]:
            return row  # another node applied as much or more
        if feed.start > row[1] + 1:
            return row  # read from too far on: read again
        after = row[1]
    else:
        return row  # moved on by another node, to what this read cannot tell
    for offset, data in enumerate(feed.events):
        if feed.start + offset <= after or not data:
            continue  # applied already, or a redacted event's place
        event = decoded(data, Event)  # else logged: never block on it
        if isinstance(event, Message | Edited | Redacted) and event.id:
            _apply_event(db, room, event)
    db.execute(TRIM, (room, feed.first))
    moved: RoomCursor = (feed.inc, max(after, feed.end))
    db.execute(MOVE, (*moved, room))
    return moved


def _apply_event(
    db: psycopg.Connection[Any], room: str, event: Message | Edited | Redacted
) -> None:
    """A message (or an action) is added, an edit replaces its target's
    text, a redaction removes its target."""
    if isinstance(event, Message):
        text = event.text.replace("\0", "")  # the one character text refuses
        user, stamp = event.user, event.time
        at, thread = parse_time(stamp), int(root_of(event) or 0)
        db.execute(
            ADD, (room, int(event.id), user, name_key(user), stamp, at, text, thread)
        )
    elif isinstance(event, Edited):
        db.execute(EDIT, (event.text.replace("\0", ""), room, int(event.target)))
    else:
        db.execute(REDACT, (room, int(event.target)))


def _add_private(
    db: psycopg.Connection[Any], conversation: str, event: PrivateMessage
) -> None:
    """A message of a private conversation, found by either of its two
    parties (never edited: a conversation has no ``/edit``)."""
    sender, recipient, stamp = event.sender, event.recipient, event.time
    one, _, other = conversation.partition(" ")
    db.execute(
        ADD_PRIVATE,
        (
            conversation,
            int(event.id),
            one,
            other,
            sender,
            name_key(sender),
            recipient,
            stamp,
            parse_time(stamp),
            event.text.replace("\0", ""),
        ),
    )


def search(
    db: psycopg.Connection[Any],
    keys: Sequence[str],
    query: SearchQuery,
    limit: int,
    oldest: float | None,
) -> list[Found]:
    """Up to ``limit`` messages of rooms ``keys``, and of the private
    conversations ``query`` names (``query.party``'s: every one, or only
    ``query.conversations``), with every word of ``query``
    (``plainto_tsquery``: the words ANDed, nothing the user types is an
    operator), newest first: a room's and a conversation's hits merged by
    time, a room's first at the same time, as the single server merges
    them. ``oldest``: messages said before it are gone from the rooms
    (``--retention-age``; conversations keep theirs by count only)."""
    conditions, parameters = _matching(query)
    rooms: list[Found] = []
    private: list[Found] = []
    with db.transaction():
        if keys:
            in_rooms = [*conditions, "room = ANY(%s)"]
            if query.threads:
                in_rooms.append("thread <> 0")
            if oldest is not None:
                in_rooms.append("at >= %s")
            rows = db.execute(
                "SELECT room, id, sender, stamp, body FROM chatroom_search "
                f"WHERE {' AND '.join(in_rooms)} "
                "ORDER BY at DESC, id DESC LIMIT %s",
                (*parameters, list(keys), *([] if oldest is None else [oldest]), limit),
            ).fetchall()
            rooms = [Found(str(r[0]), int(r[1]), *map(str, r[2:])) for r in rows]
        if query.party:
            private = _search_private(db, query, conditions, parameters, limit)
    if not private:
        return rooms
    merged = sorted(rooms + private, key=lambda row: row.stamp, reverse=True)
    return merged[:limit]


def _matching(query: SearchQuery) -> tuple[list[str], list[Any]]:
    """The conditions both tables share: the words, ``from:``, ``before:``
    and ``after:``, with their parameters."""
    prefixes = ts_prefixes(query)
    if prefixes:
        conditions = ["words @@ to_tsquery('chatroom_search', %s)"]
        parameters: list[Any] = [prefixes]
    else:
        conditions = ["words @@ plainto_tsquery('chatroom_search', %s)"]
        parameters = [" ".join(query.words).replace("\0", "")]
    if query.user:
        conditions.append("sender_key = %s")
        parameters.append(name_key(query.user))
    for bound, when in (("at < %s", query.before), ("at >= %s", query.after)):
        if when is not None:
            conditions.append(bound)
            parameters.append(when)
    return conditions, parameters


def ts_prefixes(query: SearchQuery) -> str:
    """``to_tsquery``'s text for ``query``'s words: each run of letters and
    digits of a word (the parser's words), ANDed, the last of a word the
    core says matches the words it starts
    (:attr:`~chatroom.core.messages.search.SearchQuery.starts`) a prefix
    (``'boil':*``). Quoted and made only of letters and digits, so nothing
    a user types is an operator. "" when no word has a letter or a digit
    (``plainto_tsquery`` then, which finds nothing either)."""
    terms: list[str] = []
    for word in query.words:
        runs = _RUNS.findall(word)
        for index, run in enumerate(runs):
            prefix = word in query.starts and index == len(runs) - 1
            terms.append(f"'{run}'" + (":*" if prefix else ""))
    return " & ".join(terms)


#: A run of letters and digits: what PostgreSQL's parser makes a word of.
_RUNS = re.compile(r"[^\W_]+")


def _search_private(
    db: psycopg.Connection[Any],
    query: SearchQuery,
    conditions: list[str],
    parameters: list[Any],
    limit: int,
) -> list[Found]:
    """Up to ``limit`` messages of ``query.party``'s conversations (only
    ``query.conversations``, if any) matching ``conditions``, newest first."""
    conditions = [*conditions, "(one = %s OR other = %s)"]
    parameters = [*parameters, query.party, query.party]
    if query.conversations:
        conditions.append("conversation = ANY(%s)")
        parameters.append(list(query.conversations))
    rows = db.execute(
        "SELECT id, sender, stamp, body, conversation, recipient "
        f"FROM chatroom_search_private WHERE {' AND '.join(conditions)} "
        "ORDER BY at DESC, id DESC LIMIT %s",
        (*parameters, limit),
    ).fetchall()
    return [Found("", int(r[0]), *map(str, r[1:])) for r in rows]
