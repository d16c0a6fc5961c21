"""What a connect costs Redis and the other nodes of a cluster, in counts:
the figures behind docs/performance.md, "The cluster's per-node cost".

Run from a checkout (Debian's ``redis-server`` on the PATH)::

    .venv/bin/python benchmarks/cluster_connects.py --nodes 6 [--clients 2000] \
        [--monitor]

It starts ``redis-server`` and ``--nodes`` ``chatroom-cluster`` nodes
sharing one port of ``--door``'s (the line door unless told;
``--reuse-port``, as ``make bench-million`` runs them), then the C
generator's storm: ``--clients`` clients connect, name themselves and
join rooms of ``--room-size`` (100 unless told), 50 at a time, spread by
the kernel over the nodes.
Once the nodes count them all it prints, per client:

- the commands Redis ran (``INFO commandstats``, those its scripts ran
  included), in all and by command;
- Redis's CPU and the bytes it wrote (``INFO cpu``, ``INFO stats``'s
  ``total_net_output_bytes``: the replies and every published message
  written to each subscribed node), and the nodes' CPU (``/proc``);
- with ``--monitor``: the ``PUBLISH``es by channel (Redis's ``MONITOR``
  shows the scripts' commands too), and the lobby channel's subscribers at
  the end, whose product is what the lobby's news delivered to the nodes.
  ``MONITOR`` writes every command to its client, so Redis's CPU and bytes
  are read without it.

Counts do not depend on the machine's load; the CPU figures do (read them
beside each other, in the same session).
"""

from __future__ import annotations

import argparse
import collections
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

from chatroom.bench.cgen import CGen
from chatroom.bench.chold import GCFigures
from chatroom.bench.servers import (
    SERVER_OPTIONS,
    ServerCode,
    find_redis_server,
    start_shared_nodes,
)

#: What ``INFO`` sections give beside the commands, by field.
FIGURES = ("total_net_output_bytes", "used_cpu_sys", "used_cpu_user")


def send(link: socket.socket, *args: str) -> None:
    """One command in Redis's protocol."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    link.sendall(b"".join(parts))


def info(port: int, section: str) -> str:
    """``INFO section``'s text."""
    with socket.create_connection(("127.0.0.1", port)) as link:
        send(link, "INFO", section)
        reply = link.makefile("rb")
        return reply.read(int(reply.readline()[1:])).decode()


def counts(port: int) -> dict[str, float]:
    """Calls by command, and :data:`FIGURES` (prefixed ``@``)."""
    text = "".join(info(port, part) for part in ("commandstats", "stats", "cpu"))
    figures: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.startswith("cmdstat_"):
            figures[name[8:]] = int(value.split("calls=")[1].split(",")[0])
        elif name in FIGURES:
            figures["@" + name] = float(value)
    return figures


def lobby_subscribers(port: int, channel: str) -> int:
    """``PUBSUB NUMSUB`` of ``channel``: ``*2``, the channel, ``:count``."""
    with socket.create_connection(("127.0.0.1", port)) as link:
        send(link, "PUBSUB", "NUMSUB", channel)
        reply = link.makefile("rb")
        while not (line := reply.readline()).startswith(b":"):
            pass
        return int(line[1:])


def script_names() -> dict[bytes, str]:
    """Every script's SHA-1 (both layouts'), to its name: the scripts are
    the :class:`~chatroom.backends.redis.prelude.Script` values of the
    back-end's modules."""
    import importlib
    import pkgutil

    import chatroom.backends.redis as package
    from chatroom.backends.redis.prelude import Script

    names: dict[bytes, str] = {}
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, Script):
                names[value.sha.encode()] = value.name
                names[value.rooms_apart.sha.encode()] = value.name
    return names


class Monitored:
    """What ``MONITOR`` showed: the ``PUBLISH``es by channel, and every
    command by who ran it: a script (by name) for the commands its
    ``EVALSHA`` ran, else the command itself; with the links (nodes' links
    to Redis) each was sent on."""

    def __init__(self) -> None:
        self.published: collections.Counter[bytes] = collections.Counter()
        #: (script or "-", command) → calls
        self.commands: collections.Counter[tuple[str, str]] = collections.Counter()
        #: script (or a plain command) → calls, and the links that sent it
        self.calls: collections.Counter[str] = collections.Counter()
        self.links: dict[str, set[bytes]] = collections.defaultdict(set)


#: The command after the storm's last: ``MONITOR`` has shown them all by it.
LAST = ("ECHO", "cluster_connects: the end")


