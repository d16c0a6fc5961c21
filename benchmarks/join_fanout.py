"""What one node spends on a room event it hands to a few members: the
per-node part of a join in a cluster of many nodes, which every node with
members in the room pays.

Run from a checkout (Debian's ``redis-server`` on the PATH)::

    .venv/bin/python benchmarks/join_fanout.py [--tree DIR] [--rooms 300] \
        [--events 20000] [--rate 1000] [--py-spy PATH --profile FILE] \
        [--node-args '--subscriber-hold 5']

It starts ``redis-server`` and one node of ``--tree``'s chatroom (this
checkout by default: give another revision's tree to compare, in the
same run, alternated), with its three doors. ``--rooms`` rooms get one
member at each of the doors ``--doors`` names (line, IRC and WebSocket
by default, clients of this script over loopback), the way a node of a
cluster of 56 has a few of each room's 100 members. Then this script
publishes ``--events`` joins on the rooms' channels at ``--rate`` a
second, round the rooms, as another node's ``JOIN`` script would (the
same bytes: the cluster's encoding of a ``Joined``, after its sequence
number), and reads what the members are sent until each has every join.

It prints, per event: the node's CPU (``/proc``, less what the node
spent idle over as long: its heartbeat and census), the bytes and lines
its members were sent, its context switches (``switches``: it slept;
``preempted``: another process took its core, such as this script woken
by what the node sent; with ``--batch-readers`` this script reads as
``SCHED_BATCH``, as the million's crowd generators do, and does not), and
the node's system calls by name (``strace
-c`` attached for the publishing, with ``--strace``: it slows the node,
so the CPU of such a run is not comparable). With ``--profile FILE``
py-spy records the node meanwhile (``--format raw``: one stack a line,
with its count). With ``--calls`` the node counts its Python function
calls over the publishing (``cProfile``, started and stopped by signal:
``benchmarks/node_calls``), and the script prints them per event, the
reactor's wakes (its ``epoll`` polls) per event, and the functions called
most. It also prints how long a join took from its publishing to its
member's read (``latency_ms``: this script reads at most every 2 ms while
it publishes, so compare runs rather than read it alone). ``--node-args``
gives the node more options (``'--subscriber-hold 5'``: its reads of
Redis held, docs/scaling.md). The CPU depends on the machine's load: say it
(``uptime``) beside the figure, and compare trees in the same session.
"""

from __future__ import annotations

import argparse
import base64
import os
import pstats
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from chatroom.bench.sampling import proc_cpu_seconds
from chatroom.bench.servers import (
    SERVER_OPTIONS,
    DoorNodes,
    ServerCode,
    find_redis_server,
    start_door_nodes,
)
from chatroom.core.model import codec
from chatroom.core.model.events import Joined
from chatroom.core.model.text import name_key

#: What each rendering of a join holds once: the line door's ``JOIN room
#: user``, IRC's ``:user!... JOIN #room`` (WebSocket: the line door's).
MARK = b"JOIN "


def context_switches(pid: int) -> tuple[int, int]:
    """``pid``'s voluntary and involuntary context switches so far
    (``/proc/PID/status``): the second, the node preempted."""
    counts = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name.endswith("ctxt_switches"):
                counts[name] = int(value)
    return counts["voluntary_ctxt_switches"], counts["nonvoluntary_ctxt_switches"]


