"""``python -m chatroom.bench.search``: what one ``/search`` costs on a big room.

It fills a ``--db`` file (the server's own schema, triggers and full-text
index: :func:`chatroom.backends.local.dbfile.open_database`) with one room
of ``--messages`` messages (1,000,000 by default) whose words follow a Zipf
law over a vocabulary of 20,000 words, some with accents, from 2,000
users, then times each kind of search ``--runs`` times, as the server's
search thread runs it (:func:`chatroom.backends.local.search.search`: the
FTS5 query, the join to the events, at most 50 rows), and prints the p50
and p99 of each kind and of all together. The reactor is not involved:
it only hands the search to that thread and writes the lines it gets back.

Filling the file takes minutes; ``--db PATH`` keeps it, and a second run
with the same ``PATH`` and ``--messages`` reuses it. Nothing here asserts
a time: the figures are for ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence

from chatroom.backends.local import search
from chatroom.backends.local.dbfile import open_database
from chatroom.core.messages.search import FOUND_LIMIT, parse_search

VOCABULARY = 20_000
USERS = 2_000
ROOM = "bench"
START = 1_700_000_000.0  # seconds since the epoch of the first message
SPACING = 0.5  # seconds between messages

_ACCENTED = "àéèêîïôùûçñ"


def word(rank: int) -> str:
    """The vocabulary's word of ``rank`` (1: the commonest); every
    seventh one has an accent, which a search without it must find."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    text, number = "", rank
    while True:
        number, digit = divmod(number, 26)
        text += letters[digit]
        if not number:
            break
    if rank % 7 == 0:
        text = _ACCENTED[rank % len(_ACCENTED)] + text
    return "w" + text


def fill(path: str, messages: int, seed: int) -> None:
    """One room of ``messages`` messages in a fresh file at ``path``."""
    db = open_database(path)
    # The index is built once at the end, as for a file that predates it
    # (:func:`chatroom.backends.local.search.install`): much faster than a
    # million triggered inserts, and it times that migration too.
    for trigger in ("search_added", "search_edited", "search_moved", "search_dropped"):
        db.execute(f"DROP TRIGGER {trigger}")
    for table in ("search_text", "search_docs"):
        db.execute(f"DROP TABLE {table}")
    chooser = random.Random(seed)
    ranks = range(1, VOCABULARY + 1)
    weights = list(itertools.accumulate(1 / rank for rank in ranks))
    batch = 20_000
    for first in range(1, messages + 1, batch):
        rows = []
        for event_id in range(first, min(first + batch, messages + 1)):
            words = chooser.choices(
                ranks, cum_weights=weights, k=chooser.randint(3, 14)
            )
            at = START + event_id * SPACING
            rows.append(
                (
                    ROOM,
                    event_id,
                    "MSG",
                    f"user{chooser.randrange(USERS)}",
                    "",
                    " ".join(word(rank) for rank in words),
                    "",
                    0,
                    at,
                )
            )
        with db:
            db.executemany(
                "INSERT INTO events (room, id, kind, user, stamp, text, tags, "
                "target, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        print(f"\rfilled {rows[-1][1]:,} of {messages:,}", end="", file=sys.stderr)
    print(file=sys.stderr)
    started = time.perf_counter()
    search.install(db)
    print(f"index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with db:
        db.execute("INSERT INTO ids VALUES (?, ?)", (ROOM, messages))
    db.close()


def searches(messages: int, runs: int, seed: int) -> dict[str, list[str]]:
    """The kinds of search timed: ``runs`` searches of each kind, with
    words (users, times) drawn anew for each, so most runs read index
    pages the previous one did not."""
    pick = random.Random(seed)

    def moment() -> str:
        seconds = START + pick.uniform(0.1, 0.9) * messages * SPACING
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))

    def bare(rank: int) -> str:
        return word(rank).translate(str.maketrans(_ACCENTED, "aeeeiiouucn"))

    kinds = {
        "common word (one of the 10 commonest)": lambda: word(pick.randint(1, 10)),
        "rare word (rank 10,000-20,000)": lambda: word(
            pick.randint(10_000, VOCABULARY)
        ),
        "absent word": lambda: f"wzz{pick.randrange(10**6)}",
        "two words (rank 50-1,000)": lambda: (
            f"{word(pick.randint(50, 1000))} {word(pick.randint(50, 1000))}"
        ),
        "accented word typed without": lambda: bare(7 * pick.randint(1, 300)),
        "common word from:USER": lambda: (
            f"{word(pick.randint(1, 10))} from:user{pick.randrange(USERS)}"
        ),
        "common word before:TIME": lambda: (
            f"{word(pick.randint(1, 10))} before:{moment()}"
        ),
        "common word after:TIME": lambda: (
            f"{word(pick.randint(1, 10))} after:{moment()}"
        ),
    }
    return {kind: [make() for _ in range(runs)] for kind, make in kinds.items()}


def time_searches(
    path: str, messages: int, runs: int, seed: int
) -> dict[str, list[float]]:
    """Milliseconds each run of each kind took."""
    db = open_database(path)
    search.prepare(db)
    timings: dict[str, list[float]] = {}
    for kind, texts in searches(messages, runs, seed).items():
        taken: list[float] = []
        timings[kind] = taken
        for text in texts:
            query = parse_search(text)
            started = time.perf_counter()
            search.search(db, [ROOM], query, FOUND_LIMIT)
            taken.append((time.perf_counter() - started) * 1000)
    db.close()
    return timings


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(timings: dict[str, list[float]], messages: int) -> str:
    lines = [
        f"/search on one room of {messages:,} stored messages "
        f"(ms per search, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})",
        f"{'search':45} {'p50':>8} {'p99':>8} {'max':>8}",
    ]
    every: list[float] = []
    for kind, taken in timings.items():
        every += taken
        lines.append(
            f"{kind:45} {statistics.median(taken):8.2f} "
            f"{percentile(taken, 0.99):8.2f} {max(taken):8.2f}"
        )
    lines.append(
        f"{'all of the above':45} {statistics.median(every):8.2f} "
        f"{percentile(every, 0.99):8.2f} {max(every):8.2f}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chatroom.bench.search")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="per kind of search")
    parser.add_argument("--db", help="keep (or reuse) the filled file here")
    parser.add_argument("--seed", type=int, default=22)
    options = parser.parse_args(argv)
    directory = None
    path = options.db
    if path is None:
        directory = tempfile.TemporaryDirectory()
        path = os.path.join(directory.name, "search.sqlite3")
    try:
        if not _filled(path, options.messages):
            if os.path.exists(path):
                os.remove(path)
            started = time.perf_counter()
            fill(path, options.messages, options.seed)
            print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        print(
            report(
                time_searches(path, options.messages, options.runs, options.seed),
                options.messages,
            )
        )
    finally:
        if directory is not None:
            directory.cleanup()
    return 0


def _filled(path: str, messages: int) -> bool:
    """Whether ``path`` is a file this script filled with ``messages``."""
    if not os.path.exists(path):
        return False
    db = open_database(path)
    try:
        row = db.execute("SELECT last FROM ids WHERE key = ?", (ROOM,)).fetchone()
    finally:
        db.close()
    return row is not None and row[0] == messages


if __name__ == "__main__":
    sys.exit(main())
