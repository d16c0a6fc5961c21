"""A crowd that drops and comes straight back: are its names free at once?

Issue 79's measurement (point 2, "Your name is yours again at once").
``--clients`` plain-name line clients (``u0``, ``u1``, ...) sign in, join
rooms of ``--room`` (``--rooms`` made at start) and each say a line; then
every connection closes in the same moment, as in a network blip, and as
many clients with the same names connect at once, each sending its name
right after ``HELLO``. For each run it prints:

- ``refused``: the names answered ``ERR NAME_TAKEN`` at the first try;
- ``again``: those refused again when each refused client tries once more
  as soon as every first try has its answer (a person pressing Enter
  again);
- ``seated``: seconds from the drop until every client has its name and
  is back in its room (``JOINED``), refused clients trying every
  ``--retry`` seconds, or ``-`` if some were not by ``--deadline``;
- what a member who stayed in ``r0`` saw: each of its members leave and
  join again (``unseen``: those it did not), and ``r0``'s members at the
  end (the crowd, :mod:`tests.integration.blip_crowd`, is the
  integration test's).

``--mode one`` runs one ``twistd chatroom`` (the in-process back-end);
``--mode two`` runs two nodes sharing a ``redis-server`` (``--redis``):
the crowd signs in through node one and comes back through node two
(``--back one``: through node one again).
``--code DIR`` (repeatable) measures other trees beside this checkout (a
``git worktree`` of another commit), every tree once a round, in an order
that alternates from round to round, on this checkout's interpreter::

    git worktree add --detach /tmp/old cf6c44a
    .venv/bin/python benchmarks/names_after_drop.py \\
        --mode one --rounds 3 --code /tmp/old

The servers run the real ``twistd`` plugin on 127.0.0.1 (a free port
picked by binding port 0), with no flood limit or per-address cap; the
clients are plain sockets of one ``asyncio`` process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatroom.bench.servers import (  # noqa: E402
    SERVER_OPTIONS,
    ServerCode,
    ServerProcess,
    find_redis_server,
    start_redis,
    start_server,
    stop_all,
)
from tests.integration.blip_crowd import (  # noqa: E402
    Outcome,
    blip,
    rooms_option,
    serving,
)


def start_nodes(code: ServerCode, mode: str, options: list[str]) -> list[ServerProcess]:
    """One server, or a ``redis-server`` and two nodes sharing it (the
    redis first in the list)."""
    if mode == "one":
        return [start_server("chatroom", code, SERVER_OPTIONS + options)]
    redis_server = find_redis_server()
    if redis_server is None:
        raise SystemExit("--mode two needs redis-server")
    redis = start_redis(redis_server)
    started = [redis]
    url = f"redis://127.0.0.1:{redis.target.port}/0"
    try:
        for name in ("one", "two"):
            node_options = ["--redis", url, "--node-id", name]
            started.append(
                start_server("chatroom", code, SERVER_OPTIONS + options + node_options)
            )
    except BaseException:
        stop_all(started)
        raise
    return started


def run_once(code: ServerCode, args: argparse.Namespace) -> Outcome:
    options = rooms_option(args.clients, args.room)
    started = start_nodes(code, args.mode, options)
    nodes = started if args.mode == "one" else started[1:]
    try:
        fill = nodes[0].target.port
        back = nodes[0 if args.back == "one" else -1].target.port

        async def measured() -> Outcome:
            for node in nodes:
                await serving(node.target.port)
            return await blip(
                fill, back, args.clients, args.room, args.retry, args.deadline
            )

        outcome = asyncio.run(measured())
        for node in nodes:
            outcome.problems += node.log_problems()[:5]
        return outcome
    finally:
        stop_all(started)


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return (
        f"median {statistics.median(values):.2f} "
        f"(min {min(values):.2f}, max {max(values):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--room", type=int, default=100, help="members per room")
    parser.add_argument("--mode", choices=("one", "two"), default="one")
    parser.add_argument(
        "--back", choices=("one", "two"), default="two",
        help="--mode two: the node the crowd comes back through",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--retry", type=float, default=0.5)
    parser.add_argument("--deadline", type=float, default=90.0)
    parser.add_argument("--code", action="append", default=[], type=Path)
    args = parser.parse_args()
    trees = [ROOT, *(path.resolve() for path in args.code)]
    labels = [_label(tree) for tree in trees]
    results: dict[str, list[Outcome]] = {label: [] for label in labels}
    print(
        f"{args.clients} clients, rooms of {args.room}, mode {args.mode}"
        + (f" (back through node {args.back})" if args.mode == "two" else "")
        + ", "
        f"{args.rounds} round(s); load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for number in range(args.rounds):
        order = list(zip(trees, labels, strict=True))
        if number % 2:
            order.reverse()
        for tree, label in order:
            outcome = run_once(ServerCode(sys.executable, tree), args)
            results[label].append(outcome)
            seated = "-" if outcome.seated is None else f"{outcome.seated:.2f} s"
            print(
                f"round {number + 1} {label}: refused {outcome.refused}, "
                f"again {outcome.again}, all seated after {seated}"
                + (f" ({outcome.unseated} never)" if outcome.unseated else "")
                + f"; r0's leaves and joins unseen {len(outcome.unseen)}, "
                f"r0 holds {len(outcome.members)}",
                flush=True,
            )
            for problem in outcome.problems[:5]:
                print(f"    {problem}", flush=True)
    for label, outcomes in results.items():
        print(
            f"{label}: refused {spread([o.refused for o in outcomes])}; "
            f"again {spread([o.again for o in outcomes])}; seated s "
            f"{spread([o.seated for o in outcomes if o.seated is not None])}",
            flush=True,
        )


def _label(tree: Path) -> str:
    """The tree's commit (short), and ``+`` if its files differ from it."""
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short=8", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    return f"{head}{'+' if dirty else ''} ({tree.name})"


if __name__ == "__main__":
    main()
