"""A cluster's backup: every Redis key of the chat, in a file.

``chatroom-admin backup`` against a cluster node gets this file (the node
writes it with :func:`export`); ``chatroom-admin restore FILE --redis URL``
reads it back (:func:`records`) and loads each key into an empty Redis with
``RESTORE``. Each key is kept as Redis's own ``DUMP`` of it (its type and
value, in Redis's serialisation, which ``RESTORE`` checks) and its time to
live, so nothing of the cluster's layout is written twice here.

The file: :data:`MAGIC`, then one record per key, each a header
(:data:`RECORD`: the key's length, its time to live in milliseconds, 0 for
none, and the dump's length) followed by the key and the dump; then a
record with an empty key whose dump length is the number of keys before it,
so a file cut short is known as such.

The keys are found with ``SCAN`` (never ``KEYS``, which would hold Redis
for the whole keyspace), a batch at a time, and written as they are read:
the copy is of each key as it was when it was read, not of one instant (a
cluster keeps running meanwhile; stop writers first for a still copy).

The chat's keys are those under its prefix and, with each room in a slot
of its own (``ClusterConfig.rooms_apart``), every room's under its own
hash tag (``{chatroom/r}:kind``: :func:`patterns`), which a Redis Cluster
of several primaries spreads over all of them: each primary is scanned
(:meth:`~.calls.RedisCalls.scanners`) and each key read where its slot is
served (:meth:`~.calls.RedisCalls.keyed`). A backup keeps the keys' names
as they are: it does not move a chat between that layout and the one
where the rooms share the prefix's slot.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, BinaryIO, NamedTuple

from chatroom.core.model.config import CLUSTER_PREFIX, ClusterConfig, rooms_tag

#: The first bytes of a cluster backup.
MAGIC = b"CHATROOM-REDIS-BACKUP 1\n"
#: A record's header: key length, time to live (ms, 0: none), dump length.
RECORD = struct.Struct(">IqI")
#: Keys asked of ``SCAN`` at a time.
BATCH = 500
#: The prefixes a backup's keys may carry: one Redis's (or Sentinel's
#: primary's) and a Redis Cluster's hash tag.
PREFIXES = (ClusterConfig.prefix, CLUSTER_PREFIX)
#: How a room's key begins with rooms apart (``{chatroom/r}:kind``): the
#: cluster prefix's tag, a slash, the room.
ROOMS_APART = rooms_tag(CLUSTER_PREFIX)

#: One Redis command, answered as bytes.
Command = Callable[..., Awaitable[Any]]


class DumpFileError(Exception):
    """The file is no whole cluster backup; the message says why."""


def pattern(prefix: str) -> bytes:
    """``SCAN``'s ``MATCH`` for every key starting with ``prefix``, its
    glob characters escaped."""
    escaped = "".join("\\" + c if c in "*?[]\\" else c for c in prefix)
    return (escaped + "*").encode()


def patterns(prefix: str, rooms_apart: bool) -> list[bytes]:
    """``SCAN``'s ``MATCH``es for every key of a chat whose keys are under
    ``prefix``, and with ``rooms_apart`` each room's under its own tag."""
    if not rooms_apart:
        return [pattern(prefix)]
    return [pattern(prefix), pattern(rooms_tag(prefix))]


async def export(
    scanners: Sequence[Command], keyed: Command, matches: list[bytes], file: BinaryIO
) -> int:
    """Write every key that each of ``scanners`` (a command on one Redis
    each: every primary holding the chat's keys) finds by ``matches``
    into ``file``, each read with ``keyed`` (a command on the Redis
    serving its key); how many keys.

    A key that expires or goes between ``SCAN`` and its ``DUMP`` is left
    out (``SCAN`` may name a key twice: it is written once).
    """
    file.write(MAGIC)
    written: set[bytes] = set()
    for command in scanners:
        for match in matches:
            cursor = b"0"
            while True:
                cursor, keys = await command(
                    "SCAN", cursor, "MATCH", match, "COUNT", BATCH
                )
                for key in keys:
                    if key not in written and await _written(keyed, key, file):
                        written.add(key)
                if cursor in (b"0", 0, "0"):
                    break
    file.write(RECORD.pack(0, 0, len(written)))
    return len(written)


async def _written(keyed: Command, key: bytes, file: BinaryIO) -> bool:
    """Write ``key``'s record; False if it went meanwhile."""
    dumped = await keyed("DUMP", key)
    ttl = int(await keyed("PTTL", key))
    if dumped is None or ttl == -2:
        return False
    file.write(RECORD.pack(len(key), max(ttl, 0), len(dumped)))
    file.write(key)
    file.write(dumped)
    return True


def is_dump_file(path: str) -> bool:
    """Whether the file at ``path`` starts as a cluster backup does."""
    with open(path, "rb") as file:
        return file.read(len(MAGIC)) == MAGIC


def records(file: BinaryIO) -> Iterator[tuple[bytes, int, bytes]]:
    """Each key of a cluster backup: (key, time to live in ms or 0, dump).

    Raises:
        DumpFileError: not a cluster backup, or one cut short.
    """
    if file.read(len(MAGIC)) != MAGIC:
        raise DumpFileError("not a chatroom cluster backup")
    count = 0
    while True:
        header = file.read(RECORD.size)
        if len(header) != RECORD.size:
            raise DumpFileError(f"cut short after {count} keys")
        key_length, ttl, dump_length = RECORD.unpack(header)
        if key_length == 0:
            if dump_length != count:
                raise DumpFileError(f"{count} keys, but it says {dump_length}")
            if file.read(1):
                raise DumpFileError("more after its end")
            return
        key, dumped = file.read(key_length), file.read(dump_length)
        if len(key) != key_length or len(dumped) != dump_length:
            raise DumpFileError(f"cut short after {count} keys")
        count += 1
        yield key, ttl, dumped


def room_apart(key: bytes) -> bool:
    """Whether ``key`` is a room's with rooms apart (``{chatroom/r}:kind``),
    kept under its own tag whatever the target's layout."""
    return key.startswith(ROOMS_APART.encode())


def unprefixed(key: bytes) -> bytes:
    """A backup's key without the prefix of the layout it was taken from
    (not a room's key with rooms apart, which has no such prefix).

    Raises:
        DumpFileError: a key under neither prefix (no chat's backup).
    """
    for prefix in PREFIXES:
        if key.startswith(prefix.encode()):
            return key[len(prefix) :]
    raise DumpFileError(f"a key under no chat prefix: {key[:60]!r}")


class Contents(NamedTuple):
    """What a whole backup holds."""

    keys: int
    #: Whether it has rooms' keys under their own tags (rooms apart).
    rooms_apart: bool


def check(path: str) -> Contents:
    """What the cluster backup at ``path`` holds, read through: whole, and
    every key a chat's (a room's with rooms apart, or :func:`unprefixed`).

    Raises:
        DumpFileError: as :func:`records` and :func:`unprefixed`.
    """
    count, rooms_apart = 0, False
    with open(path, "rb") as file:
        for key, _, _ in records(file):
            if room_apart(key):
                rooms_apart = True
            else:
                unprefixed(key)
            count += 1
    return Contents(count, rooms_apart)
