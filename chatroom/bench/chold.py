"""The capacity scenario of the C generator: many idle connections held while
the fan-out runs (``hold``).

Issue 25 asks what one process holds: ``--hold`` idle clients (connected,
named, in rooms of 100, silent) plus the usual 1,000 active fan-out clients
at ``--hold-rate`` deliveries/s. It reports the server's resident memory
per idle connection, the fan-out's latency with them held, and the
garbage collector's pauses, read from the server's own ``/metrics``
(``chatroom_gc_pause_seconds``, :mod:`chatroom.wiring.collector`): the
longest since start-up (the connect storm included) and how many in the
measured window were over 10 ms.

A generator process holds at most :data:`PER_GENERATOR` idle clients (its
own descriptor limit), so the idle clients are spread over several; and a
loopback source address has about 28,000 ephemeral ports, so they connect
from ``--sources`` addresses (127.0.0.2, 127.0.0.3, ...; ``cgen.c``).
"""

from __future__ import annotations

import argparse
import math
import secrets
import socket
import time
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from chatroom.bench.cgen import CGen
from chatroom.bench.cscenarios import c_fanout
from chatroom.bench.errors import BenchError
from chatroom.bench.report import CFanoutRun
from chatroom.bench.sampling import proc_cpu_seconds
from chatroom.bench.servers import (
    NO_REDIS,
    SERVER_OPTIONS,
    LoadTarget,
    ServerCode,
    find_redis_server,
    free_port,
    serving,
    start_shared_nodes,
)
from chatroom.bench.stats import kib_per_client

#: Idle clients per generator process (its descriptor limit is the machine's).
PER_GENERATOR = 15_000

#: Idle clients per loopback source address (of about 28,000 ports).
PER_SOURCE = 20_000

#: A pause at least this long counts as long (issue 25's limit), seconds.
LONG_PAUSE_S = 0.010


@dataclass
class GCFigures:
    """The collector's pauses as the server's ``/metrics`` tells them."""

    longest_ms: float | None
    #: The most CPU one collection took (its wall time may be longer).
    longest_cpu_ms: float | None
    #: bucket upper bound (s) → pauses at most that long, all generations.
    buckets: dict[float, float]
    #: Open connections of each process scraped.
    connections: list[int]
    #: Keepalive PINGs the processes sent since they started.
    pings: int = 0
    #: Rooms, as the processes count them (a cluster's node counts the
    #: whole cluster's: the most any said).
    rooms: int = 0

    @classmethod
    def scrape_all(cls, ports: list[int]) -> GCFigures:
        """Several processes' figures as one: the longest pause of any, the
        pauses of all, and each one's connections."""
        each = [cls.scrape(port) for port in ports]
        buckets: dict[float, float] = {}
        for figures in each:
            for bound, count in figures.buckets.items():
                buckets[bound] = buckets.get(bound, 0.0) + count
        longest = [f.longest_ms for f in each if f.longest_ms is not None]
        cpu = [f.longest_cpu_ms for f in each if f.longest_cpu_ms is not None]
        return cls(
            max(longest, default=None),
            max(cpu, default=None),
            buckets,
            [n for f in each for n in f.connections],
            sum(f.pings for f in each),
            max((f.rooms for f in each), default=0),
        )

    @classmethod
    def scrape(cls, port: int) -> GCFigures:
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            text = answer.read().decode()
        longest: float | None = None
        cpu: float | None = None
        buckets: dict[float, float] = {}
        connections = pings = rooms = 0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "chatroom_gc_pause_longest_seconds":
                    longest = round(sample.value * 1000, 2)
                elif sample.name == "chatroom_gc_pause_longest_cpu_seconds":
                    cpu = round(sample.value * 1000, 2)
                elif sample.name == "chatroom_gc_pause_seconds_bucket":
                    bound = float(sample.labels["le"])
                    buckets[bound] = buckets.get(bound, 0.0) + sample.value
                elif sample.name == "chatroom_connections":
                    connections += int(sample.value)
                elif sample.name == "chatroom_keepalive_pings_total":
                    pings += int(sample.value)
                elif sample.name == "chatroom_rooms":
                    rooms += int(sample.value)
        return cls(longest, cpu, buckets, [connections], pings, rooms)

    def since(self, before: GCFigures) -> tuple[int, int, float | None]:
        """Collections, those over :data:`LONG_PAUSE_S`, and the bound (ms)
        under which every pause fell, between ``before`` and now."""
        delta = {b: n - before.buckets.get(b, 0.0) for b, n in self.buckets.items()}
        total = int(delta.get(math.inf, 0))
        short = max((n for b, n in delta.items() if b <= LONG_PAUSE_S), default=0)
        bound = min((b for b, n in delta.items() if n >= total), default=None)
        if not total or bound is None:
            return total, 0, None
        return total, int(total - short), round(bound * 1000, 2)


