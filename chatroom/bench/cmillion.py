"""How many one machine holds: the C generator's ``million`` scenario.

``--million`` connections (default 1,000,000) are opened and kept on
``--million-nodes`` ``chatroom-cluster`` nodes (default: as many as the
descriptor limit needs) sharing one ``redis-server`` and the three doors'
ports (``--reuse-port``). They come through the line, IRC and web doors in
the ``--million-mix`` proportions, from as many generator processes as the
limit needs (:data:`PER_GENERATOR` each), each from loopback addresses of
its own (:data:`PER_SOURCE` connections each: past about 14,000 to one port
the kernel scans its used ports on every connect). They behave like idle
people in rooms of ``--million-room-size`` (100): they answer pings, and
one in a hundred says something in its room every ``--million-talk``
seconds. A client turned away while it signs in
(``UNAVAILABLE``, a connection closed or refused) comes back after a
back-off, as a person's client would (``cgen.c``), within
``--million-fill-timeout``; the report says how many came in after a retry.

Beside the crowd, the usual 1,000 active clients in 10 rooms of 100 chat at
``--million-rate`` deliveries/s, once before the crowd comes and once while
it is held, on the same nodes in the same run. The report has:

- the fill rate (connected, named and seated per second, all accepted),
  and the nodes' ``--subscriber-hold`` if ``--million-subscriber-hold``
  gives one (each join of the fill is read by nearly every node; a hold
  makes a node read them many at a time, docs/scaling.md);
- the fill's CPU a connection, the nodes', Redis's and the generators'
  (what sets the fill's ceiling on a machine the fill saturates: each
  join is news to its room's members, one ``send`` each, and is read by
  every node with members in the room, so it grows with the room size);
- memory per connection: the growth of the nodes' proportional set size
  (PSS, with their launcher's: the machine's memory the forked nodes
  hold, each page once, the pages a node copies from its launcher
  counted) over all connections, Redis's resident growth, and the
  kernel's (slab and TCP buffers, both ends of each loopback connection,
  machine-wide so other load shows too); beside them the totals held
  with the crowd, each node's resident growth over its own connections,
  and an empty node's RSS, PSS and USS;
- p99 and loss of the active load with and without the crowd;
- each node's longest reactor stall, as an outside probe sees it: every
  :data:`PROBE_EVERY` seconds each node's ``/healthz`` is asked, and the
  longest answer is a stall the node's reactor had (it answers at once when
  its loop turns); the collector's longest pause from ``/metrics`` beside;
- the CPU the crowd costs at rest: the nodes' and Redis's CPU over
  ``--million-rest`` seconds without the crowd and with it;
- that every connection was held for ``--million-hold`` seconds: the nodes
  count them all at the end, and no generator saw one closed.

It raises what it may (the descriptor limit to its hard limit; as root the
hard limit itself, ``fs.nr_open`` and ``net.ipv4.ip_local_port_range``) and
says what stopped it. It gives Redis, which every node waits on, the CPU
first as an operator would: as root Redis runs at niceness
:data:`REDIS_NICE`; otherwise the crowd's generators, the load rather than
the system under test, run at :data:`GENERATOR_NICE`. The crowd's
generators are scheduled as ``SCHED_BATCH``, so that one woken by a
node's send waits for the node's time slice rather than preempting it, as
a client on another machine would (:func:`batch_the_crowd`). Every wait is
bounded, everything started is stopped, and the generator only connects to
127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import os
import resource
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatroom.bench.cclusters import renice
from chatroom.bench.cgen import CGen
from chatroom.bench.chold import GCFigures
from chatroom.bench.cscenarios import c_fanout
from chatroom.bench.errors import BenchError
from chatroom.bench.report import CFanoutRun
from chatroom.bench.sampling import cpu_percent, proc_cpu_seconds, proc_memory_kib
from chatroom.bench.servers import (
    NO_REDIS,
    SERVER_OPTIONS,
    DoorNodes,
    ServerCode,
    find_redis_server,
    start_door_nodes,
)

#: Idle connections per generator process, under its 20,000 descriptors.
PER_GENERATOR = 19_000

#: Connections per loopback source address (see the module's docstring).
PER_SOURCE = 12_000

#: Connections a node is given at most: what is left of its descriptors
#: after the kernel's uneven spread (a few hundred), its listeners, its
#: link to Redis and its share of the active clients.
NODE_HEADROOM = 0.95

#: Loopback source addresses the generator may bind: 127.0.0.2 .. 127.0.0.254.
SOURCE_ADDRESSES = 253

#: Seconds between two probes of one node's ``/healthz``, and the longest
#: a probe waits for its answer.
PROBE_EVERY = 0.5
PROBE_TIMEOUT = 30.0

#: Seconds left to the nodes to settle before memory or CPU at rest is read
#: (a node just joined, or a reply's buffers still to be freed).
SETTLE = 2.0

#: Seconds the nodes get to see the whole crowd leave.
LEAVE_TIMEOUT = 120.0

#: Seconds the nodes are given, past the fill's deadline, to count the
#: connections the generators have in: a node still working through the
#: last sign-ons may answer a scrape late.
COUNT_GRACE = 60.0

#: The ephemeral range widened to, as root, when a source needs more ports.
WIDE_PORT_RANGE = (1024, 65535)

#: Redis's niceness as root: on two cores shared by dozens of nodes and
#: generators it would get a small share, and every node's call waits on it.
REDIS_NICE = -10

#: The crowd's generators' niceness when Redis's cannot be lowered (not
#: root): raising one's own is allowed to anyone.
GENERATOR_NICE = 10

NR_OPEN = Path("/proc/sys/fs/nr_open")
PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@dataclass
class Limits:
    """What bounds the run on this machine, and what it raised."""

    nofile_soft: int
    nofile_hard: int
    nr_open: int | None
    port_range: list[int] | None
    raised: list[str] = field(default_factory=list)
    #: Why a limit stayed where it was (not root, refused...).
    kept: list[str] = field(default_factory=list)


@dataclass
class MillionRun:
    """A crowd filled, held beside an active load, and what it cost."""

    #: Connections asked for, those that came in (connected, named and
    #: seated within ``--million-fill-timeout``), which every figure below
    #: is of, and those that did not, with the generators' first reasons.
    connections: int
    connections_in: int
    not_in: int
    not_in_errors: list[str]
    #: Of those in, how many came in after being turned away at least once,
    #: how many times clients were turned away and came back, and the
    #: generators' first reasons.
    came_in_after_retry: int
    retries: int
    retry_reasons: list[str]
    nodes: int
    generators: int
    sources: int
    #: door → connections through it.
    mix: dict[str, int]
    limits: Limits
    fill_seconds: float
    #: Connections connected, named, seated and accepted per second.
    fill_per_s: float
    #: The crowd's rooms' size (``--million-room-size``), and the rooms the
    #: nodes counted once it was in (the active load's among them).
    room_size: int
    rooms: int
    #: The fill's CPU, ms a connection that came in: the nodes', Redis's
    #: and the crowd's generators' (None: one could not be read), and the
    #: most connections a second the machine's cores could take in at that
    #: cost, were they given to nothing else.
    fill_nodes_cpu_ms: float | None
    fill_redis_cpu_ms: float | None
    fill_generators_cpu_ms: float | None
    fill_ceiling_per_s: float | None
    hold_seconds: float
    #: Connections the nodes counted at the end of the hold (-1: a node did
    #: not answer), and those the generators still held when told to stop.
    connections_at_end: int
    held_at_end: int
    #: Connections closed by the servers' side (a generator never closes one
    #: before it is told to stop).
    dropped: int
    #: Messages the idle talkers sent while held.
    idle_messages: int
    #: Each node's connections once the crowd was in.
    connections_per_node: list[int]
    #: Each node's resident memory empty and with the crowd, KiB, and its
    #: growth per connection it holds (RSS: a page a node copies from its
    #: launcher was resident before, so it is not counted).
    node_rss_empty_kib: list[int | None]
    node_rss_held_kib: list[int | None]
    node_kib_per_connection: list[float | None]
    #: Each node's proportional set size empty and with the crowd, KiB.
    node_pss_empty_kib: list[int | None]
    node_pss_held_kib: list[int | None]
    #: An empty node's memory three ways (the largest of each), KiB.
    empty_node_kib: dict[str, int | None]
    #: The nodes' and their launcher's PSS summed, KiB: the machine's
    #: memory they hold, each page once. Its growth over all connections
    #: is the nodes' memory per connection; the sum of their RSS growth
    #: beside it.
    nodes_pss_empty_kib: int | None
    nodes_pss_held_kib: int | None
    nodes_kib_per_connection: float | None
    nodes_rss_kib_per_connection: float | None
    redis_rss_empty_kib: int | None
    redis_rss_held_kib: int | None
    redis_kib_per_connection: float | None
    #: The kernel's slab and TCP buffers, machine-wide, KiB, and their
    #: growth per connection (both ends).
    kernel_empty_kib: int | None
    kernel_held_kib: int | None
    kernel_kib_per_connection: float | None
    #: The active load alone, then beside the crowd (same nodes, same run).
    without_crowd: CFanoutRun
    with_crowd: CFanoutRun
    #: p99 with the crowd over p99 without it.
    p99_ratio: float | None
    #: Keepalive PINGs the nodes sent per second during each of the two
    #: (None: a node did not answer). The crowd's first round of PINGs
    #: comes --ping-interval to 1.25 x it after each client signed on, at
    #: about the fill's rate: the load beside the crowd is measured at rest
    #: between rounds or during one, depending on how long the fill took.
    pings_per_s_without: float | None
    pings_per_s_with: float | None
    #: Each node's longest ``/healthz`` answer (ms) while filling and
    #: holding, its longest collector pause, and answers saying it could
    #: not reach Redis.
    node_longest_stall_ms: list[float | None]
    node_gc_longest_ms: list[float | None]
    unavailable_answers: int
    #: Nodes' and Redis's CPU at rest (% of one core), without the crowd
    #: and with it, and what the crowd's generators spent with it.
    rest_cpu_pct_without: float | None
    rest_cpu_pct_with: float | None
    crowd_rest_cpu_pct: float | None
    generators_rest_cpu_pct: float | None
    #: Warnings and errors the nodes logged while the crowd came and was
    #: held (the first few, and how many).
    node_log_problems: list[str]
    node_log_problem_count: int
    #: Once told to stop, the crowd leaves at once: how long until the nodes
    #: count none of it (None: not within :data:`LEAVE_TIMEOUT`), and what
    #: they logged meanwhile.
    leave_seconds: float | None
    leave_log_problems: list[str]
    leave_log_problem_count: int
    #: The nodes' ``--subscriber-hold``, ms (0: not given).
    subscriber_hold_ms: float = 0.0


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _port_range() -> list[int] | None:
    try:
        return [int(x) for x in PORT_RANGE.read_text().split()]
    except (OSError, ValueError):
        return None


def raise_limits(per_process: int, per_source: int) -> Limits:
    """Raise the descriptor limit to what one process needs (as root, past
    the hard limit and ``fs.nr_open`` if it must), and the ephemeral port
    range if one source address needs more ports than it has; say what was
    raised and what could not be."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nr_open = _read_int(NR_OPEN)
    limits = Limits(soft, hard, nr_open, _port_range())
    if hard < per_process:
        if nr_open is not None and nr_open < per_process:
            _write(NR_OPEN, str(per_process), "fs.nr_open", limits)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (per_process, per_process))
            limits.raised.append(f"RLIMIT_NOFILE {hard} -> {per_process}")
        except (OSError, ValueError) as error:
            limits.kept.append(
                f"RLIMIT_NOFILE hard limit {hard} (raising it to {per_process}: "
                f"{error}); a process holds at most {hard} descriptors"
            )
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        limits.raised.append(f"RLIMIT_NOFILE soft {soft} -> {hard}")
    limits.nofile_soft, limits.nofile_hard = hard, hard
    limits.nr_open = _read_int(NR_OPEN)
    ports = limits.port_range
    if ports and ports[1] - ports[0] + 1 < per_source:
        wide = " ".join(str(p) for p in WIDE_PORT_RANGE)
        _write(PORT_RANGE, wide, "net.ipv4.ip_local_port_range", limits)
        limits.port_range = _port_range()
    return limits


