"""Redis Cluster's hash slots, as a client must compute and track them.

Pure functions and data, no I/O: :mod:`.shards` does the talking. A Redis
Cluster places every key in one of 16,384 slots by a CRC16 of its hash tag
(:func:`key_slot`), tells where each slot is served (``CLUSTER SLOTS``,
:class:`SlotMap`) and redirects a command sent to the wrong primary
(``MOVED``, ``ASK``: :func:`redirection`).

The CRC16 is our own: txredisapi has none (it has no cluster client), and
the PyPI package ``crc16`` is a C extension last released in 2013; redis-py
carries one, but its client blocks, or runs on asyncio. The function is a
table and a loop, checked against ``CLUSTER KEYSLOT`` by the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: How many hash slots a Redis Cluster has.
SLOTS = 16384


def _crc16_table() -> tuple[int, ...]:
    """CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection),
    one entry per byte value."""
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _crc16_table()


def crc16(data: bytes) -> int:
    """The CRC16/XMODEM of ``data``, the one Redis Cluster hashes keys by."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


def hash_tag(key: bytes) -> bytes:
    """The part of ``key`` Redis Cluster hashes: what lies between its first
    ``{`` and the first ``}`` after it, if that is not empty; else the
    whole key (so ``foo{}{bar}`` is hashed whole)."""
    opening = key.find(b"{")
    if opening == -1:
        return key
    closing = key.find(b"}", opening + 1)
    if closing <= opening + 1:  # no "}", or "{}": no tag
        return key
    return key[opening + 1 : closing]


def key_slot(key: bytes | str) -> int:
    """The hash slot of ``key``, as ``CLUSTER KEYSLOT`` answers (a str is
    encoded as UTF-8, as a link sends it)."""
    if isinstance(key, str):
        key = key.encode()
    return crc16(hash_tag(key)) % SLOTS


#: A node of the cluster: host and port.
Node = tuple[str, int]


@dataclass(frozen=True)
class Redirection:
    """A Redis Cluster's redirection of a command: ``MOVED`` (the slot is
    served elsewhere now: update the map) or ``ASK`` (the slot is being
    migrated and this key is already at ``host:port``: ask it there once,
    after ``ASKING``, without updating the map). An empty ``host`` means
    the node that answered, at ``port``."""

    kind: str
    slot: int
    host: str
    port: int


def redirection(error_text: str) -> Redirection | None:
    """The redirection an error reply says (``MOVED 3999 127.0.0.1:6381``,
    ``ASK 3999 :6381``), or None for any other error."""
    words = error_text.split()
    if len(words) != 3 or words[0] not in ("MOVED", "ASK"):
        return None
    kind, slot, where = words
    host, colon, port = where.rpartition(":")
    if not colon or not slot.isdigit() or not port.isdigit():
        return None
    if host == "?":  # Redis 7's "unknown endpoint": the node asked
        host = ""
    return Redirection(kind, int(slot), host, int(port))


class SlotMap:
    """Which primary serves each slot, as the cluster last told.

    One entry per slot (16,384 references, cheaper than searching ranges
    on every command); None where no primary serves it.
    """

    def __init__(self, owners: Iterable[Node | None] = ()) -> None:
        self._owners: list[Node | None] = list(owners) or [None] * SLOTS
        if len(self._owners) != SLOTS:
            raise ValueError(f"{len(self._owners)} slots, not {SLOTS}")

    @classmethod
    def from_reply(cls, reply: list[Any], asked: str) -> SlotMap:
        """The map a ``CLUSTER SLOTS`` reply draws (ranges of slots, each
        with its primary's address first, then its replicas'), read as
        txredisapi gives it with ``charset=None`` (hosts as bytes). A
        primary announced without a host (empty, or Redis 7's null or
        ``?``, "unknown endpoint") is on the node that was ``asked``."""
        owners: list[Node | None] = [None] * SLOTS
        for first, last, primary, *_replicas in reply:
            raw = primary[0]
            host = raw.decode() if raw and raw != b"?" else asked
            node = (host, int(primary[1]))
            owners[int(first) : int(last) + 1] = [node] * (int(last) - int(first) + 1)
        return cls(owners)

    def primary_of(self, slot: int) -> Node | None:
        """The primary serving ``slot``, or None if none does."""
        return self._owners[slot]

    def primaries(self) -> set[Node]:
        """Every primary that serves a slot."""
        return {node for node in self._owners if node is not None}

    def unserved(self) -> int:
        """How many slots no primary serves."""
        return self._owners.count(None)

    def moved(self, slot: int, node: Node) -> None:
        """Record that ``node`` serves ``slot`` now (a ``MOVED`` said so)."""
        self._owners[slot] = node

    def __eq__(self, other: object) -> bool:
        """The same primaries for every slot. (A class that defines
        ``__eq__`` alone is unhashable, as a map that changes should be.)"""
        return isinstance(other, SlotMap) and self._owners == other._owners
