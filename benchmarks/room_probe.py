"""What a room costs a node that has one or two members in it.

In the ``million`` run a crowd in rooms of 100 is spread over 56 nodes, so
each node has one or two members of most rooms: a node holds about as many
rooms as connections, and what a room costs it counts as much as what a
connection does. This measures both on one node (``nodea``) of a real
cluster: one ``redis-server`` and two ``chatroom-cluster`` nodes, the
other (``nodeb``) holding the rest of each room's members, who join first
(so ``nodea`` joins rooms others made, as most nodes of the million do)::

    .venv/bin/python benchmarks/room_probe.py [--rooms 2000] [--members 4] \\
        [--say] [--root CHECKOUT] [--tracemalloc 16]

It fills the cluster twice with the C generator (line door), each
time with ``rooms`` connections on ``nodea``: once one in each of
``rooms`` rooms, once two in each of half as many; the other
``members`` - 1 (or - 2) of each room on ``nodea``'s neighbour. Each
fill's growth of ``nodea``'s RSS over its empty size, before and after,
gives per room (the difference of the fills, over the rooms it differs
by) and per connection (the rest). ``--root`` runs the nodes from another
checkout (the figures of two revisions in one run); ``--tracemalloc N``
starts tracing in ``nodea`` once it is empty (N frames) and prints the
lines that allocated the difference between the two fills: a room's
objects (RSS then includes tracemalloc's own records: take the figures
from a run without it). ``nodea`` answers ``SIGUSR2`` with what it holds
(``room_probe_hook.py``).

``--say`` then has one message said in every room, by its member on
``nodeb`` (``--rate`` a second, 100 by default, so each is a wake of its
own, as the million's idle talk is), and measures again once ``nodea`` has
handed them out: what a room keeps of a message it received (its plan of
how its members take one, anything else kept) is the growth from the
first measure to the second, per room (with one member here and with
two); and again once the rooms have been quiet for ``--quiet`` seconds
(by default past the time a node keeps an idle room's plans:
:func:`chatroom.core.infra.fanout.forget_idle_plans`). With ``--tracemalloc``
the lines that allocated those are printed too (the fill of one member
a room).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatroom.bench.cgen import CGen
from chatroom.bench.servers import (
    SERVER_OPTIONS,
    Cluster,
    ServerCode,
    _chatroom_argv,
    _spawn,
    find_redis_server,
    free_port,
    start_redis,
)
from chatroom.core.infra.fanout import PLAN_IDLE

HOOK = Path(__file__).resolve().parent / "room_probe_hook.py"
#: What each measure follows, as printed.
SAID = {
    "held": "",
    "said": ", a message said in each",
    "quiet": ", then quiet",
}


def fill(
    code: ServerCode,
    rooms: int,
    local: int,
    members: int,
    out: Path,
    frames: int,
    rate: float,
    quiet: float,
) -> dict[str, dict[str, int]]:
    """What ``nodea`` holds (RSS in KiB, the allocator's blocks): ``empty``,
    ``held`` with ``rooms`` rooms of ``members``, ``local`` of each on it
    (joining last), and, if ``rate``, ``said`` once a message was said in
    each room by its first member (on ``nodeb``), ``rate`` a second, and
    ``quiet`` once the rooms have said nothing for ``quiet`` seconds more."""
    options = [*SERVER_OPTIONS, "--max-rooms", "1000000"]
    cluster = Cluster(start_redis(find_redis_server() or "redis-server"))
    generator = None
    try:
        ports = {}
        for name in ("nodeb", "nodea"):
            port = ports[name] = free_port()
            extra = [*options, "--redis", cluster.url, "--node-id", name]
            argv = _chatroom_argv(code, port, extra, node=True)
            if name == "nodea":  # the hook first: SIGUSR2 dumps what it holds
                hook = (
                    f"sys.path.insert(0, {str(HOOK.parent)!r}); import room_probe_hook"
                )
                argv[2] = f"import sys; {hook}; " + argv[2]
            cluster.nodes.append(_spawn(argv, name, port, root=code.root))
        for node in cluster.nodes:
            label = node.target.label
            node.wait_until(node.logged(f"node {label}: in the cluster"), "join", 60)
        pid = cluster.nodes[1].process.pid

        def ask(tag: str) -> dict[str, int]:
            done = out.with_name(f"{out.name}.{tag}.done")
            done.unlink(missing_ok=True)
            out.with_name(out.name + ".tag").write_text(tag)
            os.kill(pid, signal.SIGUSR2)
            while not done.exists():
                time.sleep(0.2)
            result: dict[str, int] = json.loads(done.read_text())
            return result

        time.sleep(5)
        empty = ask("empty")
        if frames:
            ask(f"start{frames}")
        order = [ports["nodeb"]] * (members - local) + [ports["nodea"]] * local
        # Client i is in room i % rooms, on port order[i // rooms]: the
        # first ``rooms`` clients, one in each room, are on nodeb.
        generator = CGen(
            "fanout" if rate else "storm",
            "127.0.0.1",
            ports["nodea"],
            {
                "door": "line",
                "clients": rooms * members,
                "rooms": rooms,
                "senders": rooms if rate else 0,
                # one message each, then held (a "stop" ends the drain)
                "phases": f"0:{(rooms - 0.5) / rate if rate else 0}:{rate}",
                "drain_idle": 3600,
                "drain_max": 3600,
                "concurrency": 100,
                "tag": secrets.token_hex(3),
                "timeout": 900,
                "wait": 3600,
                "ports": ",".join(map(str, order)),
            },
        )
        generator.ready(1000)
        time.sleep(5)
        found = {"empty": empty, "held": ask("held")}
        if rate:
            generator.tell(f"start {time.time() + 1:.6f}")
            time.sleep(1 + rooms / rate + 5)
            found["said"] = ask("said")
            time.sleep(quiet)
            found["quiet"] = ask("quiet")
        return found
    finally:
        if generator is not None:
            generator.tell("stop")
            generator.close()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=2000)
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES")
    parser.add_argument("--out", type=Path, default=Path("/tmp/room-probe"))
    parser.add_argument("--say", action="store_true")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--quiet", type=float, default=2 * PLAN_IDLE + 2)
    args = parser.parse_args()
    code = ServerCode(args.python, args.root.resolve())
    rate = args.rate if args.say else 0.0
    stages = ("held", "said", "quiet") if args.say else ("held",)
    growth: dict[str, dict[int, dict[str, int]]] = {stage: {} for stage in stages}
    for local, rooms in ((1, args.rooms), (2, args.rooms // 2)):
        out = args.out.with_name(f"{args.out.name}-{local}")
        os.environ["ROOM_PROBE_OUT"] = str(out)
        found = fill(
            code, rooms, local, args.members, out, args.tracemalloc, rate, args.quiet
        )
        empty = found["empty"]
        for stage in stages:
            now = found[stage]
            growth[stage][local] = {what: now[what] - empty[what] for what in empty}
            print(
                f"{args.rooms} connections on nodea in {rooms} rooms ({local} each)"
                f"{SAID[stage]}: "
                f"{empty['rss_kib']:,} -> {now['rss_kib']:,} KiB RSS, "
                f"{empty['blocks']:,} -> {now['blocks']:,} blocks",
                flush=True,
            )
    differing = args.rooms - args.rooms // 2
    for stage, grown in growth.items():
        if not grown:
            continue
        for what, unit in (("rss_kib", "KiB"), ("blocks", "blocks")):
            per_room = (grown[1][what] - grown[2][what]) / differing
            rest = grown[2][what] - per_room * (args.rooms // 2)
            print(
                f"{stage}: per room {per_room:.2f} {unit}, per connection "
                f"{rest / args.rooms:.2f} {unit}",
                flush=True,
            )
    if args.say:
        for local, rooms in ((1, args.rooms), (2, args.rooms // 2)):
            held = growth["held"][local]
            for stage in ("said", "quiet"):
                now = growth[stage][local]
                print(
                    f"a message said, per room with {local} here{SAID[stage]}: "
                    f"{(now['rss_kib'] - held['rss_kib']) / rooms:.2f} KiB, "
                    f"{(now['blocks'] - held['blocks']) / rooms:.2f} blocks",
                    flush=True,
                )
    if args.tracemalloc:
        rooms = args.rooms - args.rooms // 2
        pairs = [("a room (held)", "2.held", "1.held", rooms)]
        if args.say:
            for stage in ("said", "quiet"):
                title = f"a message said (one here){SAID[stage]}"
                pairs.append((title, "1.held", f"1.{stage}", args.rooms))
        for title, before, after, count in pairs:
            old, new = (
                tracemalloc.Snapshot.load(
                    str(args.out.with_name(f"{args.out.name}-{tag}.snap"))
                )
                for tag in (before, after)
            )
            print(f"-- {title}: traced per room, by line")
            for stat in new.compare_to(old, "lineno")[:40]:
                print(
                    f"{stat.size_diff / count:8.1f} B {stat.count_diff / count:5.2f} "
                    f"blocks a room  {stat.traceback}"
                )
            total = sum(stat.size_diff for stat in new.compare_to(old, "filename"))
            print(f"-- total {total / count / 1024:.2f} KiB a room", flush=True)


if __name__ == "__main__":
    main()