def _write(path: Path, value: str, name: str, limits: Limits) -> None:
    before = path.read_text().strip()
    try:
        path.write_text(value + "\n")
        limits.raised.append(f"{name} {before} -> {value}")
    except OSError as error:
        limits.kept.append(f"{name} {before} (raising it to {value}: {error})")


def prioritize_redis(redis: int, limits: Limits) -> bool:
    """Give Redis the CPU first (:data:`REDIS_NICE`), as root; whether it
    was, with what was done or why not in ``limits``."""
    try:
        before = renice(redis, REDIS_NICE)
    except OSError as error:
        limits.kept.append(
            f"Redis's niceness (lowering it to {REDIS_NICE}: {error.strerror}); "
            f"the crowd's generators run at niceness {GENERATOR_NICE} instead"
        )
        return False
    limits.raised.append(f"Redis's priority: niceness {before} -> {REDIS_NICE}")
    return True


def yield_to_the_servers(generators: list[int], limits: Limits) -> None:
    """The crowd's generators (their pids) at :data:`GENERATOR_NICE`
    (allowed to anyone), so the load does not starve what it loads."""
    try:
        before = [renice(pid, GENERATOR_NICE) for pid in generators]
    except OSError as error:
        limits.kept.append(f"the generators' niceness ({error.strerror})")
        return
    if before:
        limits.raised.append(
            f"the crowd's generators' niceness {before[0]} -> {GENERATOR_NICE}"
        )


