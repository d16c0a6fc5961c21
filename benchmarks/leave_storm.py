"""A crowd that leaves at once, on a few nodes: where the nodes' time goes.

The million run's crowd left all at once (told to stop) and most nodes'
heartbeats lapsed while they worked through it. This fills ``--nodes``
cluster nodes with ``--clients`` connections of the C generator (rooms of
100, the million's doors), holds them ``--hold`` seconds, then stops every
generator at once and measures, for each node, from the stop until it
counts none of the crowd:

- its CPU seconds, and per departing connection (µs);
- its turns longer than 0.5 s and 1 s, and its longest, from its
  ``chatroom_reactor_lag_seconds`` histogram (the samples of the leave
  alone: read before and after);
- what it logged (a heartbeat that lapsed: ``this node stalled``).

``--node-ttl`` (default 3 s) is shorter than the server's 15 s so that a
stall of a few seconds on a quiet machine lapses a heartbeat as the
million's 15 s did at load 30. ``--code DIR`` runs another checkout's
tree (a worktree of the commit before a change), for alternated A/B runs:

    PYTHONPATH=$PWD .venv/bin/python benchmarks/leave_storm.py \\
        --clients 15000 --nodes 1 --rounds 2 --code /tmp/leave-base
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path

from chatroom.bench.cgen import CGen
from chatroom.bench.cmillion import (
    PER_GENERATOR,
    PER_SOURCE,
    _crowd,
    parse_mix,
    raise_limits,
)
from chatroom.bench.sampling import proc_cpu_seconds
from chatroom.bench.servers import (
    SERVER_OPTIONS,
    ServerCode,
    find_redis_server,
    start_door_nodes,
)

BUCKET = re.compile(
    rb'^chatroom_reactor_lag_seconds_bucket\{le="([^"]+)"\} ([0-9.e+]+)$', re.M
)
GC_SUM = re.compile(rb"^chatroom_gc_pause_seconds_sum\{[^}]*\} ([0-9.e+-]+)$", re.M)
LONGEST = re.compile(rb"^chatroom_reactor_lag_longest_seconds ([0-9.e+-]+)$", re.M)
CONNECTIONS = re.compile(rb"^chatroom_connections(?:\{[^}]*\})? ([0-9.e+]+)$", re.M)
#: What is still to do once the sockets closed: names held, lost
#: connections waiting, departures running or waiting for Redis.
PENDING = re.compile(
    rb"^chatroom_(?:users(?:\{[^}]*\})?|lost_waiting|departures_in_flight"
    rb"|departures_waiting) ([0-9.e+]+)$",
    re.M,
)


def scrape(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        body: bytes = r.read()
        return body


def buckets(body: bytes) -> dict[str, float]:
    return {le.decode(): float(n) for le, n in BUCKET.findall(body)}


def connections(port: int) -> int:
    try:
        return int(sum(float(n) for n in CONNECTIONS.findall(scrape(port))))
    except OSError:
        return -1


def pending(port: int) -> int:
    try:
        return int(sum(float(n) for n in PENDING.findall(scrape(port))))
    except OSError:
        return -1


class Probe:
    """``/healthz`` asked every 0.1 s per node: the longest answer is the
    longest turn (one shorter than 0.1 s may be missed)."""

    def __init__(self, ports: list[int]) -> None:
        self.longest = [0.0] * len(ports)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._ask, args=(n, p), daemon=True)
            for n, p in enumerate(ports)
        ]
        for thread in self._threads:
            thread.start()

    def _ask(self, n: int, port: int) -> None:
        while not self._stop.wait(0.1):
            started = time.monotonic()
            try:
                link = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                link.request("GET", "/healthz")
                link.getresponse().read()
                link.close()
            except OSError:
                continue
            self.longest[n] = max(self.longest[n], time.monotonic() - started)

    def stop(self) -> list[float]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=130)
        return [round(s, 2) for s in self.longest]


def one_round(code: ServerCode, args: argparse.Namespace, redis: str) -> dict:
    extra = ["--sendq", "1000000", "--max-rooms", "1000000"]
    extra += ["--node-ttl", str(args.node_ttl)]
    extra += [option for pair in args.server_option for option in pair.split("=", 1)]
    nodes = start_door_nodes(args.nodes, redis, code, SERVER_OPTIONS + extra)
    crowd = argparse.Namespace(
        million=args.clients,
        million_mix=parse_mix(args.mix),
        concurrency=64,
        million_fill_timeout=600,
        million_talk=0,
        million_hold=args.hold,
        million_rest=0,
        million_room_size=100,
        million_subscriber_hold=0,
        warmup=0,
        duration=0,
        drain_max=0,
    )
    generators: list[CGen] = []
    try:
        limits = raise_limits(PER_GENERATOR + 1000, PER_SOURCE)
        generators = _crowd(nodes, crowd, limits, redis_first=True).generators
        joined = sum(g.read("ready", 600)["joined"] for g in generators)
        deadline = time.monotonic() + 120
        while sum(connections(p) for p in nodes.metrics_ports) < joined:
            if time.monotonic() > deadline:
                raise RuntimeError("the nodes never counted the crowd")
            time.sleep(0.5)
        time.sleep(args.hold)
        pids = [node.process.pid for node in nodes.cluster.nodes]
        for node in nodes.cluster.nodes:
            node.log_problems()
        scraped = [scrape(p) for p in nodes.metrics_ports]
        before = [buckets(body) for body in scraped]
        gc_before = [sum(map(float, GC_SUM.findall(body))) for body in scraped]
        cpu = [proc_cpu_seconds(pid) or 0.0 for pid in pids]
        redis_cpu = proc_cpu_seconds(nodes.cluster.redis.process.pid) or 0.0
        if args.profile:
            for pid in pids:
                os.kill(pid, signal.SIGUSR1)
            time.sleep(0.5)
        probe = Probe(nodes.metrics_ports)
        started = time.monotonic()
        for generator in generators:
            generator.tell("stop")
        for generator in generators:
            generator.result(60)
        while any(connections(p) != 0 for p in nodes.metrics_ports):
            if time.monotonic() - started > 300:
                raise RuntimeError("the crowd never left")
            time.sleep(0.2)
        closed = time.monotonic() - started
        while any(pending(p) != 0 for p in nodes.metrics_ports):
            if time.monotonic() - started > 600:
                raise RuntimeError("the departures never ended")
            time.sleep(0.2)
        left = time.monotonic() - started
        longest_answer = probe.stop()
        if args.profile:
            for pid in pids:
                os.kill(pid, signal.SIGUSR2)
        time.sleep(args.node_ttl)  # a lapse is logged at the next beat
        cpu_after = [proc_cpu_seconds(pid) or 0.0 for pid in pids]
        redis_after = proc_cpu_seconds(nodes.cluster.redis.process.pid) or 0.0
        after = [scrape(p) for p in nodes.metrics_ports]
        rows = []
        for n, node in enumerate(nodes.cluster.nodes):
            lag = buckets(after[n])
            over = {
                le: lag[le] - before[n].get(le, 0.0) for le in ("0.5", "1.0", "+Inf")
            }
            spent = cpu_after[n] - cpu[n]
            collected = sum(map(float, GC_SUM.findall(after[n]))) - gc_before[n]
            problems = node.log_problems()
            rows.append(
                {
                    "cpu_s": round(spent, 2),
                    "turns_over_0.5s": over["+Inf"] - over["0.5"],
                    "turns_over_1s": over["+Inf"] - over["1.0"],
                    "longest_healthz_s": longest_answer[n],
                    "gc_pauses_s": round(collected, 2),
                    "longest_turn_since_start_s": round(
                        float(LONGEST.findall(after[n])[0]), 2
                    ),
                    "lapsed": sum(b"this node stalled" in p.encode() for p in problems),
                    "problems": len(problems),
                    "first_problems": problems[:2],
                }
            )
        spent = sum(r["cpu_s"] for r in rows)
        return {
            "code": str(code.root),
            "joined": joined,
            "closed_s": round(closed, 1),
            "done_s": round(left, 1),
            "node_cpu_s": round(spent, 2),
            "node_us_per_departure": round(spent / joined * 1e6, 1),
            "redis_cpu_s": round(redis_after - redis_cpu, 2),
            "nodes": rows,
        }
    finally:
        for generator in generators:
            generator.close()
        nodes.cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=15_000)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--mix", default="line=40,irc=30,ws=30")
    parser.add_argument("--hold", type=float, default=5.0)
    parser.add_argument("--node-ttl", type=float, default=3.0)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="SIGUSR1/SIGUSR2 around the leave (a sitecustomize on PYTHONPATH "
        "that starts and dumps cProfile on them)",
    )
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        help="another option for every node, as --NAME=VALUE (repeatable)",
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--code", action="append", default=[], help="other trees")
    args = parser.parse_args()
    redis = find_redis_server()
    trees = [Path.cwd(), *(Path(c).resolve() for c in args.code)]
    for _ in range(args.rounds):
        for tree in trees:
            result = one_round(ServerCode(sys.executable, tree), args, redis)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
