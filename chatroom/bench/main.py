"""``chatroom-bench``: fan-out, capacity and slow-reader figures, with a baseline.

The command line only: options in, tables and a JSON report out. The work is
done by :mod:`chatroom.bench.runner` (servers and scenarios), the Python
generator's :mod:`~chatroom.bench.workers`, and :mod:`~chatroom.bench.render`.
It never runs a reactor itself, so it can be called from a test that has one.

Every figure is beside the generator's own CPU use: on a 2-core machine a
saturated generator would otherwise look like a slow server.

With ``--nodes N`` the fan-out runs against a cluster instead: a private
``redis-server`` and N ``twistd chatroom --redis`` nodes, each room's members
spread over the nodes, and the CPU of every node and of Redis reported.

With ``--against REV`` the C scenarios run against another revision of the
checkout and the checkout in turn (:mod:`chatroom.bench.against`).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from chatroom.bench.against import AGAINST_SCENARIOS, run_against
from chatroom.bench.cclusters import CLUSTER_KINDS
from chatroom.bench.cmillion import parse_mix
from chatroom.bench.cscenarios import C_SCENARIOS
from chatroom.bench.errors import BenchError
from chatroom.bench.render import against_table, table
from chatroom.bench.report import to_json
from chatroom.bench.runner import SCENARIOS, run
from chatroom.bench.sampling import raise_nofile_limit
from chatroom.bench.servers import DOORS


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chatroom-bench",
        description="Load-test a chatroom server: fan-out latency, capacity, "
        "slow readers, against a bare Twisted baseline.",
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (Python generator; default: these "
        f"four) or {', '.join(C_SCENARIOS)} (C generator, against chatroom and "
        "the baseline)",
    )
    add = parser.add_argument
    add("--clients", type=int, default=1000, help="fan-out clients (default 1000)")
    add("--rooms", type=int, default=10, help="fan-out rooms (default 10)")
    add("--senders", type=int, default=100, help="clients that send (default 100)")
    add(
        "--rate",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[10.0],
        help="messages/s per sender; a comma list runs each (default 10)",
    )
    add("--duration", type=float, default=10.0, help="measured seconds (default 10)")
    add("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    add("--message-size", type=int, default=64, help="bytes of message text")
    add("--capacity", type=int, default=10000, help="capacity clients (10000)")
    add("--capacity-room-size", type=int, default=100, help="members per room")
    add(
        "--slow-message-size",
        type=int,
        default=4000,
        help="text bytes in the slow reader's room (default 4000)",
    )
    add(
        "--slow-duration",
        type=float,
        default=20.0,
        help="seconds measured after the slow reader stalls (default 20)",
    )
    add("--sendq", type=int, default=16 * 1024 * 1024, help="server --sendq")
    add("--slow-sendq", type=int, default=65536, help="server --sendq, slow-reader")
    add("--workers", type=int, default=1, help="generator processes (default 1)")
    add("--concurrency", type=int, default=100, help="connects in flight per worker")
    add("--connect-timeout", type=float, default=300.0, help="seconds to join all")
    add("--drain-idle", type=float, default=0.5, help="quiet seconds ending a run")
    add("--drain-max", type=float, default=10.0, help="longest drain after sending")
    add(
        "--nodes",
        type=int,
        default=0,
        help="fan-out against a cluster of N nodes sharing a redis-server the "
        "benchmark starts (default 0: one server, no Redis)",
    )
    add("--redis-server", help="redis-server binary for --nodes (default: PATH)")
    add(
        "--redis-nice",
        type=int,
        metavar="N",
        help="run the chatroom-cluster servers' Redis at niceness N (e.g. -10, "
        "as root), as an operator gives it the CPU first where the nodes share "
        "its cores (default: as started)",
    )
    add("--connect", metavar="HOST:PORT", help="use this running server instead")
    add("--server-pid", type=int, help="its process id, for CPU and memory")
    add("--server-python", help="interpreter for servers we start (e.g. pypy3)")
    add(
        "--db",
        default=":memory:",
        help="server --db: an SQLite file to measure with the store on "
        "(default :memory:, nothing kept)",
    )
    add("--json", metavar="PATH", help="write the JSON report here ('-': stdout)")
    _add_c_options(parser)
    add(
        "--against",
        metavar="REV",
        help="compare with git revision REV of this checkout: build it "
        "(build/against/COMMIT, with its own virtualenv; reused) and run its "
        "servers and the checkout's in turn at every step of the C scenarios "
        f"({', '.join(AGAINST_SCENARIOS)}), printing each figure side by side "
        "with new/old",
    )
    add(
        "--rounds",
        type=int,
        default=2,
        help="--against: runs of each side at each step, alternated old, new, "
        "old, new... (default 2)",
    )
    options = parser.parse_args(argv)
    if options.against:
        _check_against(parser, options)
    known = SCENARIOS + C_SCENARIOS
    unknown = set(options.scenarios) - set(known)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {known}")
    if set(options.c_servers) - set(DOORS) - set(CLUSTER_KINDS):
        parser.error(
            f"--c-servers takes a comma list of {', '.join([*DOORS, *CLUSTER_KINDS])}"
        )
    if options.connect and ":" not in options.connect:
        parser.error("--connect wants HOST:PORT")
    if options.nodes < 0:
        parser.error("--nodes wants 0 (one server) or more nodes")
    if options.nodes and options.connect:
        parser.error("--nodes starts its own cluster; it cannot go with --connect")
    return options


def _check_against(
    parser: argparse.ArgumentParser, options: argparse.Namespace
) -> None:
    """``--against`` runs the C scenarios on servers it starts itself."""
    if not options.scenarios or set(options.scenarios) - set(AGAINST_SCENARIOS):
        parser.error(
            f"--against compares the C scenarios: name some of "
            f"{', '.join(AGAINST_SCENARIOS)}"
        )
    if options.connect or options.nodes or options.server_python:
        parser.error(
            "--against starts both sides' servers on this interpreter: not with "
            "--connect, --nodes or --server-python"
        )
    if options.rounds < 1:
        parser.error("--rounds wants 1 or more")


def _numbers(text: str) -> list[float]:
    """A comma list of numbers; ``k`` means thousands (``100k,1e6``)."""
    return [
        float(x[:-1]) * 1000 if x.endswith("k") else float(x) for x in text.split(",")
    ]


def _add_c_options(parser: argparse.ArgumentParser) -> None:
    """Options of the C generator's scenarios (sweep, storm, overload)."""
    add = parser.add_argument
    add(
        "--sweep",
        type=_numbers,
        default=[100e3, 200e3, 400e3, 600e3, 800e3, 1e6],
        help="sweep: deliveries/s offered, a comma list (default 100k,...,1e6)",
    )
    add(
        "--ceiling-steps",
        type=int,
        default=2,
        help="sweep: bisection runs to narrow the ceiling (default 2)",
    )
    add("--storm", type=int, default=10000, help="storm: clients (default 10000)")
    add(
        "--storm-room-sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[100, 1000],
        help="storm: members per room, one storm each (default 100,1000)",
    )
    add(
        "--overload-rate",
        type=float,
        help="overload: deliveries/s offered at first (default: twice the "
        "server's sweep ceiling in this run, else 400,000)",
    )
    add("--overload-low", type=float, default=50000.0, help="then (default 50,000)")
    add("--overload-seconds", type=float, default=10.0, help="overload length (10)")
    add("--overload-after", type=float, default=15.0, help="then measured (15 s)")
    add(
        "--hold",
        type=int,
        default=18_900,
        help="hold: idle clients held during the fan-out (default 18,900: with "
        "the 1,000 active, what a 20,000-descriptor process can take)",
    )
    add(
        "--hold-rate",
        type=float,
        default=100_000.0,
        help="hold: deliveries/s offered to the active clients (default 100,000)",
    )
    add(
        "--sources",
        type=int,
        default=0,
        help="hold: loopback addresses (127.0.0.2, ...) the idle clients connect "
        "from (default: one per 20,000 clients)",
    )
    add(
        "--hold-nodes",
        type=int,
        default=0,
        help="hold: against N cluster nodes sharing the port (--reuse-port, as "
        "chatroom-cluster runs them) and a redis-server (default 0: one server)",
    )
    add(
        "--gc-freeze",
        type=int,
        help="hold: the server's --gc-freeze (default: the server's own default)",
    )
    add(
        "--bigroom-members",
        type=int,
        default=10_000,
        help="bigroom: members of the one room (default 10,000)",
    )
    add("--bigroom-senders", type=int, default=10, help="bigroom: senders (10)")
    add(
        "--bigroom-rate",
        type=float,
        default=10.0,
        help="bigroom: messages/s in the room, all senders together (default 10)",
    )
    add(
        "--bigroom-thresholds",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1000, 0],
        help="bigroom: chatroom's --big-room, one run each (default 1000,0: "
        "quiet joins past 1,000 members, then every join announced)",
    )
    _add_million_options(parser)
    add(
        "--c-servers",
        type=lambda s: s.split(","),
        default=["chatroom", "baseline"],
        help="servers the C scenarios run against, a comma list of "
        + ", ".join([*DOORS, *CLUSTER_KINDS])
        + " (default chatroom,baseline); chatroom-irc and chatroom-ws load "
        "chatroom's IRC and web doors, ngircd and inspircd are Debian's, "
        "ergo is Ergo built by hand (on PATH or in CHATROOM_BENCH_ERGO), "
        "chatroom-clusterN is N nodes and a redis-server, each room's "
        "members spread over the nodes",
    )


