"""The Python generator's scenarios: fan-out, slow reader, cluster, capacity.

Each function runs one scenario against servers that are already up, using
the worker processes of :mod:`chatroom.bench.workers`, samples the servers
from ``/proc`` meanwhile and returns a typed record (:mod:`.report`). They
never start or stop a server: :mod:`chatroom.bench.runner` does, so one
server can serve several runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from chatroom.bench.errors import BenchError
from chatroom.bench.report import (
    CapacityRun,
    ClusterFigures,
    FanoutRun,
    FanoutSetup,
    Latency,
    SlowReaderRun,
    Window,
)
from chatroom.bench.sampling import Sample, cpu_percent, monitor, total
from chatroom.bench.servers import Cluster, LoadTarget
from chatroom.bench.stats import kib_per_client, merge
from chatroom.bench.workers import WorkerGroup, base_spec, wait_joined


def slow_member(clients: int, rooms: int, senders: int) -> int:
    """A member of room 0 that does not send (the last one)."""
    candidates = [i for i in range(clients) if i % rooms == 0 and i >= senders]
    if not candidates:
        raise BenchError("slow-reader needs a non-sending member in room 0")
    return candidates[-1]


def run_fanout(
    servers: Sequence[LoadTarget],
    options: argparse.Namespace,
    rate: float,
    redis: LoadTarget | None = None,
) -> FanoutRun:
    """One fan-out run at ``rate`` messages/s per sender.

    Several ``servers`` are the nodes of a cluster whose Redis is ``redis``:
    each room's members are spread over them, and the report adds every
    node's CPU and memory, Redis's, and the deliveries to each node's clients.
    """
    warm = options.warmup
    windows = [("measure", warm, warm + options.duration)]
    setup, results, samples = _drive(servers, options, rate, windows, None, redis)
    (merged,) = _windows(servers, options, windows, results, samples, None)
    nodes = setup.nodes
    cluster = None
    if nodes:
        cpu = _window_cpu(samples, 0, options.duration)
        rss = [peak for _, peak in samples[1]]
        cluster = ClusterFigures(
            node_cpu_pct=cpu[:nodes],
            node_rss_kib=rss[:nodes],
            redis_cpu_pct=cpu[nodes],
            redis_rss_kib=rss[nodes],
            expected_by_node=merged.expected_by,
            received_by_node=merged.received_by,
        )
    return FanoutRun(**vars(setup), window=merged.window, cluster=cluster)


def run_slow_reader(
    target: LoadTarget, options: argparse.Namespace, rate: float
) -> SlowReaderRun:
    """Fan-out where a non-sending member of room 0 stops reading.

    It stops after the first measured window; the other members of room 0
    are timed in both windows ("before" and "during").
    """
    warm, duration = options.warmup, options.duration
    # The stalled socket's kernel buffers take megabytes before the server's
    # own send queue fills, so "during" may be longer.
    during = max(duration, options.slow_duration)
    windows = [
        ("before", warm, warm + duration),
        ("during", warm + duration, warm + duration + during),
    ]
    slow = slow_member(options.clients, options.rooms, options.senders)
    setup, results, samples = _drive([target], options, rate, windows, slow, None)
    before, during_window = (
        m.window for m in _windows([target], options, windows, results, samples, slow)
    )
    drops = [r["drop"] for r in results if r["drop"]]
    first = min(drops, default=None)
    p99s = (before.latency_ms.p99, during_window.latency_ms.p99)
    return SlowReaderRun(
        **vars(setup),
        before=before,
        during=during_window,
        slow_member=slow,
        dropped_after_s=round(first[0], 3) if first else None,
        drop_reason=first[1] if first else None,
        server_rss_max_kib=max(
            (s[0][1] for s in samples if s[0][1] is not None), default=None
        ),
        p99_change_ms=(
            round(p99s[1] - p99s[0], 3)
            if p99s[0] is not None and p99s[1] is not None
            else None
        ),
    )


Windows = list[tuple[str, float, float]]


def _drive(
    servers: Sequence[LoadTarget],
    options: argparse.Namespace,
    rate: float,
    windows: Windows,
    slow: int | None,
    redis: LoadTarget | None,
) -> tuple[FanoutSetup, list[dict[str, Any]], list[list[Sample]]]:
    """Connect the workers, run the schedule, sample the servers meanwhile."""
    clients, rooms, senders = options.clients, options.rooms, options.senders
    spec = base_spec(servers, options) | {
        "clients": clients,
        "rooms": rooms,
        "senders": senders,
        "rate": rate,
        "message_size": options.message_size,
        "track_message_size": options.slow_message_size if slow is not None else 0,
        "windows": windows,
        "send_end": windows[-1][2],
        "slow": slow,
        "slow_at": windows[0][2],
        "track_room": 0 if slow is not None else None,
    }
    group = WorkerGroup(spec, options.workers)
    try:
        wait_joined(group, clients, options.connect_timeout)
        t0 = time.time() + 0.5
        group.send({"start": t0})
        watched = [*servers, redis] if redis is not None else list(servers)
        samples = monitor(watched, t0, [w[1] for w in windows] + [windows[-1][2]])
        results = group.collect("result", windows[-1][2] + options.drain_max + 60)
    finally:
        group.close()
    nodes = len(servers) if redis is not None else 0
    cpu = [r["cpu"] for r in results if r["cpu"]]
    wall = max((c["wall"] for c in cpu), default=0.0)
    setup = FanoutSetup(
        server=f"cluster-{nodes}" if nodes else servers[0].label,
        nodes=nodes,
        clients=clients,
        rooms=rooms,
        senders=senders,
        rate=rate,
        duration=options.duration,
        message_size=options.message_size,
        slow_room_message_size=options.slow_message_size if slow is not None else None,
        generator_cpu_pct=cpu_percent(sum(c["seconds"] for c in cpu), wall),
        generator_processes=len(results),
        server_complaints=sum(r["complaint_count"] for r in results),
        server_complaint_examples=[line for r in results for line in r["complaints"]][
            :10
        ],
    )
    return setup, results, samples


def _tracked(
    servers: Sequence[LoadTarget], options: argparse.Namespace, slow: int | None
) -> list[list[int]]:
    """``tracked[room][server]``: members whose deliveries are counted."""
    clients, rooms = options.clients, options.rooms
    tracked = [[0] * len(servers) for _ in range(rooms)]
    for index in range(clients):
        if slow is None or (index % rooms == 0 and index != slow):
            tracked[index % rooms][(index // rooms) % len(servers)] += 1
    return tracked


def _sent(parts: list[dict[str, Any]], rooms: int) -> list[int]:
    sent = [0] * rooms
    for part in parts:
        for room, count in part["sent"].items():
            sent[int(room)] += count
    return sent


class _Merged:
    """One window merged over the workers, with its per-server counts."""

    def __init__(self, window: Window, expected_by: list[int], received_by: list[int]):
        self.window = window
        self.expected_by = expected_by
        self.received_by = received_by


def _windows(
    servers: Sequence[LoadTarget],
    options: argparse.Namespace,
    windows: Windows,
    results: list[dict[str, Any]],
    samples: list[list[Sample]],
    slow: int | None,
) -> list[_Merged]:
    """Merge the workers' parts of each window with the server's samples."""
    rooms = options.rooms
    tracked = _tracked(servers, options, slow)
    out = []
    for position, (_name, start, end) in enumerate(windows):
        parts = [r["windows"][position] for r in results]
        histogram = merge(
            [{int(k): v for k, v in p["histogram"].items()} for p in parts]
        )
        sent = _sent(parts, rooms)
        expected_by = [
            sum(sent[room] * tracked[room][server] for room in range(rooms))
            for server in range(len(servers))
        ]
        received_by = [
            sum(p["received_by_server"][server] for p in parts)
            for server in range(len(servers))
        ]
        received = sum(p["received"] for p in parts)
        cpu = _window_cpu(samples, position, end - start)
        rss = [peak for _, peak in samples[position + 1]]
        window = Window(
            sent=sum(sent),
            expected=sum(expected_by),
            received=received,
            loss=sum(expected_by) - received,
            deliveries_per_s=round(received / (end - start), 1),
            latency_ms=Latency.of(histogram, max(p["max_us"] for p in parts)),
            # In a cluster: all nodes together, without Redis (given apart).
            server_cpu_pct=total(cpu[: len(servers)]),
            server_rss_kib=total(rss[: len(servers)]),
        )
        out.append(_Merged(window, expected_by, received_by))
    return out


def _window_cpu(
    samples: list[list[Sample]], position: int, wall: float
) -> list[float | None]:
    """Each process's CPU % between mark ``position`` and the next."""
    return [
        cpu_percent(b - a, wall) if a is not None and b is not None else None
        for (a, _), (b, _) in zip(samples[position], samples[position + 1], strict=True)
    ]


