"""What a node's copy of the room list costs it per room.

Every node keeps every room's row (the lobby's selection is made from
them at each sign-in without reading Redis again), with members on it or
not: in the million run, 10,000 rooms on each of 56 nodes, about 0.56 of
a row for each connection a node holds. The rows are read here from a
stand-in for Redis that answers the listing's scripts as Redis would.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.redis.listing import (
    LISTED_KEYS,
    LISTED_ROOMS,
    LISTED_SINCE,
    UNLIST_GONE,
    RedisListing,
)
from chatroom.core.rooms.lobby_list import LobbyList


class ListedRedis:
    """The listing's scripts as Redis answers them for ``rooms`` rooms
    (``Room<n>``, creation number ``1000 + n``, 100 members each but room
    0's, which has ``n``: the fullest), none changed since."""

    rooms_apart = False

    def __init__(self, rooms: int) -> None:
        self.rows = [
            [
                f"room{n}".encode(),
                f"Room{n}".encode(),
                str(100 - (n % 7)).encode(),
                b"256",
                b"",
                str(1000 + n).encode(),
                b"0",
            ]
            for n in range(rooms)
        ]
        self.rows[0][2] = b"150"

    async def eval(self, script: Any, operands: Any, **kwargs: Any) -> Any:
        if script is LISTED_KEYS:
            return [7, *(row[0] for row in self.rows)]
        if script is LISTED_ROOMS:
            wanted = {key.encode() for key in operands["rooms"]}
            return [row for row in self.rows if row[0] in wanted]
        if script is LISTED_SINCE:
            return [7]
        if script is UNLIST_GONE:
            return b"OK"
        raise AssertionError(script)


class ListingCostTests(unittest.TestCase):
    ROOMS = 2000

    def test_a_node_keeps_a_rooms_row_in_under_300_bytes(self) -> None:
        """What a node keeps of a room's row, read in a full read (its
        listing and its place among the others, once: not a dict of the
        back-end's copy beside the lobby list's, nor a tuple beside each
        listing: 352 bytes) is under 300 bytes a room, and a sign-in's
        lobby shows the fullest rooms with how many more."""
        redis = ListedRedis(self.ROOMS)
        lobby = LobbyList((), most=3)
        up = Clock(), 1.0, lambda: True  # its clock, its interval, Redis up
        listing = RedisListing(redis, "chatroom:", *up, lobby)  # type: ignore[arg-type]
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            defer.ensureDeferred(listing.count())
            del redis.rows  # what Redis answered is not the node's
            gc.collect()
            per_room = (tracemalloc.get_traced_memory()[0] - before) / self.ROOMS
        finally:
            tracemalloc.stop()
        self.assertLess(per_room, 300)
        shown = self.successResultOf(defer.ensureDeferred(listing.lobby()))
        self.assertEqual(
            [(room.name, room.members) for room in shown.rooms],
            [("Room0", 150), ("Room7", 100), ("Room14", 100)],
        )
        self.assertEqual(shown.more, self.ROOMS - 3)
