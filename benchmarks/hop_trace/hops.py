"""Where a message's milliseconds go between the generator and the sends.

Reads the records ``sitecustomize.py`` (this directory) left in DIR, one
file per server process, and prints each hop's p50, p99 and max in ms, over
the messages scheduled from ``--skip`` seconds after the first to ``--skip``
before the last (the run's warm-up and drain left out):

- ``to read``: the generator's scheduled time to the sender's server
  reading the line (the generator's own lateness, the socket, and the
  wait for the server's turn);
- ``read to EVALSHA``: the rest of the sender node's turn, to its commands
  sent (a node);
- ``EVALSHA to event, own node`` / ``other node``: Redis, the publish, and
  the node's wait for its next poll;
- ``event to sends``: the node's turn from the event's read to the end of
  that turn's flush to the members;
- ``read to sends`` (the single server), ``to sends``: the whole, to the
  end of the flush that sent the message (not counting the generator's
  read of it).

Then each process's turns: polls a second, events a poll, the time
between polls (a turn's work) and in them (asleep or not).

    python benchmarks/hop_trace/hops.py DIR [--skip 3]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import pickle
from pathlib import Path


def quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    n = len(ordered)

    def at(q: float) -> float:
        return ordered[min(n - 1, int(q * n))] * 1000

    return (
        f"n={n:6d}  p50 {at(0.5):7.2f}  p90 {at(0.9):7.2f}  "
        f"p99 {at(0.99):7.2f}  max {ordered[-1] * 1000:7.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--skip", type=float, default=3.0)
    args = parser.parse_args()
    processes = []
    for path in sorted(args.directory.glob("*.pickle")):
        with path.open("rb") as stored:
            data = pickle.load(stored)
        argv = data["argv"]
        name = next(
            (argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--node-id"),
            f"server {path.stem}",
        )
        processes.append((name, data["records"]))
    scheduled: dict[int, float] = {}
    read: dict[int, tuple[str, float]] = {}
    sent: dict[int, float] = {}
    events: dict[tuple[str, int], float] = {}
    flushes: dict[str, list[tuple[float, float]]] = {}
    polls: dict[str, list[tuple[float, float, int]]] = {}
    for name, records in processes:
        flushes[name] = sorted((r[1], r[2]) for r in records if r[0] == "F")
        polls[name] = sorted((r[1], r[2], r[3]) for r in records if r[0] == "P")
        for record in records:
            kind = record[0]
            if kind in "CRW":
                for stamp, number in record[2]:
                    n = int(number)
                    scheduled[n] = int(stamp) / 1e6
                    if kind == "C":
                        read.setdefault(n, (name, record[1]))
                    elif kind == "W":
                        sent.setdefault(n, record[1])
                    else:
                        events.setdefault((name, n), record[1])
    if not scheduled:
        raise SystemExit("no messages recorded")
    first, last = min(scheduled.values()), max(scheduled.values())
    kept = {
        n
        for n, t in scheduled.items()
        if first + args.skip <= t <= last - args.skip and n in read
    }

    def sends_after(name: str, t: float) -> float | None:
        runs = flushes[name]
        i = bisect.bisect_left(runs, (t, 0.0))
        return runs[i][1] if i < len(runs) else None

    def turns_between(name: str, t0: float, t1: float) -> int:
        starts = polls[name]
        return bisect.bisect_left(starts, (t1, 0.0, 0)) - bisect.bisect_left(
            starts, (t0, 0.0, 0)
        )

    hops: dict[str, list[float]] = {}
    turns: dict[str, list[float]] = {}

    def put(table: dict[str, list[float]], key: str, value: float | None) -> None:
        if value is not None:
            table.setdefault(key, []).append(value)

    names = [name for name, _ in processes]
    for n in kept:
        sender, t_read = read[n]
        put(hops, "to read", t_read - scheduled[n])
        if n not in sent:  # the single server
            done = sends_after(sender, t_read)
            if done is not None:
                put(hops, "read to sends", done - t_read)
                put(hops, "to sends", done - scheduled[n])
                put(turns, "polls, read to sends", turns_between(sender, t_read, done))
            continue
        put(hops, "read to EVALSHA", sent[n] - t_read)
        put(turns, "polls, read to EVALSHA", turns_between(sender, t_read, sent[n]))
        for name in names:
            if (name, n) not in events:
                continue
            where = "own node" if name == sender else "other node"
            t_event = events[(name, n)]
            put(hops, f"EVALSHA to event, {where}", t_event - sent[n])
            done = sends_after(name, t_event)
            if done is None:
                continue
            put(hops, f"event to sends, {where}", done - t_event)
            put(hops, f"to sends, {where}", done - scheduled[n])
            if name == sender:
                put(
                    turns,
                    "polls, read to sends, own node",
                    turns_between(name, t_read, done),
                )
    print(f"messages: {len(kept)} of {len(scheduled)}")
    for name, records in processes:
        writes = [r for r in records if r[0] == "W"]
        if writes:
            held = sum(1 for r in writes if r[3] > 0)
            print(
                f"{name}: {len(writes)} turns' commands, "
                f"{held} sent behind unacknowledged bytes"
            )
    for key, values in hops.items():
        print(f"{key:32s} {quantiles(values)}")
    for key, values in turns.items():
        ordered = sorted(values)
        print(
            f"{key:32s} mean {sum(ordered) / len(ordered):5.2f}  "
            f"p50 {ordered[len(ordered) // 2]:3.0f}  "
            f"p99 {ordered[int(0.99 * len(ordered))]:3.0f}"
        )
    for name in names:
        runs = [p for p in polls[name] if first + args.skip <= p[0] <= last - args.skip]
        if len(runs) < 2:
            continue
        span = runs[-1][0] - runs[0][0]
        busy = [b[0] - a[1] for a, b in itertools.pairwise(runs)]
        asleep = [p[1] - p[0] for p in runs]
        print(
            f"{name}: {len(runs) / span:7.0f} polls/s, "
            f"{sum(p[2] for p in runs) / len(runs):5.1f} events a poll; "
            f"between polls {quantiles(busy)}; in a poll {quantiles(asleep)}"
        )


if __name__ == "__main__":
    main()
