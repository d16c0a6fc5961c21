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
import time
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from chatroom.bench.cgen import CGen
from chatroom.bench.cscenarios import c_fanout
from chatroom.bench.report import CFanoutRun
from chatroom.bench.servers import Target, free_port, serving
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
    #: bucket upper bound (s) → pauses at most that long, all generations.
    buckets: dict[float, float]

    @classmethod
    def scrape(cls, port: int) -> GCFigures:
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            text = answer.read().decode()
        longest: float | None = None
        buckets: dict[float, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "chatroom_gc_pause_longest_seconds":
                    longest = round(sample.value * 1000, 2)
                elif sample.name == "chatroom_gc_pause_seconds_bucket":
                    bound = float(sample.labels["le"])
                    buckets[bound] = buckets.get(bound, 0.0) + sample.value
        return cls(longest, buckets)

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
    idle_clients: int
    sources: int
    generators: int
    connect_seconds: float
    server_rss_before_kib: int | None
    server_rss_held_kib: int | None
    server_kib_per_idle: float | None
    fanout: CFanoutRun
    gc_longest_ms: float | None
    gc_collections_in_window: int
    gc_pauses_over_10ms_in_window: int
    gc_window_longest_under_ms: float | None


def _holders(
    target: Target, options: argparse.Namespace, count: int
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
    fresh server of ``kind`` (a chatroom door) serving ``/metrics``."""
    extra = ["--sendq", str(options.sendq), "--max-rooms", "100000"]
    if options.gc_freeze is not None:
        extra += ["--gc-freeze", str(options.gc_freeze)]
    metrics = None
    if kind != "chatroom-ws":  # the web door serves /metrics on its own port
        metrics = free_port()
        extra += ["--http", f"tcp:{metrics}:interface=127.0.0.1"]
    with serving(kind, options.server_python, extra) as target:
        metrics = metrics or target.port
        rss_before = target.rss_kib()
        started = time.monotonic()
        holders, sources = _holders(target, options, options.hold)
        try:
            for holder in holders:
                holder.ready(options.connect_timeout + 10)
            connected = time.monotonic() - started
            time.sleep(0.5)  # the replies' buffers are freed
            rss_held = target.rss_kib()
            before = GCFigures.scrape(metrics)
            fanout = c_fanout(target, options, options.hold_rate)
            after = GCFigures.scrape(metrics)
        finally:
            for holder in holders:
                if holder.process.poll() is None:
                    holder.tell("stop")
                holder.close()
    collections, long_pauses, bound = after.since(before)
    return HoldRun(
        server=kind,
        idle_clients=options.hold,
        sources=sources,
        generators=len(holders),
        connect_seconds=round(connected, 3),
        server_rss_before_kib=rss_before,
        server_rss_held_kib=rss_held,
        server_kib_per_idle=kib_per_client(rss_before, rss_held, options.hold),
        fanout=fanout,
        gc_longest_ms=after.longest_ms,
        gc_collections_in_window=collections,
        gc_pauses_over_10ms_in_window=long_pauses,
        gc_window_longest_under_ms=bound,
    )
