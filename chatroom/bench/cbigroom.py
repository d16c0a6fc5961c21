"""The big-room scenario of the C generator (``bigroom``): one room filled to
``--bigroom-members`` (10,000), then ``--bigroom-rate`` messages/s in it.

Issue 25 asks that one room of 10,000 fills at 2,000 joins/s or more and
carries 10 messages/s (100,000 deliveries/s) with p99 under 40 ms. The
generator's ``fanout`` mode does both in one run: it connects every client
into the one room (``--concurrency`` in flight; the fill's rate is clients
over the time from the first connect to the last ``JOINED``), then
``--bigroom-senders`` of them send, open loop, for warm-up + duration.

chatroom runs once per ``--bigroom-thresholds`` value of its ``--big-room``
(by default 1,000, today's default, and 0, which announces every join as
before it existed), beside the bare baseline (which announces every join
to every member) on the same interpreter.
"""

from __future__ import annotations

import argparse
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chatroom.bench.cgen import CGen
from chatroom.bench.report import Latency
from chatroom.bench.sampling import cpu_percent, monitor
from chatroom.bench.servers import LoadTarget, ServerCode, serving

#: The issue's targets for a room of 10,000.
JOINS_PER_S_TARGET = 2000.0
P99_MS_TARGET = 40.0


@dataclass
class BigRoomRun:
    """One room filled, then talked in."""

    server: str
    big_room: int | None  # chatroom's --big-room (None: not chatroom)
    members: int
    senders: int
    messages_per_s: float
    fill_seconds: float
    joins_per_s: float | None
    fill_server_cpu_pct: float | None
    fill_generator_cpu_pct: float | None
    duration: float
    expected: int
    received: int
    loss: int
    deliveries_per_s: float
    latency_ms: Latency
    server_cpu_pct: float | None
    generator_cpu_pct: float | None
    server_rss_kib: int | None
    closed_by_server: int


def _pct(before: float | None, after: float | None, wall: float) -> float | None:
    if before is None or after is None or wall <= 0:
        return None
    return cpu_percent(after - before, wall)


def big_room(
    target: LoadTarget, options: argparse.Namespace, threshold: int | None
) -> BigRoomRun:
    """Fill one room with ``--bigroom-members`` clients, then time messages."""
    members, rate = options.bigroom_members, options.bigroom_rate
    warm, duration = options.warmup, options.duration
    params: dict[str, Any] = {
        "door": target.door,
        "clients": members,
        "rooms": 1,
        "senders": options.bigroom_senders,
        "size": options.message_size,
        "concurrency": options.concurrency,
        "tag": secrets.token_hex(3),
        "phases": f"0:{warm + duration}:{rate}",
        "windows": f"{warm}:{warm + duration}",
        "drain_idle": options.drain_idle,
        "drain_max": options.drain_max,
        "timeout": options.connect_timeout,
    }
    cpu_before = target.cpu_seconds()
    generator = CGen("fanout", target.host, target.port, params)
    try:
        ready = generator.ready(options.connect_timeout + 10)
        cpu_filled, gen_filled = target.cpu_seconds(), generator.cpu_seconds()
        t0 = time.time() + 0.5
        generator.tell(f"start {t0:.6f}")
        samples = monitor([target, generator], t0, [warm, warm + duration])
        result = generator.result(warm + duration + options.drain_max + 60)
    finally:
        generator.close()
    fill = ready["connect_end"] - ready["connect_start"]
    (window,) = result["windows"]
    (server_cpu, _), (gen_cpu, _) = samples[0]
    (server_cpu_end, server_peak), (gen_cpu_end, _) = samples[1]
    histogram = {int(key): count for key, count in window["histogram"].items()}
    return BigRoomRun(
        server=target.label,
        big_room=threshold,
        members=members,
        senders=options.bigroom_senders,
        messages_per_s=rate,
        fill_seconds=round(fill, 3),
        joins_per_s=round(members / fill, 1) if fill > 0 else None,
        fill_server_cpu_pct=_pct(cpu_before, cpu_filled, fill),
        fill_generator_cpu_pct=_pct(0.0, gen_filled, fill),
        duration=duration,
        expected=window["expected"],
        received=window["received"],
        loss=window["expected"] - window["received"],
        deliveries_per_s=round(window["received"] / duration, 1),
        latency_ms=Latency.of(histogram, window["max_us"]),
        server_cpu_pct=_pct(server_cpu, server_cpu_end, duration),
        generator_cpu_pct=_pct(gen_cpu, gen_cpu_end, duration),
        server_rss_kib=server_peak,
        closed_by_server=result["closed_by_server"],
    )


def thresholds(kind: str, options: argparse.Namespace) -> list[int | None]:
    """The ``--big-room`` values ``kind`` runs with: each of
    ``--bigroom-thresholds`` for chatroom, none for the baseline."""
    return list(options.bigroom_thresholds) if kind.startswith("chatroom") else [None]


def big_room_on(
    kind: str, options: argparse.Namespace, threshold: int | None
) -> BigRoomRun:
    """One big room on a fresh server of ``kind`` (chatroom with
    ``--big-room threshold``)."""
    extra = [
        "--sendq", str(options.sendq),
        "--room-capacity", str(options.bigroom_members),
    ]  # fmt: skip
    if threshold is not None:
        extra += ["--big-room", str(threshold)]
    with serving(kind, ServerCode.of(options), extra) as target:
        return big_room(target, options, threshold)


def run_big_room(options: argparse.Namespace) -> list[BigRoomRun]:
    """``bigroom`` against each of ``--c-servers`` (chatroom's doors once per
    ``--bigroom-thresholds`` value), each on a fresh server."""
    return [
        big_room_on(kind, options, threshold)
        for kind in options.c_servers
        for threshold in thresholds(kind, options)
    ]


def big_room_rows(runs: list[dict[str, Any]]) -> tuple[tuple[str, ...], list[Any]]:
    """The report's table: header and rows."""
    header = (
        "server", "--big-room", "members", "joins/s", "fill s", "fill cpu%",
        "msg/s", "deliv/s", "loss", "p50", "p99", "max", "srv cpu%", "gen cpu%",
    )  # fmt: skip
    rows = [
        (
            r["server"], r["big_room"], r["members"], r["joins_per_s"],
            r["fill_seconds"], r["fill_server_cpu_pct"], r["messages_per_s"],
            r["deliveries_per_s"], r["loss"], r["latency_ms"]["p50"],
            r["latency_ms"]["p99"], r["latency_ms"]["max"], r["server_cpu_pct"],
            r["generator_cpu_pct"],
        )
        for r in runs
    ]  # fmt: skip
    return header, rows