def run_cluster_fanout(
    cluster: Cluster, options: argparse.Namespace, rate: float
) -> FanoutRun:
    """A fan-out run against ``cluster``, with what its nodes logged meanwhile.

    A node that lost Redis, timed out a script or failed says so only in its
    log; those lines (warnings and worse) are counted into the report, so a
    run that looks fine by its figures cannot hide them.
    """
    for node in cluster.nodes:
        node.log_problems()  # skip whatever came before this run
    run = run_fanout(
        [node.target for node in cluster.nodes],
        options,
        rate,
        redis=cluster.redis.target,
    )
    problems = [
        f"{node.target.label}: {line}"
        for node in cluster.nodes
        for line in node.log_problems()
    ]
    run.node_log_problems = len(problems)
    run.node_log_problem_examples = problems[:10]
    return run


def run_capacity(
    target: LoadTarget, options: argparse.Namespace, clients: int
) -> CapacityRun:
    """Connect, name and seat ``clients`` idle clients; rate and memory each."""
    rooms = max(1, -(-clients // options.capacity_room_size))
    spec = base_spec([target], options) | {
        "clients": clients,
        "rooms": rooms,
        "senders": 0,
        "rate": 0,
        "windows": [],
        "send_end": 0,
    }
    rss_before, cpu_before = target.rss_kib(), target.cpu_seconds()
    group = WorkerGroup(spec, options.workers)
    try:
        readies = wait_joined(group, clients, options.connect_timeout)
        cpu_after = target.cpu_seconds()
        time.sleep(0.5)  # let the last replies' buffers be freed
        rss_after = target.rss_kib()
        group.send({"stop": True})
        group.collect("result", 60)
    finally:
        group.close()
    seconds = max(r["connect_end"] for r in readies) - min(
        r["connect_start"] for r in readies
    )
    return CapacityRun(
        server=target.label,
        clients=clients,
        rooms=rooms,
        seconds=round(seconds, 3),
        connects_per_s=round(clients / seconds, 1) if seconds > 0 else None,
        server_rss_before_kib=rss_before,
        server_rss_after_kib=rss_after,
        server_kib_per_client=kib_per_client(rss_before, rss_after, clients),
        generator_cpu_pct=cpu_percent(sum(r["cpu"] for r in readies), seconds),
        server_cpu_pct=(
            cpu_percent(cpu_after - cpu_before, seconds)
            if cpu_before is not None and cpu_after is not None
            else None
        ),
    )