def batch_the_crowd(generators: list[int], limits: Limits) -> None:
    """The crowd's generators (their pids) scheduled as ``SCHED_BATCH``
    (allowed to anyone): a generator woken by what a node sends it waits
    for the node's time slice to end rather than taking its core at once.
    The crowd stands for clients on other machines, whose waking costs a
    node nothing; here each room event a node handed its crowd members
    woke a generator that preempted the node, a context switch out and
    back in per event and the node's caches lost (docs/performance.md)."""
    try:
        for pid in generators:
            for task in Path(f"/proc/{pid}/task").iterdir():
                os.sched_setscheduler(int(task.name), os.SCHED_BATCH, os.sched_param(0))
    except OSError as error:
        limits.kept.append(f"the generators' scheduling ({error.strerror})")
        return
    if generators:
        limits.raised.append("the crowd's generators' scheduling: SCHED_BATCH")


def default_nodes(connections: int, per_process: int) -> int:
    """Nodes enough that each holds its share under its descriptor limit."""
    return max(1, math.ceil(connections / (per_process * NODE_HEADROOM - 1000)))


def door_counts(connections: int, mix: dict[str, float]) -> dict[str, int]:
    """``connections`` split over the doors in ``mix``'s proportions."""
    total = sum(mix.values())
    counts = {door: int(connections * share / total) for door, share in mix.items()}
    counts[next(iter(mix))] += connections - sum(counts.values())
    return counts


