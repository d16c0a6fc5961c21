"""What a join into a room with a full history window costs a single
server's Python, in one process: into a quiet room (joins in a row) and
into one that talks (a message between each two joins, so the room's
window changed since the last joiner's).

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/joins_in_process.py [ROUNDS]
    PYTHONPATH=/tmp/other-tree .venv/bin/python benchmarks/joins_in_process.py

The server and its room of 100 are those of ``txn_in_process.py``; the
room has 120 messages kept before the joins. JOINS (400) new
connections each name themselves, ``/join`` the room (timed: the
joiner's whole reply, its window of history rendered by the line door),
``/leave`` and go. It prints the CPU per join, the best of ROUNDS (5).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

sys.path.insert(0, str(Path(__file__).parent))
from txn_in_process import Room

JOINS = 400
KEPT = 120
ROUNDS = 5


def per_join(talking: bool) -> float:
    """The CPU of one join in µs, over JOINS joins."""
    room = Room()
    for number in range(KEPT):
        room.sender.dataReceived(f"a line kept, number {number}\r\n".encode())
    room.flush()
    spent = 0.0
    for number in range(JOINS):
        if talking:
            room.sender.dataReceived(f"said between joins, {number}\r\n".encode())
        joiner = room.connect(f"j{number}")
        started = time.process_time()
        joiner.dataReceived(b"/join tea\r\n")
        spent += time.process_time() - started
        joiner.dataReceived(b"/leave\r\n")
        joiner.connectionLost(Failure(ConnectionDone()))
        room.flush()
    return spent / JOINS * 1e6


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    for talking in (False, True):
        best = min(per_join(talking) for _ in range(rounds))
        kind = "a room that talks" if talking else "a quiet room"
        print(f"a join into {kind}: {best:.1f} us, the best of {rounds}")


if __name__ == "__main__":
    main()