def user_system(pid: int) -> tuple[float, float]:
    """``pid``'s user and system CPU so far (``/proc/PID/stat``), seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


class Client:
    """One member over loopback: it signs in, joins its room, then reads."""

    def __init__(
        self, door: str, port: int, name: str, room: str, verb: str = "join"
    ) -> None:
        self.door = door
        self.verb = verb
        self.name = name
        self.room = room
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.data = b""
        self.joined = False
        self.asked = 0
        self.counting = False
        self.count = 0
        self.bytes = 0
        self.lines = 0
        #: When each join counted came (monotonic), in the order they came.
        self.arrivals: list[float] = []
        self._tail = b""
        if door == "ws":
            key = base64.b64encode(os.urandom(16)).decode()
            self.sock.sendall(
                (
                    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    f"Sec-WebSocket-Key: {key}\r\n\r\n"
                ).encode()
            )
            self._upgraded = False
        elif door == "irc":
            self.sock.sendall(f"NICK {name}\r\nUSER {name} 0 * :{name}\r\n".encode())
        else:
            self.say(name)
        self.sock.setblocking(False)

    def say(self, line: str) -> None:
        data = line.encode()
        if self.door == "ws":
            mask = os.urandom(4)
            masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            assert len(data) < 126
            self.sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask + masked)
        else:
            self.sock.sendall(data + b"\r\n")

    def read(self) -> None:
        try:
            chunk = self.sock.recv(1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            raise RuntimeError(f"{self.name}: the node closed the connection")
        if self.counting:
            self.bytes += len(chunk)
            # A mark may be cut between two reads: count over the seam.
            seam = self._tail + chunk
            came = seam.count(MARK) - self._tail.count(MARK)
            self.count += came
            if came:
                self.arrivals += [time.monotonic()] * came
            self.lines += chunk.count(b"\n")
            self._tail = chunk[-(len(MARK) - 1) :]
            return
        self.data += chunk
        self._setting_up()

    def _setting_up(self) -> None:
        if self.door == "ws" and not self._upgraded:
            if b"\r\n\r\n" not in self.data:
                return
            self.data = self.data.split(b"\r\n\r\n", 1)[1]
            self._upgraded = True
            self.say(self.name)
        if self.joined:
            return
        if self.door == "irc":
            if b" 001 " in self.data and not self.asked:
                self.sock.setblocking(True)
                self.sock.sendall(f"JOIN #{self.room}\r\n".encode())
                self.sock.setblocking(False)
                self.asked = True
            if b" 366 " in self.data:
                self.joined = True
        else:
            if b"ROOMS " in self.data and not self.asked:
                self.sock.setblocking(True)
                self.say(f"/{self.verb} {self.room}")
                self.sock.setblocking(False)
                self.asked = len(self.data)
            if b"JOINED " in self.data:
                self.joined = True
            elif self.asked and b"ERR " in self.data[self.asked :]:
                raise RuntimeError(f"{self.name}: {self.data[-200:]!r}")


def pump(
    clients: list[Client], until: Callable[[], bool], bound: float, what: str
) -> None:
    """Read every client until ``until()`` holds (at most ``bound`` s)."""
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.sock, selectors.EVENT_READ, client)
    deadline = time.monotonic() + bound
    try:
        while not until():
            if time.monotonic() > deadline:
                stuck = [c for c in clients if not c.joined][:2]
                raise RuntimeError(
                    f"timed out waiting for {what}: "
                    + "; ".join(f"{c.name} {c.data[-300:]!r}" for c in stuck)
                )
            for key, _ in selector.select(0.05):
                key.data.read()
    finally:
        selector.close()


def all_joined(clients: list[Client]) -> Callable[[], bool]:
    return lambda: all(client.joined for client in clients)


class Publisher:
    """A plain Redis connection that publishes in the protocol's bytes."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.replies = 0
        self.sent = 0

    def command(self, *args: bytes) -> bytes:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        return b"".join(parts)

    def ask(self, *args: bytes) -> bytes:
        self.sock.sendall(self.command(*args))
        time.sleep(0.05)
        return self.sock.recv(1 << 20)

    def publish(self, batch: list[tuple[bytes, bytes]]) -> None:
        self.sock.sendall(b"".join(self.command(b"PUBLISH", c, m) for c, m in batch))
        self.sent += len(batch)

    def drain(self) -> None:
        self.sock.setblocking(False)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                self.replies += chunk.count(b"\r\n")
        except BlockingIOError:
            pass
        self.sock.setblocking(True)


#: The signals the node's call counting starts and stops on
#: (``benchmarks/node_calls/sitecustomize.py``).
CALLS_STARTED = signal.SIGRTMIN + 5
CALLS_STOPPED = signal.SIGRTMIN + 6


def count_calls_in_nodes(path: str) -> None:
    """Have the nodes started from now on count their calls into ``path``
    (suffixed with each one's pid) when signalled."""
    hook = str(Path(__file__).resolve().parent / "node_calls")
    known = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = f"{known}{os.pathsep}{hook}" if known else hook
    os.environ["CHATROOM_NODE_CALLS"] = path