def parse_mix(text: str) -> dict[str, float]:
    """``line=40,irc=30,ws=30`` → shares; every door at least 10 %."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        door, _, share = part.partition("=")
        mix[door.strip()] = float(share)
    if set(mix) != {"line", "irc", "ws"}:
        raise ValueError("name line, irc and ws, each with its share")
    if min(mix.values()) < 0.1 * sum(mix.values()):
        raise ValueError("each door takes at least 10 % of the crowd")
    return mix


class StallProbe:
    """Asks each node's ``/healthz`` every :data:`PROBE_EVERY` seconds and
    keeps the longest answer: a node answers as soon as its reactor turns,
    so a long answer is a reactor that did not turn for that long.

    Each node is asked on one kept-alive connection (made again after an
    error), as a load balancer's health check would: a new connection a
    probe cost a node an accept and a close besides the answer, about
    0.8 ms of CPU where the answer alone is 0.4-0.5 ms, some 9 % of a
    core for 56 nodes at two probes a second. The probe runs from before
    the first figure without the crowd, so the figures with and without
    it carry the same probes; :meth:`crowd_comes` starts its figures
    afresh."""

    def __init__(self, ports: list[int]) -> None:
        self.longest: list[float | None] = [None] * len(ports)
        self.unavailable = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._probe, args=(n, port), daemon=True)
            for n, port in enumerate(ports)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def crowd_comes(self) -> None:
        """What is kept from here on is the crowd's: the longest answers
        and the ``503`` count start afresh."""
        self.longest = [None] * len(self.longest)
        self.unavailable = 0

    def stop(self) -> None:
        self._stop.set()
        deadline = time.monotonic() + PROBE_TIMEOUT + 5
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _probe(self, number: int, port: int) -> None:
        link: http.client.HTTPConnection | None = None
        while not self._stop.wait(PROBE_EVERY):
            if link is None:
                link = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=PROBE_TIMEOUT
                )
            started = time.monotonic()
            try:
                link.request("GET", "/healthz")
                answer = link.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                link.close()  # a node that stopped answering: its log says why
                link = None
                continue
            answered = (time.monotonic() - started) * 1000
            if status == 503:
                self.unavailable += 1
            previous = self.longest[number]
            if previous is None or answered > previous:
                self.longest[number] = round(answered, 2)
        if link is not None:
            link.close()


class MemoryGuard:
    """Stops the crowd if the machine runs short of memory: the kernel's
    out-of-memory killer would take some other process with it (another
    user's, on a shared machine), so the run ends first and says why."""

    def __init__(self, generators: list[CGen], metrics: list[int], floor_mib: int):
        self.reason: str | None = None
        self._generators = generators
        self._metrics = metrics
        self._floor_kib = floor_mib * 1024
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            available = _available_kib()
            if available is None or available >= self._floor_kib:
                continue
            self.reason = (  # before the generators end, which is seen at once
                f"the machine's available memory fell to {available // 1024:,} "
                f"MiB (the floor: {self._floor_kib // 1024:,} MiB, "
                f"--million-memory-floor) with {_connections(self._metrics):,} "
                "connections in; the crowd was stopped"
            )
            for generator in self._generators:
                with contextlib.suppress(OSError):
                    generator.process.terminate()
            return


def _available_kib() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo``, KiB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _kernel_kib() -> int | None:
    """The kernel's slab plus its TCP buffers, KiB (machine-wide)."""
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        sockstat = Path("/proc/net/sockstat").read_text().split()
    except OSError:
        return None
    slab = next(int(line.split()[1]) for line in meminfo if line.startswith("Slab:"))
    tcp = sockstat.index("TCP:")
    pages = int(sockstat[sockstat.index("mem", tcp) + 1])
    return slab + pages * 4


def _per(before: float | None, after: float | None, count: int) -> float | None:
    if before is None or after is None or not count:
        return None
    return round((after - before) / count, 2)


@dataclass
class Memory:
    """The nodes', their launcher's, Redis's and the kernel's memory at one
    moment, KiB (each process's as :func:`proc_memory_kib` reads it)."""

    nodes: list[dict[str, int] | None]
    launcher: dict[str, int] | None
    redis: dict[str, int] | None
    kernel: int | None

    @classmethod
    def read(cls, servers: list[int], launcher: int | None, redis: int) -> Memory:
        return cls(
            [proc_memory_kib(pid) for pid in servers],
            None if launcher is None else proc_memory_kib(launcher),
            proc_memory_kib(redis),
            _kernel_kib(),
        )

    def of_nodes(self, kind: str) -> list[int | None]:
        return [None if node is None else node[kind] for node in self.nodes]

    def nodes_pss(self) -> int | None:
        """The nodes' PSS and their launcher's summed: every page they hold,
        a page they share counted once, a page a node copied from the
        launcher once more (which the nodes' RSS does not count: it was
        resident in the node before it was copied)."""
        launcher = [] if self.launcher is None else [self.launcher["pss"]]
        return _sum([*self.of_nodes("pss"), *launcher])

    def redis_rss(self) -> int | None:
        return None if self.redis is None else self.redis["rss"]


def _launcher(nodes: DoorNodes) -> int | None:
    launcher = nodes.cluster.launcher
    return None if launcher is None else launcher.process.pid


def _rest_cpu(pids: list[int], seconds: float) -> float | None:
    """The processes' CPU over ``seconds`` with nothing asked but the stall
    probe's ``/healthz`` (:class:`StallProbe`), % of one core."""
    before = [proc_cpu_seconds(pid) for pid in pids]
    time.sleep(seconds)
    after = [proc_cpu_seconds(pid) for pid in pids]
    if None in before or None in after:
        return None
    spent = sum(b - a for a, b in zip(before, after, strict=True) if a and b)
    return cpu_percent(spent, seconds)


@dataclass
class _Empty:
    """The nodes before the crowd: the active load alone, their CPU at
    rest, and memory (each node's, Redis's, the kernel's)."""

    without: CFanoutRun
    pings_per_s: float | None
    rest_cpu_pct: float | None
    memory: Memory
    #: The nodes' and Redis's CPU so far (s), read as the crowd starts: the
    #: fill's CPU is what they spend from here to its end.
    nodes_cpu_s: float | None
    redis_cpu_s: float | None


@dataclass
class _Crowd:
    generators: list[CGen]
    sources: int
    mix: dict[str, int]


def _crowd(
    nodes: DoorNodes, options: argparse.Namespace, limits: Limits, redis_first: bool
) -> _Crowd:
    """The generators of the crowd, started: each its door and addresses;
    behind the servers in the CPU's queue unless Redis is ahead of all."""
    counts = door_counts(options.million, options.million_mix)
    per_generator = min(PER_GENERATOR, limits.nofile_hard - 100)
    plan = []
    for door, count in counts.items():
        parts = math.ceil(count / per_generator)
        plan += [(door, count // parts + (n < count % parts)) for n in range(parts)]
    base = 2
    for _, clients in plan:
        base += math.ceil(clients / PER_SOURCE)
    if base - 2 > SOURCE_ADDRESSES:
        raise BenchError(
            f"{options.million:,} connections need {base - 2} loopback addresses "
            f"of {PER_SOURCE:,} connections; cgen binds 127.0.0.2 to 127.0.0.254"
        )
    crowd = _Crowd([], base - 2, counts)
    base = 2
    try:
        for door, clients in plan:
            sources = math.ceil(clients / PER_SOURCE)
            crowd.generators.append(
                CGen(
                    "storm",
                    "127.0.0.1",
                    nodes.ports[door],
                    {
                        "door": door,
                        "clients": clients,
                        "rooms": max(1, math.ceil(clients / options.million_room_size)),
                        "senders": 0,
                        "concurrency": options.concurrency,
                        "tag": secrets.token_hex(3),
                        "timeout": options.million_fill_timeout,
                        "sources": sources,
                        "source_base": base,
                        "wait": options.million_fill_timeout + _held_for(options),
                        "talk": options.million_talk,
                    },
                )
            )
            base += sources
    except BaseException:
        _stop(crowd.generators)
        raise
    batch_the_crowd([g.pid for g in crowd.generators], limits)
    if not redis_first:
        yield_to_the_servers([g.pid for g in crowd.generators], limits)
    return crowd


def _held_for(options: argparse.Namespace) -> float:
    """How long a generator may wait to be told to stop: the hold, what is
    measured in it, and a margin."""
    fanout = options.warmup + options.duration + options.drain_max + 60
    return options.million_hold + 2 * options.million_rest + fanout + 120


def _stop(generators: list[CGen]) -> None:
    for generator in generators:
        with contextlib.suppress(OSError, ValueError):
            if generator.process.poll() is None:
                generator.tell("stop")
    for generator in generators:
        generator.close()


def _all_counted(
    metrics: list[int], count: int, timeout: float, guard: MemoryGuard
) -> int:
    """Wait (at most ``timeout`` s) until the nodes count ``count``
    connections, or until ``guard`` has stopped the crowd (the count will
    not come: a crowd that was all in before the guard's first look is
    stopped while it is counted); the count last seen."""
    deadline = time.monotonic() + timeout
    while True:
        seen = _connections(metrics)
        if seen >= count or guard.reason or time.monotonic() > deadline:
            return seen
        time.sleep(1.0)


def _connections(metrics: list[int]) -> int:
    """The connections the nodes count; -1 while one does not answer (a
    node busy accepting may take longer than a scrape's timeout)."""
    try:
        return sum(GCFigures.scrape_all(metrics).connections)
    except OSError:
        return -1


def _all_gone(metrics: list[int], timeout: float) -> bool:
    """Wait (at most ``timeout`` s) until the nodes count no connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _connections(metrics):
            return True
        time.sleep(0.5)
    return False


def _log_problems(nodes: DoorNodes) -> list[str]:
    """What the nodes logged as warnings or errors since last asked."""
    return [
        f"{node.target.label}: {line}"
        for node in nodes.cluster.nodes
        for line in node.log_problems()
    ]


@contextlib.contextmanager
def _door_nodes(options: argparse.Namespace, count: int) -> Iterator[DoorNodes]:
    redis_server = options.redis_server or find_redis_server()
    if redis_server is None:
        raise BenchError(NO_REDIS)
    extra = ["--sendq", str(options.sendq), "--max-rooms", "1000000"]
    if options.million_subscriber_hold:
        # Every node with members in a room reads each join of the fill:
        # read many at a time, a node's wakes are not most of the fill's CPU.
        extra += ["--subscriber-hold", f"{options.million_subscriber_hold:g}"]
    try:
        nodes = start_door_nodes(
            count, redis_server, ServerCode.of(options), SERVER_OPTIONS + extra
        )
    except (OSError, RuntimeError) as error:
        raise BenchError(f"cannot start the nodes: {error}") from None
    try:
        yield nodes
    except BenchError as error:
        raise BenchError(f"{error}\nlog tails:\n{nodes.cluster.log_tails()}") from None
    finally:
        nodes.cluster.stop()


def million(options: argparse.Namespace) -> MillionRun:
    """Fill, hold and measure (see the module's docstring)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limits = raise_limits(max(hard, PER_GENERATOR + 1000), PER_SOURCE)
    if options.million_room_size < 1:
        raise BenchError("--million-room-size: a room holds at least one")
    count = options.million_nodes or default_nodes(options.million, limits.nofile_hard)
    share = options.million / count
    if share > limits.nofile_hard * NODE_HEADROOM - 1000:
        raise BenchError(
            f"{options.million:,} connections over {count} nodes is {share:,.0f} a "
            f"node; a process may hold {limits.nofile_hard:,} descriptors here "
            f"({'; '.join(limits.kept) or 'ulimit -Hn'}): give --million-nodes "
            f"{default_nodes(options.million, limits.nofile_hard)} or more"
        )
    with _door_nodes(options, count) as nodes:
        return _measure(nodes, options, limits)


def _measure(
    nodes: DoorNodes, options: argparse.Namespace, limits: Limits
) -> MillionRun:
    servers = [node.process.pid for node in nodes.cluster.nodes]
    redis = nodes.cluster.redis.process.pid
    metrics = nodes.metrics_ports
    redis_first = prioritize_redis(redis, limits)
    probe = StallProbe(metrics)  # asked as often without the crowd as with it
    probe.start()
    try:
        time.sleep(SETTLE)
        memory = Memory.read(servers, _launcher(nodes), redis)
        rest = _rest_cpu([*servers, redis], options.million_rest)
        without, pings = _with_pings(metrics, nodes, options)
        empty = _Empty(
            without,
            pings,
            rest,
            memory,
            _sum([proc_cpu_seconds(pid) for pid in servers]),
            proc_cpu_seconds(redis),
        )
        probe.crowd_comes()
        started = time.monotonic()
        crowd = _crowd(nodes, options, limits, redis_first)
        guard = MemoryGuard(crowd.generators, metrics, options.million_memory_floor)
        guard.start()
        try:
            return _hold(nodes, options, limits, crowd, probe, started, empty, guard)
        except (BenchError, OSError):  # OSError: telling a stopped generator
            if guard.reason:
                raise BenchError(guard.reason) from None
            raise
        finally:
            guard.stop()
            _stop(crowd.generators)
    finally:
        probe.stop()


def _hold(
    nodes: DoorNodes,
    options: argparse.Namespace,
    limits: Limits,
    crowd: _Crowd,
    probe: StallProbe,
    started: float,
    before: _Empty,
    guard: MemoryGuard,
) -> MillionRun:
    servers = [node.process.pid for node in nodes.cluster.nodes]
    redis = nodes.cluster.redis.process.pid
    metrics = nodes.metrics_ports
    deadline = started + options.million_fill_timeout
    total, failed, errors = 0, 0, []
    retried_in, retries, retry_reasons = 0, 0, []
    for generator in crowd.generators:  # what did not come in is reported
        ready = generator.read("ready", max(1.0, deadline - time.monotonic()) + 10)
        total, failed = total + ready["joined"], failed + ready["error_count"]
        retried_in += ready["retried_in"]
        retries += ready["retries"]
        if ready["error_count"]:
            errors.append(ready["errors"])
        if ready["retries"]:
            retry_reasons.append(ready["retry_reasons"])
    if not total:
        raise BenchError(f"no connection of the crowd came in: {errors[:3]}")
    counted = _all_counted(
        metrics, total, max(COUNT_GRACE, deadline - time.monotonic()), guard
    )
    if counted < total:
        raise BenchError(
            f"the nodes count {counted:,} of the {total:,} connections the "
            f"generators have in after {options.million_fill_timeout:g} s"
        )
    filled = time.monotonic()
    fill = filled - started
    fill_cpu = _fill_cpu(before, servers, redis, crowd, total)
    time.sleep(SETTLE)  # the replies' buffers are freed
    held = GCFigures.scrape_all(metrics)
    memory = Memory.read(servers, _launcher(nodes), redis)
    generator_cpu = [g.cpu_seconds() for g in crowd.generators]
    rest_with = _rest_cpu([*servers, redis], options.million_rest)
    generator_cpu_after = [g.cpu_seconds() for g in crowd.generators]
    with_crowd, pings_with = _with_pings(metrics, nodes, options)
    time.sleep(max(0.0, filled + options.million_hold - time.monotonic()))
    at_end = _connections(metrics)
    gc = [GCFigures.scrape(port).longest_ms for port in metrics]
    probe.stop()
    problems = _log_problems(nodes)
    leaving = time.monotonic()
    for generator in crowd.generators:
        generator.tell("stop")
    results = [g.result(60) for g in crowd.generators]
    left = _all_gone(metrics, LEAVE_TIMEOUT)
    leave = time.monotonic() - leaving
    teardown = _log_problems(nodes)
    p99, p99_without = with_crowd.latency_ms.p99, before.without.latency_ms.p99
    return MillionRun(
        connections=options.million,
        connections_in=total,
        not_in=failed,
        not_in_errors=errors[:5],
        came_in_after_retry=retried_in,
        retries=retries,
        retry_reasons=retry_reasons[:3],
        nodes=len(servers),
        generators=len(crowd.generators),
        sources=crowd.sources,
        mix=crowd.mix,
        limits=limits,
        fill_seconds=round(fill, 3),
        fill_per_s=round(total / fill, 1),
        room_size=options.million_room_size,
        rooms=held.rooms,
        fill_nodes_cpu_ms=fill_cpu["nodes"],
        fill_redis_cpu_ms=fill_cpu["redis"],
        fill_generators_cpu_ms=fill_cpu["generators"],
        fill_ceiling_per_s=fill_cpu["ceiling"],
        hold_seconds=round(leaving - filled, 1),
        connections_at_end=at_end,
        held_at_end=sum(r["held"] for r in results),
        dropped=sum(r["closed_by_server"] for r in results),
        idle_messages=sum(r["talked"] for r in results),
        connections_per_node=held.connections,
        **_memory_figures(before.memory, memory, held.connections, total),
        without_crowd=before.without,
        with_crowd=with_crowd,
        p99_ratio=round(p99 / p99_without, 2) if p99 and p99_without else None,
        pings_per_s_without=before.pings_per_s,
        pings_per_s_with=pings_with,
        node_longest_stall_ms=list(probe.longest),
        node_gc_longest_ms=gc,
        unavailable_answers=probe.unavailable,
        rest_cpu_pct_without=before.rest_cpu_pct,
        rest_cpu_pct_with=rest_with,
        crowd_rest_cpu_pct=_difference(before.rest_cpu_pct, rest_with),
        generators_rest_cpu_pct=cpu_percent(
            _difference(_sum(generator_cpu), _sum(generator_cpu_after)),
            options.million_rest,
        ),
        node_log_problems=problems[:20],
        node_log_problem_count=len(problems),
        leave_seconds=round(leave, 1) if left else None,
        leave_log_problems=teardown[:5],
        leave_log_problem_count=len(teardown),
        subscriber_hold_ms=options.million_subscriber_hold,
    )


def _fill_cpu(
    before: _Empty, servers: list[int], redis: int, crowd: _Crowd, total: int
) -> dict[str, float | None]:
    """The fill's CPU, ms a connection that came in (``nodes``, ``redis``,
    ``generators``: all of theirs, they started with the crowd), from
    ``/proc``, and the ``ceiling`` those cost the machine's cores."""
    nodes = _sum([proc_cpu_seconds(pid) for pid in servers])
    spent = {
        "nodes": _since(before.nodes_cpu_s, nodes),
        "redis": _since(before.redis_cpu_s, proc_cpu_seconds(redis)),
        "generators": _sum([g.cpu_seconds() for g in crowd.generators]),
    }
    figures: dict[str, float | None] = {
        key: None if seconds is None else round(seconds * 1000 / total, 3)
        for key, seconds in spent.items()
    }
    each = _sum(list(figures.values()))
    cores = os.cpu_count() or 1
    figures["ceiling"] = round(cores * 1000 / each) if each else None
    return figures


def _memory_figures(
    empty: Memory, held: Memory, per_node: list[int], total: int
) -> dict[str, Any]:
    """:class:`MillionRun`'s memory fields from the two readings."""
    rss_empty, rss_held = empty.of_nodes("rss"), held.of_nodes("rss")
    pss_empty, pss_held = empty.nodes_pss(), held.nodes_pss()
    return {
        "node_rss_empty_kib": rss_empty,
        "node_rss_held_kib": rss_held,
        "node_kib_per_connection": [
            _per(a, b, n) for a, b, n in zip(rss_empty, rss_held, per_node, strict=True)
        ],
        "node_pss_empty_kib": empty.of_nodes("pss"),
        "node_pss_held_kib": held.of_nodes("pss"),
        "empty_node_kib": {
            kind: _most(empty.of_nodes(kind)) for kind in ("rss", "pss", "uss")
        },
        "nodes_pss_empty_kib": pss_empty,
        "nodes_pss_held_kib": pss_held,
        "nodes_kib_per_connection": _per(pss_empty, pss_held, total),
        "nodes_rss_kib_per_connection": _per(_sum(rss_empty), _sum(rss_held), total),
        "redis_rss_empty_kib": empty.redis_rss(),
        "redis_rss_held_kib": held.redis_rss(),
        "redis_kib_per_connection": _per(empty.redis_rss(), held.redis_rss(), total),
        "kernel_empty_kib": empty.kernel,
        "kernel_held_kib": held.kernel,
        "kernel_kib_per_connection": _per(empty.kernel, held.kernel, total),
    }


def _with_pings(
    metrics: list[int], nodes: DoorNodes, options: argparse.Namespace
) -> tuple[CFanoutRun, float | None]:
    """The active load, and the keepalive PINGs the nodes sent per second
    meanwhile."""
    before, started = _pings(metrics), time.monotonic()
    run = c_fanout(nodes.target, options, options.million_rate)
    after, took = _pings(metrics), time.monotonic() - started
    if before is None or after is None:
        return run, None
    return run, round((after - before) / took, 1)


def _pings(metrics: list[int]) -> int | None:
    try:
        return GCFigures.scrape_all(metrics).pings
    except OSError:
        return None


def _sum(values: list[Any]) -> Any:
    return None if None in values else sum(values)


def _since(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _difference(before: float | None, after: float | None) -> float | None:
    spent = _since(before, after)
    return None if spent is None else round(spent, 1)


def million_lines(r: dict[str, Any], fmt: Any, grid: Any) -> list[str]:
    """The report of one run (its JSON form) as the bench prints it: the
    figures, then a row per node; ``fmt`` and ``grid`` are render's."""
    limits = r["limits"]
    lines = [
        f"\nmillion (C generator): {fmt(r['connections'])} connections "
        f"({', '.join(f'{d} {fmt(n)}' for d, n in r['mix'].items())}) on "
        f"{r['nodes']} nodes and one Redis, from {r['generators']} generators "
        f"and {r['sources']} loopback addresses",
        f"  {fmt(r['connections_in'])} came in, {fmt(r['not_in'])} did not"
        + "".join(f"; {reason}" for reason in r["not_in_errors"]),
        f"  came in after a retry: {fmt(r['came_in_after_retry'])}; retries: "
        f"{fmt(r['retries'])}" + "".join(f"; {why}" for why in r["retry_reasons"]),
        f"  filled in {fmt(r['fill_seconds'])} s: {fmt(r['fill_per_s'])} "
        f"connections/s (the nodes' reads held "
        f"{fmt(r.get('subscriber_hold_ms', 0))} ms); held {fmt(r['hold_seconds'])} s: "
        f"{fmt(r['connections_at_end'])} counted by the nodes at the end, "
        f"{fmt(r['held_at_end'])} held by the generators, "
        f"{fmt(r['dropped'])} dropped; {fmt(r['idle_messages'])} idle messages",
        f"  the crowd in rooms of {fmt(r['room_size'])} ({fmt(r['rooms'])} rooms "
        f"counted); the fill's CPU a connection: nodes "
        f"{fmt(r['fill_nodes_cpu_ms'])} ms, Redis {fmt(r['fill_redis_cpu_ms'])} ms, "
        f"generators {fmt(r['fill_generators_cpu_ms'])} ms: the cores take in "
        f"at most {fmt(r['fill_ceiling_per_s'])} a second at that cost",
        f"  memory per connection: nodes {fmt(r['nodes_kib_per_connection'])} KiB "
        f"(their PSS with the launcher's; their RSS "
        f"{fmt(r['nodes_rss_kib_per_connection'])}), Redis "
        f"{fmt(r['redis_kib_per_connection'])} KiB, kernel (slab + TCP, both ends) "
        f"{fmt(r['kernel_kib_per_connection'])} KiB",
        f"  held with the crowd: the nodes {fmt(_mib(r['nodes_pss_held_kib']))} MiB "
        f"(PSS with the launcher's; empty {fmt(_mib(r['nodes_pss_empty_kib']))}), "
        f"Redis {fmt(_mib(r['redis_rss_held_kib']))} MiB (empty "
        f"{fmt(_mib(r['redis_rss_empty_kib']))}), kernel "
        f"{fmt(_mib(r['kernel_held_kib']))} MiB (empty "
        f"{fmt(_mib(r['kernel_empty_kib']))}, machine-wide); an empty node "
        + ", ".join(
            f"{kind.upper()} {fmt(_mib(r['empty_node_kib'][kind]))}"
            for kind in ("rss", "pss", "uss")
        )
        + " MiB (the largest of each)",
        f"  CPU at rest (nodes + Redis, % of a core): "
        f"{fmt(r['rest_cpu_pct_without'])} without the crowd, "
        f"{fmt(r['rest_cpu_pct_with'])} with it: the crowd costs "
        f"{fmt(r['crowd_rest_cpu_pct'])} (its generators "
        f"{fmt(r['generators_rest_cpu_pct'])})",
        f"  longest reactor stall (a /healthz probe every {PROBE_EVERY:g} s): "
        f"{fmt(_most(r['node_longest_stall_ms']))} ms on the worst node; "
        f"answers 'cannot reach Redis': {fmt(r['unavailable_answers'])}",
        f"  limits: {fmt(limits['nofile_hard'])} descriptors a process, "
        f"fs.nr_open {fmt(limits['nr_open'])}, ports "
        f"{'-'.join(str(p) for p in limits['port_range'] or [])}; raised: "
        f"{'; '.join(limits['raised']) or 'nothing'}; kept: "
        f"{'; '.join(limits['kept']) or 'nothing'}",
    ]
    rows = []
    for label, run in (("without", r["without_crowd"]), ("with", r["with_crowd"])):
        lat = run["latency_ms"]
        rows.append(
            (label, run["offered_per_s"], run["deliveries_per_s"], run["loss"],
             lat["p50"], lat["p99"], lat["max"], run["server_cpu_pct"],
             run["generator_cpu_pct"])
        )  # fmt: skip
    lines.append(
        f"  the 1,000 active clients without the crowd and beside it "
        f"(latency in ms; p99 with/without {fmt(r['p99_ratio'])}; the nodes' "
        f"keepalive PINGs meanwhile {fmt(r.get('pings_per_s_without'))}/s "
        f"without, {fmt(r.get('pings_per_s_with'))}/s with):"
    )
    lines.append(
        grid(
            ("crowd", "offered", "deliv/s", "loss", "p50", "p99", "max",
             "srv cpu%", "gen cpu%"),
            rows,
        )
    )  # fmt: skip
    lines.append(
        "  each node (memory in KiB, RSS and PSS; its RSS growth per connection; "
        "stall and GC pause in ms):"
    )
    lines.append(
        grid(
            ("node", "connections", "empty", "held", "KiB/conn", "PSS empty",
             "PSS held", "stall", "gc pause"),
            [
                (f"bench{n}", *row)
                for n, row in enumerate(
                    zip(r["connections_per_node"], r["node_rss_empty_kib"],
                        r["node_rss_held_kib"], r["node_kib_per_connection"],
                        r["node_pss_empty_kib"], r["node_pss_held_kib"],
                        r["node_longest_stall_ms"], r["node_gc_longest_ms"],
                        strict=True),
                    1,
                )
            ]
            + [("redis", r["connections"], r["redis_rss_empty_kib"],
                r["redis_rss_held_kib"], r["redis_kib_per_connection"], None,
                None, None, None)],
        )
    )  # fmt: skip
    lines.append(
        f"  the nodes logged {r['node_log_problem_count']} warnings or errors "
        "while the crowd came and was held"
        + "".join(f"\n    {line}" for line in r["node_log_problems"])
    )
    lines.append(
        f"  the crowd left in {fmt(r['leave_seconds'])} s (all at once); the "
        f"nodes logged {r['leave_log_problem_count']} warnings or errors"
        + "".join(f"\n    {line}" for line in r["leave_log_problems"])
    )
    return lines


def _most(values: Sequence[Any]) -> Any:
    return max((v for v in values if v is not None), default=None)


def _mib(kib: float | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)