def _mix(text: str) -> dict[str, float]:
    try:
        return parse_mix(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None


def _add_million_options(parser: argparse.ArgumentParser) -> None:
    """Options of the ``million`` scenario (:mod:`chatroom.bench.cmillion`)."""
    add = parser.add_argument
    add(
        "--million",
        type=lambda s: int(_numbers(s)[0]),
        default=1_000_000,
        help="million: connections filled and held (default 1,000,000; 10k works)",
    )
    add(
        "--million-nodes",
        type=int,
        default=0,
        help="million: cluster nodes (default: as many as the descriptor limit "
        "needs, 56 for a million at 20,000 a process)",
    )
    add(
        "--million-mix",
        type=_mix,
        default=parse_mix("line=40,irc=30,ws=30"),
        help="million: the crowd's doors, each at least 10 %% "
        "(default line=40,irc=30,ws=30)",
    )
    add(
        "--million-rate",
        type=float,
        default=20_000.0,
        help="million: deliveries/s among the 1,000 active clients, without "
        "the crowd and beside it (default 20,000)",
    )
    add(
        "--million-hold",
        type=float,
        default=300.0,
        help="million: seconds the crowd is held once in (default 300)",
    )
    add(
        "--million-rest",
        type=float,
        default=10.0,
        help="million: seconds the CPU at rest is read, without and with the "
        "crowd (default 10)",
    )
    add(
        "--million-talk",
        type=float,
        default=180.0,
        help="million: one idle client in 100 says something every this many "
        "seconds (default 180; 0: never)",
    )
    add(
        "--million-room-size",
        type=int,
        default=100,
        help="million: the crowd's rooms hold this many each (default 100); "
        "every join is news to the room's members and read by every node with "
        "members there, so the fill's cost grows with it",
    )
    add(
        "--million-memory-floor",
        type=int,
        default=1024,
        help="million: MiB of available memory under which the crowd is "
        "stopped and the run ends, before the kernel kills anything (1024)",
    )
    add(
        "--million-subscriber-hold",
        type=float,
        default=0.0,
        metavar="MS",
        help="million: the nodes' --subscriber-hold, ms (default 0: not given, "
        "the nodes as shipped; docs/scaling.md says what a hold does and what "
        "it has shown in this scenario)",
    )
    add(
        "--million-fill-timeout",
        type=float,
        default=900.0,
        help="million: seconds the crowd may take to come in (default 900)",
    )


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers we started are stopped too."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chatroom-bench`` and ``python -m chatroom.bench``."""
    options = parse_args(argv)
    raise_nofile_limit()
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        if options.against:
            data = to_json(run_against(options))
            text = against_table(data)
        else:
            data = to_json(run(options))
            text = table(data)
    except BenchError as error:
        print(f"chatroom-bench: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    if options.json == "-":
        print(text, file=sys.stderr)
        print(json.dumps(data, indent=2))
    else:
        print(text)
        if options.json:
            Path(options.json).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