def print_calls(path: str, events: int) -> None:
    """The node's calls per event and wakes per event, and its most
    called functions."""
    stats = pstats.Stats(path).stats  # type: ignore[attr-defined]
    calls = sum(counts[1] for counts in stats.values())
    wakes = sum(
        counts[1] for (_, _, name), counts in stats.items() if "epoll' objects" in name
    )
    print(f"  calls/event={calls / events:.1f} wakes/event={wakes / events:.3f}")
    most = sorted(stats.items(), key=lambda item: -item[1][1])[:25]
    for (file, line, name), counts in most:
        where = f"{Path(file).name}:{line} " if line else ""
        print(f"    {counts[1] / events:6.2f} {where}{name}")


def print_latency(clients: list[Client], published: list[float], rooms: int) -> None:
    """From each join's publishing to its member's read (this script's
    readers, woken at most every 2 ms while it publishes: what a hold of
    the node's reads adds shows against a run without)."""
    waits = []
    for client in clients:
        room = int(client.room[2:])
        for n, came in enumerate(client.arrivals):
            k = room + n * rooms  # the n-th join published to its room
            if k < len(published):
                waits.append(came - published[k])
    if not waits:
        return
    waits.sort()

    def at(share: float) -> float:
        return waits[min(len(waits) - 1, int(share * len(waits)))] * 1e3

    print(
        f"  latency_ms p50={at(0.5):.2f} p90={at(0.9):.2f} p99={at(0.99):.2f}"
        f" max={waits[-1] * 1e3:.2f} (of {len(waits)})"
    )


def run(options: argparse.Namespace) -> None:
    redis_server = find_redis_server()
    if redis_server is None:
        sys.exit("no redis-server on the PATH")
    tree = Path(options.tree).resolve()
    code = ServerCode(sys.executable, tree)
    if options.calls:
        count_calls_in_nodes(options.calls)
    extra = ["--max-rooms", "1000000", "--sendq", "1000000"]
    extra += shlex.split(options.node_args)
    nodes = start_door_nodes(1, redis_server, code, SERVER_OPTIONS + extra)
    try:
        measure(options, nodes)
    finally:
        nodes.cluster.stop()


