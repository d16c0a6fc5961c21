"""What a room costs a node that has one or two members in it.

In the ``million`` run a crowd in rooms of 100 is spread over 56 nodes, so
each node has one or two members of most rooms: a node holds about as many
rooms as connections, and what a room costs it counts as much as what a
connection does. This measures both on one node (``nodea``) of a real
cluster: one ``redis-server`` and two ``chatroom-cluster`` nodes, the
other (``nodeb``) holding the rest of each room's members, who join first
(so ``nodea`` joins rooms others made, as most nodes of the million do)::

    .venv/bin/python benchmarks/room_probe.py [--rooms 2000] [--members 4] \\
        [--root CHECKOUT] [--tracemalloc 16]

It fills the cluster twice with the C generator's storm (line door), each
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

HOOK = Path(__file__).resolve().parent / "room_probe_hook.py"


def fill(
    code: ServerCode, rooms: int, local: int, members: int, out: Path, frames: int
) -> tuple[dict[str, int], dict[str, int]]:
    """What ``nodea`` holds (RSS in KiB, the allocator's blocks) empty and
    with ``rooms`` rooms of ``members``, ``local`` of each on it (joining
    last)."""
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
        generator = CGen(
            "storm",
            "127.0.0.1",
            ports["nodea"],
            {
                "door": "line",
                "clients": rooms * members,
                "rooms": rooms,
                "senders": 0,
                "concurrency": 100,
                "tag": secrets.token_hex(3),
                "timeout": 900,
                "wait": 3600,
                "ports": ",".join(map(str, order)),
            },
        )
        generator.ready(1000)
        time.sleep(5)
        held = ask("held")
        return empty, held
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
    args = parser.parse_args()
    code = ServerCode(args.python, args.root.resolve())
    os.environ["ROOM_PROBE_OUT"] = str(args.out)
    growth: dict[int, dict[str, int]] = {}
    for local, rooms in ((1, args.rooms), (2, args.rooms // 2)):
        out = args.out.with_name(f"{args.out.name}-{local}")
        os.environ["ROOM_PROBE_OUT"] = str(out)
        empty, held = fill(code, rooms, local, args.members, out, args.tracemalloc)
        growth[local] = {what: held[what] - empty[what] for what in empty}
        print(
            f"{args.rooms} connections on nodea in {rooms} rooms ({local} each): "
            f"{empty['rss_kib']:,} -> {held['rss_kib']:,} KiB RSS, "
            f"{empty['blocks']:,} -> {held['blocks']:,} blocks",
            flush=True,
        )
    differing = args.rooms - args.rooms // 2
    for what, unit in (("rss_kib", "KiB"), ("blocks", "blocks")):
        per_room = (growth[1][what] - growth[2][what]) / differing
        rest = growth[2][what] - per_room * (args.rooms // 2)
        print(
            f"per room {per_room:.2f} {unit}, per connection "
            f"{rest / args.rooms:.2f} {unit}",
            flush=True,
        )
    if args.tracemalloc:
        snapshots = [
            tracemalloc.Snapshot.load(
                str(args.out.with_name(f"{args.out.name}-{local}.held.snap"))
            )
            for local in (2, 1)
        ]
        rooms = args.rooms - args.rooms // 2
        for stat in snapshots[1].compare_to(snapshots[0], "lineno")[:40]:
            print(
                f"{stat.size_diff / rooms:8.1f} B {stat.count_diff / rooms:5.2f} "
                f"blocks a room  {stat.traceback}"
            )


if __name__ == "__main__":
    main()