def monitor(port: int, seen: Monitored, ready: threading.Event) -> None:
    """Count what ``MONITOR`` shows until :data:`LAST`."""
    names = script_names()
    link = socket.create_connection(("127.0.0.1", port))
    send(link, "MONITOR")
    lines = link.makefile("rb")
    lines.readline()  # +OK
    ready.set()
    running = "-"
    while True:
        line = lines.readline()
        if not line or LAST[1].encode() in line:
            return
        parts = line.split(b'"')
        if len(parts) < 2:
            continue
        words = [part.lower() for part in parts]
        source = parts[0].split(b"[", 1)[-1].split(b"]")[0].split()[-1]
        command = words[1].decode()
        if source == b"lua":
            seen.commands[running, command] += 1
        else:
            running = "-"
            if command in ("evalsha", "evalsha_ro") and len(parts) > 3:
                running = names.get(parts[3], parts[3][:8].decode())
            caller = running if running != "-" else command
            seen.calls[caller] += 1
            seen.links[caller].add(source)
            seen.commands[running, command] += 1
        if b"publish" in words:
            seen.published[parts[words.index(b"publish") + 2]] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--monitor", action="store_true")
    parser.add_argument(
        "--room-size",
        type=int,
        default=100,
        help="clients a room (past 256, the nodes' --room-capacity is raised to it)",
    )
    parser.add_argument(
        "--door",
        choices=("line", "irc", "ws"),
        default="line",
        help="the door the storm's clients connect through",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="py-spy records each node from the storm's start until its "
        "clients are counted, into DIR/node-PID.raw (--format raw)",
    )
    parser.add_argument("--py-spy", default="py-spy", help="py-spy's path")
    options = parser.parse_args()
    redis_server = find_redis_server()
    if redis_server is None:
        sys.exit("no redis-server on the PATH")
    nodes = start_shared_nodes(
        options.nodes,
        redis_server,
        {"line": "chatroom", "irc": "chatroom-irc", "ws": "chatroom-ws"}[options.door],
        ServerCode(sys.executable),
        [
            *SERVER_OPTIONS,
            *("--max-rooms", "100000"),
            *("--room-capacity", str(max(256, options.room_size))),
        ],
    )
    seen = Monitored()
    ready = threading.Event()
    clients = options.clients
    try:
        port = nodes.cluster.redis.target.port
        watching = threading.Thread(
            target=monitor, args=(port, seen, ready), daemon=True
        )
        if options.monitor:
            watching.start()
            ready.wait(10)  # MONITOR answered before the storm
        profilers = []
        if options.profile:
            profilers = [
                subprocess.Popen(
                    [
                        *(options.py_spy, "record", "--pid", str(pid), "--rate"),
                        *("200", "--format", "raw", "--nonblocking", "--output"),
                        f"{options.profile}/node-{pid}.raw",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for pid in nodes.target.pids
            ]
            time.sleep(1.0)  # py-spy attached
        before, cpu_before = counts(port), nodes.target.cpu_seconds() or 0.0
        storm = CGen(
            "storm",
            nodes.target.host,
            nodes.target.port,
            {
                "clients": clients,
                "rooms": max(1, clients // options.room_size),
                "senders": 0,
                "concurrency": 50,
                "tag": secrets.token_hex(3),
                "timeout": 120,
                "door": options.door,
                "sources": 1,
                "source_base": 2,
            },
        )
        storm.ready(180)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            held = GCFigures.scrape_all(nodes.metrics_ports).connections
            if sum(held) >= clients:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # the last joins' news and reads
        after, cpu_after = counts(port), nodes.target.cpu_seconds() or 0.0
        if options.monitor:
            with socket.create_connection(("127.0.0.1", port)) as link:
                send(link, *LAST)
                link.recv(100)
            watching.join(60)
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)
        for profiler in profilers:
            profiler.wait(30)
        subscribers = lobby_subscribers(port, "chatroom:lobby")
        storm.tell("stop")
        storm.close()
    finally:
        nodes.cluster.stop()
    spent = {name: after[name] - before.get(name, 0) for name in after}
    redis_cpu = spent.pop("@used_cpu_sys") + spent.pop("@used_cpu_user")
    written = spent.pop("@total_net_output_bytes")
    print(
        f"{options.nodes} nodes, {clients} clients: "
        f"{sum(spent.values()) / clients:.2f} Redis commands, "
        f"Redis {redis_cpu * 1000 / clients:.3f} ms of CPU and {written / clients:.0f} "
        f"bytes written, the nodes {(cpu_after - cpu_before) * 1000 / clients:.2f} "
        "ms of CPU, per client"
    )
    for name, calls in sorted(spent.items(), key=lambda item: -item[1]):
        if calls / clients >= 0.1:
            print(f"  {name:16s} {calls / clients:6.2f}")
    if options.monitor:
        by_kind: collections.Counter[str] = collections.Counter()
        for channel, count in seen.published.items():
            kind = re.sub(r"chan:.*", "chan:(a room)", channel.decode())
            by_kind[kind] += count
        for kind, count in sorted(by_kind.items()):
            print(f"  PUBLISH {kind}: {count / clients:.2f}")
        lobby = by_kind.get("chatroom:lobby", 0)
        print(
            f"  the lobby's news: {subscribers} nodes subscribed, "
            f"{lobby * subscribers / clients:.2f} messages delivered per client"
        )
        print("  by caller (calls, links, commands each ran, per client):")
        for caller, calls in seen.calls.most_common():
            if calls / clients < 0.05:
                continue
            ran = {
                command: count
                for (script, command), count in seen.commands.items()
                if script == caller
            }
            inner = ", ".join(
                f"{command} {count / clients:.2f}"
                for command, count in sorted(ran.items(), key=lambda item: -item[1])
                if command not in ("evalsha", "evalsha_ro")
            )
            total = sum(ran.values()) if ran else calls
            print(
                f"    {caller:18s} {calls / clients:6.2f} calls on "
                f"{len(seen.links[caller]):3d} links, {total / clients:6.2f} "
                f"commands{': ' + inner if inner else ''}"
            )


if __name__ == "__main__":
    main()