def measure(options: argparse.Namespace, nodes: DoorNodes) -> None:
    ports = nodes.ports
    cluster = nodes.cluster
    pid = cluster.nodes[0].process.pid
    doors = options.doors.split(",")
    clients: list[Client] = []
    batch = 50
    for start in range(0, options.rooms, batch):
        numbers = range(start, min(options.rooms, start + batch))
        first = doors[0]
        made = [
            Client(first, ports[first], f"m{i}{first}", f"jf{i}", "create")
            for i in numbers
        ]
        pump(made, all_joined(made), 60, "first members")
        others = [
            Client(door, ports[door], f"m{i}{door}", f"jf{i}")
            for i in numbers
            for door in doors[1:]
        ]
        pump(others, all_joined(others), 60, "members")
        clients += made + others
    settled = time.monotonic() + 1.0
    pump(clients, lambda: time.monotonic() > settled, 5, "settling")
    publisher = Publisher(cluster.redis.target.port)
    channels = publisher.ask(b"PUBSUB", b"CHANNELS", b"chatroom:chan:jf*")
    if channels.count(b"chatroom:chan:jf") != options.rooms:
        raise RuntimeError(f"the node's channels: {channels[:300]!r}")
    for client in clients:
        client.counting = True
    if options.batch_readers:  # this process only: the node was started
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    idle_before = proc_cpu_seconds(pid) or 0.0
    time.sleep(options.idle)
    idle = (proc_cpu_seconds(pid) or 0.0) - idle_before
    pump(clients, lambda: True, 0.1, "reading what came idle")
    for client in clients:
        client.count = client.bytes = client.lines = 0
        client.arrivals = []
    events = [
        (
            b"chatroom:chan:" + name_key(f"jf{k % options.rooms}").encode(),
            b"%d %s"
            % (
                1000 + k,
                codec.encode(Joined(f"jf{k % options.rooms}", f"zj{k}")),
            ),
        )
        for k in range(options.events)
    ]
    tracer = spy = None
    if options.strace:
        tracer = subprocess.Popen(
            ["strace", "-c", "-f", "-p", str(pid), "-o", options.strace],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
    if options.perf:
        spy = subprocess.Popen(
            ["perf", "record", "-F", "997", "-g", "-p", str(pid), "-o", options.perf],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.5)
    elif options.profile:
        spy = subprocess.Popen(
            [options.py_spy, "record", "--pid", str(pid), "--rate", "1500",
             "--format", "raw", "--gil", "-o", options.profile],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.5)
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.sock, selectors.EVENT_READ, client)
    expected = options.events * len(doors)
    step = max(1, options.rate // 100)  # a batch every 10 ms
    began = time.monotonic()
    cpu_before = proc_cpu_seconds(pid) or 0.0
    user_before, system_before = user_system(pid)
    switches_before = context_switches(pid)
    if options.calls:
        os.kill(pid, CALLS_STARTED)
    at = 0
    published: list[float] = []  # when each event was published
    while True:
        now = time.monotonic()
        due = min(options.events, int((now - began) * options.rate) + step)
        if at < due:
            publisher.publish(events[at:due])
            published += [time.monotonic()] * (due - at)
            at = due
        for key, _ in selector.select(0.002):
            key.data.read()
        if at >= options.events and sum(c.count for c in clients) >= expected:
            break
        if now - began > options.events / options.rate + 60:
            by_door = {d: sum(c.count for c in clients if c.door == d) for d in doors}
            raise RuntimeError(
                f"of {options.events} each, came: {by_door}\n{cluster.log_tails()}"
            )
    elapsed = time.monotonic() - began
    if options.calls:
        os.kill(pid, CALLS_STOPPED)
    cpu = (proc_cpu_seconds(pid) or 0.0) - cpu_before
    user, system = user_system(pid)
    user, system = user - user_before, system - system_before
    voluntary, preempted = (
        after - before
        for after, before in zip(context_switches(pid), switches_before, strict=True)
    )
    if spy is not None:
        spy.send_signal(2)
        spy.wait(30)
    if tracer is not None:
        tracer.send_signal(2)
        tracer.wait(30)
    publisher.drain()
    selector.close()
    idle_share = idle / options.idle * elapsed
    sent_bytes = sum(c.bytes for c in clients)
    sent_lines = sum(c.lines for c in clients)
    print(
        f"tree={options.tree} rooms={options.rooms} doors={options.doors}"
        f" events={options.events} rate={options.rate}/s elapsed={elapsed:.2f}s"
        f" node_cpu_us/event={cpu * 1e6 / options.events:.1f}"
        f" less_idle={(cpu - idle_share) * 1e6 / options.events:.1f}"
        f" (user {user * 1e6 / options.events:.1f}"
        f" system {system * 1e6 / options.events:.1f})"
        f" idle_cpu={idle / options.idle * 100:.1f}%"
        f" bytes/event={sent_bytes / options.events:.0f}"
        f" lines/event={sent_lines / options.events:.2f}"
        f" switches/event={voluntary / options.events:.2f}"
        f" preempted/event={preempted / options.events:.2f}"
        f" load={os.getloadavg()[0]:.2f}",
        flush=True,
    )
    if options.strace:
        time.sleep(0.5)
        with open(options.strace) as summary:
            for line in summary:
                parts = line.split()
                if len(parts) >= 5 and parts[3].isdigit():
                    calls = int(parts[3])
                    print(f"  {parts[-1]}: {calls / options.events:.2f}/event")
    if options.calls:
        written = Path(f"{options.calls}.{pid}")
        for _ in range(600):  # the node writes it when it next runs
            if written.exists():
                break
            time.sleep(0.1)
        print_calls(str(written), options.events)
    print_latency(clients, published, options.rooms)
    problems = [line for node in cluster.nodes for line in node.log_problems()]
    for line in problems[:10]:
        print("  node logged:", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--rooms", type=int, default=300)
    parser.add_argument("--doors", default="line,irc,ws")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--strace", metavar="FILE")
    parser.add_argument(
        "--batch-readers",
        action="store_true",
        help="read the members as SCHED_BATCH (as the million's crowd is)",
    )
    parser.add_argument("--profile", metavar="FILE")
    parser.add_argument(
        "--calls", metavar="FILE", help="count the node's calls (cProfile) into FILE"
    )
    parser.add_argument("--perf", metavar="FILE", help="perf record -g into FILE")
    parser.add_argument("--py-spy", default="py-spy")
    parser.add_argument(
        "--node-args",
        default="",
        help="more options for the node, as one string ('--subscriber-hold 5')",
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