@dataclass
class HoldRun:
    """Idle connections held while the fan-out runs, and what they cost."""

    server: str
    #: 0: one server; else cluster nodes sharing the port (--hold-nodes).
    nodes: int
    idle_clients: int
    sources: int
    generators: int
    connect_seconds: float
    #: Idle clients connected, named and seated per second.
    connects_per_s: float
    #: CPU the server processes (summed) and Redis (--hold-nodes) spent
    #: per idle client while they connected, named and joined, in ms: what
    #: a machine's load does not change, unlike the rate.
    connect_cpu_ms_per_client: float | None
    redis_connect_cpu_ms_per_client: float | None
    #: Commands Redis ran per idle client while they connected (--hold-nodes),
    #: those its scripts ran included (``INFO commandstats``).
    redis_calls_per_client: float | None
    #: Open connections on each server process once the idle ones are in.
    connections_per_node: list[int]
    #: Summed over the nodes.
    server_rss_before_kib: int | None
    server_rss_held_kib: int | None
    server_kib_per_idle: float | None
    fanout: CFanoutRun
    #: The longest pause since start-up (the server does not count its first
    #: freeze), and before any client connected.
    gc_longest_ms: float | None
    gc_longest_cpu_ms: float | None
    gc_startup_longest_ms: float | None
    #: While the idle clients connected: pauses over 10 ms, and the bucket
    #: bound (ms) under which every pause fell.
    gc_pauses_over_10ms_connecting: int
    gc_connecting_longest_under_ms: float | None
    #: The same during the fan-out's measured run (warm-up included).
    gc_collections_in_window: int
    gc_pauses_over_10ms_in_window: int
    gc_window_longest_under_ms: float | None


def _holders(
    target: LoadTarget, options: argparse.Namespace, count: int
) -> tuple[list[CGen], int]:
    """Generators holding ``count`` idle clients between them, each from its
    own source addresses (so no two share an address's ports), and how many
    addresses they use in all."""
    generators = max(1, math.ceil(count / PER_GENERATOR))
    holders: list[CGen] = []
    base = 2
    for number in range(generators):
        clients = count // generators + (number < count % generators)
        asked = math.ceil(options.sources / generators)
        sources = max(asked, math.ceil(clients / PER_SOURCE))
        holders.append(
            CGen(
                "storm",
                target.host,
                target.port,
                {
                    "clients": clients,
                    "rooms": max(1, math.ceil(clients / 100)),
                    "senders": 0,
                    "concurrency": options.concurrency,
                    "tag": secrets.token_hex(3),
                    "timeout": options.connect_timeout,
                    "door": target.door,
                    "sources": sources,
                    "source_base": base,
                },
            )
        )
        base += sources
    return holders, base - 2


def hold(kind: str, options: argparse.Namespace) -> HoldRun:
    """``--hold`` idle clients, then the fan-out at ``--hold-rate``, on one
    fresh server of ``kind`` (a chatroom door) serving ``/metrics``; with
    ``--hold-nodes N``, on N cluster nodes sharing the port instead."""
    extra = ["--sendq", str(options.sendq), "--max-rooms", "100000"]
    if options.gc_freeze is not None:
        extra += ["--gc-freeze", str(options.gc_freeze)]
    if options.hold_nodes:
        return _hold_on_nodes(kind, options, extra)
    metrics = None
    if kind != "chatroom-ws":  # the web door serves /metrics on its own port
        metrics = free_port()
        extra += ["--http", f"tcp:{metrics}:interface=127.0.0.1"]
    with serving(kind, ServerCode.of(options), extra) as target:
        return _hold(target, options, [metrics or target.port])


def _hold_on_nodes(kind: str, options: argparse.Namespace, extra: list[str]) -> HoldRun:
    redis_server = options.redis_server or find_redis_server()
    if redis_server is None:
        raise BenchError(NO_REDIS)
    if kind == "chatroom-ws":
        raise BenchError("--hold-nodes loads the line or IRC door, not chatroom-ws")
    try:
        nodes = start_shared_nodes(
            options.hold_nodes,
            redis_server,
            kind,
            ServerCode.of(options),
            SERVER_OPTIONS + extra,
        )
    except (OSError, RuntimeError) as error:
        raise BenchError(f"cannot start the nodes: {error}") from None
    try:
        redis = nodes.cluster.redis.target
        return _hold(nodes.target, options, nodes.metrics_ports, redis)
    except BenchError as error:
        raise BenchError(f"{error}\nlog tails:\n{nodes.cluster.log_tails()}") from None
    finally:
        nodes.cluster.stop()


