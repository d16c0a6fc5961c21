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
party's conversations (:attr:`~chatroom.core.search.SearchQuery.party`),
as the single server's ``search_private`` does.

``chatroom_search_cursor`` is one row: the id of the last entry of the
Redis outbox stream (``P search:outbox``) applied. :func:`apply` locks it
(``FOR UPDATE``), applies only the entries after it, in order, moves it
and commits, in one transaction: every entry changes the index exactly
once, whichever node applies it, and a node that dies halfway changes
nothing (PostgreSQL rolls back; another node applies the entries again).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from chatroom.backends.redis import postgres_link
from chatroom.backends.redis.encoded import decoded
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Edited,
    Event,
    Message,
    PrivateMessage,
    PrivateRedacted,
    Redacted,
)
from chatroom.core.search import Found, SearchQuery
from chatroom.core.text import name_key
from chatroom.wire.lines import parse_time

#: A stream entry id, as numbers: (milliseconds, sequence).
StreamId = tuple[int, int]

#: One outbox entry: its id, the room's key (the conversation's, for a
#: private message), and the stored event (b"": the room is gone), in the
#: cluster's encoding (:mod:`chatroom.core.codec`).
Entry = tuple[StreamId, str, bytes]

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
    # fastupdate off: a search never scans a pending list of recent rows
    # (up to 4 MB until vacuum merges it: 90 ms a search here, instead of
    # a few); indexing, batched off the messages' path, costs the same.
    """CREATE INDEX IF NOT EXISTS chatroom_search_words
        ON chatroom_search USING gin (words) WITH (fastupdate = off)""",
    """CREATE TABLE IF NOT EXISTS chatroom_search_cursor (
        one integer PRIMARY KEY DEFAULT 1 CHECK (one = 1),
        ms bigint NOT NULL, seq bigint NOT NULL)""",
    "INSERT INTO chatroom_search_cursor VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
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
    (room, id, sender, sender_key, stamp, at, body)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (room, id) DO UPDATE SET sender = EXCLUDED.sender,
        sender_key = EXCLUDED.sender_key, stamp = EXCLUDED.stamp,
        at = EXCLUDED.at, body = EXCLUDED.body"""
EDIT = "UPDATE chatroom_search SET body = %s WHERE room = %s AND id = %s"
REDACT = "DELETE FROM chatroom_search WHERE room = %s AND id = %s"
REDACT_PRIVATE = (
    "DELETE FROM chatroom_search_private WHERE conversation = %s AND id = %s"
)
DROP = "DELETE FROM chatroom_search WHERE room = %s"
TRIM = "DELETE FROM chatroom_search WHERE room = %s AND id <= %s"
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
    kept: int,
    conversation_kept: int = CONVERSATION_KEPT,
) -> StreamId:
    """Apply the ``entries`` after the cursor, in order, and move it, in
    one transaction; the cursor as it then stands. ``kept``: events a room
    keeps (``--retention``): messages older than a room's newest ``kept``
    events leave the index as they leave Redis; ``conversation_kept``: the
    same for a private conversation's messages (``conversation_retention``,
    as :class:`~chatroom.backends.redis.private.RedisConversations`
    trims them)."""
    with db.transaction():
        row = db.execute(
            "SELECT ms, seq FROM chatroom_search_cursor FOR UPDATE"
        ).fetchone()
        assert row is not None
        done: StreamId = (int(row[0]), int(row[1]))
        newest: dict[str, int] = {}
        newest_private: dict[str, int] = {}
        with db.pipeline():  # sent together: one round trip, not one a row
            for entry_id, room, data in entries:
                if entry_id <= done:
                    continue  # another node applied it
                done = entry_id
                if not data:
                    db.execute(DROP, (room,))
                    newest.pop(room, None)
                    continue
                event = decoded(data, Event)  # else logged: never block on it
                if isinstance(event, PrivateMessage) and event.id.isdigit():
                    _add_private(db, room, event)
                    newest_private[room] = int(event.id)
                elif isinstance(event, PrivateRedacted) and event.target.isdigit():
                    db.execute(REDACT_PRIVATE, (room, int(event.target)))
                elif isinstance(event, Message | Edited | Redacted) and event.id:
                    newest[room] = int(event.id)
                    _apply_event(db, room, event)
            for room, last in newest.items():
                db.execute(TRIM, (room, last - kept))
            for conversation, last in newest_private.items():
                db.execute(
                    TRIM_PRIVATE, (conversation, last - max(1, conversation_kept))
                )
            db.execute("UPDATE chatroom_search_cursor SET ms = %s, seq = %s", done)
    return done


def _apply_event(
    db: psycopg.Connection[Any], room: str, event: Message | Edited | Redacted
) -> None:
    """A message (or an action) is added, an edit replaces its target's
    text, a redaction removes its target."""
    if isinstance(event, Message):
        text = event.text.replace("\0", "")  # the one character text refuses
        user, stamp = event.user, event.time
        at = parse_time(stamp)
        db.execute(ADD, (room, int(event.id), user, name_key(user), stamp, at, text))
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
    conditions = ["words @@ plainto_tsquery('chatroom_search', %s)"]
    parameters: list[Any] = [" ".join(query.words).replace("\0", "")]
    if query.user:
        conditions.append("sender_key = %s")
        parameters.append(name_key(query.user))
    for bound, when in (("at < %s", query.before), ("at >= %s", query.after)):
        if when is not None:
            conditions.append(bound)
            parameters.append(when)
    return conditions, parameters


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
