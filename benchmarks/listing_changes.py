"""What a node spends on the room list's changes it reads at a sign-in:
every join changes its room's count, and every node of a cluster reads
that count at its next sign-in's read of the list (``LISTED_SINCE``), so
in a crowd's fill each join costs each node one changed count to apply.

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/listing_changes.py
    PYTHONPATH=/tmp/other-tree .venv/bin/python benchmarks/listing_changes.py

A node's copy of the list (:class:`~chatroom.backends.redis.listing.RedisListing`
with its lobby list of 100 shown) keeps ROOMS (300) rooms' rows, as the
million scenario's 30,000 in rooms of 100 make; then READS reads each
hand it CHANGED (57) counted rooms (``[key, count]``, a count one higher
than the last, round the rooms), as Redis answers a read a quarter of a
second after the last at 230 joins a second. Nobody watches the lobby,
as in the fill. It prints, per changed room, the Python function calls
(``cProfile``) and the CPU in µs (the best of several rounds).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock

from chatroom.backends.redis import listing as listing_module
from chatroom.backends.redis.listing import RedisListing
from chatroom.core.rooms.lobby_list import LobbyList

ROOMS = 300
CHANGED = 57
READS = 2_000
ROUNDS = 5


class Calls:
    """What the listing asks of its Redis calls: answers made beforehand."""

    rooms_apart = False

    def __init__(self) -> None:
        self.answers: list[Any] = []

    async def eval(self, script: Any, *args: Any, **kwargs: Any) -> Any:
        return self.answers.pop()


def row(n: int, members: int) -> list[bytes]:
    key = b"room%d" % n
    return [key, key, b"%d" % members, b"100", b"", b"%d" % n, b"0"]


def setup() -> tuple[RedisListing, Calls, list[list[Any]]]:
    calls = Calls()
    listing = RedisListing(
        calls,  # type: ignore[arg-type]
        "p:",
        Clock(),
        1.0,
        lambda: True,
        LobbyList([]),
    )
    calls.answers = [
        [row(n, 1) for n in range(ROOMS)],  # LISTED_ROOMS
        [0, *(b"room%d" % n for n in range(ROOMS))],  # LISTED_KEYS
    ]
    done = defer.ensureDeferred(listing.lobby())
    assert done.called, "the full read did not finish"
    counts = [1] * ROOMS
    answers = []
    k = 0
    for version in range(1, READS + 1):
        changed: list[Any] = [version]
        for _ in range(CHANGED):
            room = k % ROOMS
            k += 1
            counts[room] += 1
            changed.append([b"room%d" % room, b"%d" % counts[room]])
        answers.append(changed)
    answers.reverse()
    return listing, calls, answers


def feed(listing: RedisListing, calls: Calls, answers: list[list[Any]]) -> None:
    calls.answers = answers
    while answers:
        done = defer.ensureDeferred(listing.lobby())
        assert done.called


def main() -> None:
    assert listing_module.ROOMS_A_CALL > CHANGED
    best = float("inf")
    for _ in range(ROUNDS):
        listing, calls, answers = setup()
        began = time.process_time()
        feed(listing, calls, answers)
        best = min(best, time.process_time() - began)
    listing, calls, answers = setup()
    profile = cProfile.Profile()
    profile.runcall(feed, listing, calls, answers)
    stats = pstats.Stats(profile)
    calls_made = stats.total_calls  # type: ignore[attr-defined]
    if "-v" in sys.argv:
        stats.sort_stats("tottime").print_stats(25)
    changes = READS * CHANGED
    print(
        f"{Path(listing_module.__file__).parents[3]}: "
        f"{calls_made / changes:.2f} function calls and "
        f"{best * 1e6 / changes:.2f} µs of CPU per changed room "
        f"({CHANGED} a read, {READS} reads; the read's own work included)"
    )


if __name__ == "__main__":
    main()