def _all_accepted(metrics: list[int], clients: int, timeout: float) -> None:
    """Wait (at most ``timeout`` s) until the servers count every held
    client: a holder is ready once the kernel has connected its sockets, and
    a loaded server may not have accepted them all yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(GCFigures.scrape_all(metrics).connections) >= clients:
            return
        time.sleep(0.1)


def _first_scrape(metrics: list[int], timeout: float) -> GCFigures:
    """The first figures, once every ``/metrics`` answers: a server counts
    as up when its chat port accepts, and twistd starts its listeners one
    after another, so on a loaded machine the HTTP port may follow a
    moment later (it was refused, now and then, in the suite)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return GCFigures.scrape_all(metrics)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _per_client(
    before: float | None, after: float | None, clients: int
) -> float | None:
    """CPU ms per client between two readings (None if either is missing)."""
    if before is None or after is None or not clients:
        return None
    return round((after - before) * 1000 / clients, 3)


def redis_calls(redis: LoadTarget | None) -> int | None:
    """Commands ``redis`` has run so far, those its scripts ran included:
    the sum of ``INFO commandstats``'s calls (None without a Redis)."""
    if redis is None:
        return None
    with socket.create_connection((redis.host, redis.port), timeout=10) as link:
        link.sendall(b"INFO commandstats\r\n")
        reply = link.makefile("rb")
        size = int(reply.readline()[1:])  # a bulk string: $size
        text = reply.read(size).decode()
    return sum(
        int(line.split("calls=", 1)[1].split(",", 1)[0])
        for line in text.splitlines()
        if line.startswith("cmdstat_")
    )


def _hold(
    target: LoadTarget,
    options: argparse.Namespace,
    metrics: list[int],
    redis: LoadTarget | None = None,
) -> HoldRun:
    rss_before = target.rss_kib()
    started_up = _first_scrape(metrics, options.connect_timeout)
    redis_pid = redis.pid if redis is not None else None
    calls_before = redis_calls(redis)
    cpu_before, redis_before = target.cpu_seconds(), proc_cpu_seconds(redis_pid)
    started = time.monotonic()
    holders, sources = _holders(target, options, options.hold)
    try:
        for holder in holders:
            holder.ready(options.connect_timeout + 10)
        _all_accepted(metrics, options.hold, options.connect_timeout)
        connected = time.monotonic() - started
        cpu_after, redis_after = target.cpu_seconds(), proc_cpu_seconds(redis_pid)
        calls_after = redis_calls(redis)
        time.sleep(0.5)  # the replies' buffers are freed
        rss_held = target.rss_kib()
        before = GCFigures.scrape_all(metrics)
        fanout = c_fanout(target, options, options.hold_rate)
        after = GCFigures.scrape_all(metrics)
    finally:
        for holder in holders:
            if holder.process.poll() is None:
                holder.tell("stop")
            holder.close()
    collections, long_pauses, bound = after.since(before)
    _, long_connecting, connecting_bound = before.since(started_up)
    return HoldRun(
        server=target.label,
        nodes=len(metrics) if options.hold_nodes else 0,
        idle_clients=options.hold,
        sources=sources,
        generators=len(holders),
        connect_seconds=round(connected, 3),
        connects_per_s=round(options.hold / connected, 1),
        connect_cpu_ms_per_client=_per_client(cpu_before, cpu_after, options.hold),
        redis_connect_cpu_ms_per_client=_per_client(
            redis_before, redis_after, options.hold
        ),
        redis_calls_per_client=(
            round((calls_after - calls_before) / options.hold, 1)
            if calls_before is not None and calls_after is not None and options.hold
            else None
        ),
        connections_per_node=before.connections,
        server_rss_before_kib=rss_before,
        server_rss_held_kib=rss_held,
        server_kib_per_idle=kib_per_client(rss_before, rss_held, options.hold),
        fanout=fanout,
        gc_longest_ms=after.longest_ms,
        gc_longest_cpu_ms=after.longest_cpu_ms,
        gc_startup_longest_ms=started_up.longest_ms,
        gc_pauses_over_10ms_connecting=long_connecting,
        gc_connecting_longest_under_ms=connecting_bound,
        gc_collections_in_window=collections,
        gc_pauses_over_10ms_in_window=long_pauses,
        gc_window_longest_under_ms=bound,
    )
