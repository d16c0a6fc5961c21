"""The benchmark's report: typed records for every run, and their JSON form.

Scenarios build these records; :func:`to_json` turns a whole report into
the plain JSON the ``--json`` option writes and :mod:`chatroom.bench.render`
prints. The JSON keys are the documented ones (docs/performance.md), so a
field renamed here is a change to the report's format.

A fan-out run's measured window is written flat into the run (``loss``,
``latency_ms``... beside ``rate``), as it always was; a slow-reader run has
two windows, ``before`` and ``during``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from chatroom.bench.stats import summarize


@dataclass
class Latency:
    """Percentiles in milliseconds (None when nothing arrived)."""

    p50: float | None
    p90: float | None
    p99: float | None
    p99_9: float | None
    max: float | None
    count: int

    @classmethod
    def of(cls, histogram: dict[int, int], max_us: float) -> Latency:
        """From a merged histogram and the exact maximum (microseconds)."""
        figures = summarize(histogram, max_us)
        return cls(
            p50=figures["p50"],
            p90=figures["p90"],
            p99=figures["p99"],
            p99_9=figures["p99_9"],
            max=figures["max"],
            count=int(figures["count"] or 0),
        )


@dataclass
class Window:
    """What one measured window delivered, and what the server spent on it."""

    sent: int
    expected: int
    received: int
    loss: int
    deliveries_per_s: float
    latency_ms: Latency
    server_cpu_pct: float | None
    server_rss_kib: float | None


@dataclass
class ClusterFigures:
    """A cluster run's per-node and Redis figures (``--nodes``)."""

    node_cpu_pct: list[float | None]
    node_rss_kib: list[int | None]
    redis_cpu_pct: float | None
    redis_rss_kib: int | None
    expected_by_node: list[int]
    received_by_node: list[int]


@dataclass
class FanoutSetup:
    """The layout and generator figures every Python-generator fan-out shares."""

    server: str
    nodes: int
    clients: int
    rooms: int
    senders: int
    rate: float
    duration: float
    message_size: int
    slow_room_message_size: int | None
    generator_cpu_pct: float | None
    generator_processes: int
    server_complaints: int
    server_complaint_examples: list[str]


@dataclass
class FanoutRun(FanoutSetup):
    """One rate of the fan-out (or baseline) scenario: one window, flattened."""

    window: Window
    cluster: ClusterFigures | None = None
    node_log_problems: int | None = None
    node_log_problem_examples: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        data = _plain(self)
        data.update(data.pop("window"))
        cluster = data.pop("cluster")
        if cluster is not None:
            data.update(cluster)
        if self.node_log_problems is None:
            del data["node_log_problems"], data["node_log_problem_examples"]
        return data


@dataclass
class SlowReaderRun(FanoutSetup):
    """Room 0 timed before and while one of its members stops reading."""

    before: Window
    during: Window
    slow_member: int
    dropped_after_s: float | None
    drop_reason: str | None
    server_rss_max_kib: int | None
    p99_change_ms: float | None


@dataclass
class CapacityRun:
    """Idle clients connected, named and seated: rate and memory each."""

    server: str
    clients: int
    rooms: int
    seconds: float
    connects_per_s: float | None
    server_rss_before_kib: int | None
    server_rss_after_kib: int | None
    server_kib_per_client: float | None
    generator_cpu_pct: float | None
    server_cpu_pct: float | None


@dataclass
class Report:
    """Everything one ``chatroom-bench`` command measured."""

    machine: dict[str, Any]
    config: dict[str, Any]
    scenarios: dict[str, Any] = field(default_factory=dict)
    ratios: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """A dataclass's fields (each through :func:`to_json`), lists and dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def to_json(value: Any) -> Any:
    """The JSON form of a report or any part of it."""
    custom = getattr(value, "to_json", None)
    if custom is not None and dataclasses.is_dataclass(value):
        return custom()
    return _plain(value)


@dataclass
class CFanoutRun:
    """One offered rate of the C generator's fan-out against one server."""

    server: str
    offered_per_s: float
    clients: int
    rooms: int
    senders: int
    duration: float
    sent: int
    expected: int
    received: int
    loss: int
    deliveries_per_s: float
    latency_ms: Latency
    server_cpu_pct: float | None
    generator_cpu_pct: float | None
    server_rss_kib: int | None
    closed_by_server: int
    complaints: int
    generator_send_backlog_max: int
    #: The server's CPU per delivery in the window, in microseconds (a
    #: cluster's: its nodes' summed, Redis apart).
    server_cpu_us_per_delivery: float | None = None
    #: A cluster layout's (``chatroom-clusterN``) figures, else None: each
    #: node's CPU and clients, and Redis's CPU, per cent and per delivery.
    node_cpu_pct: list[float | None] | None = None
    clients_per_node: list[int] | None = None
    redis_cpu_pct: float | None = None
    redis_cpu_us_per_delivery: float | None = None


@dataclass
class Sweep:
    """A rate sweep against one server, and the highest rate it kept up with.

    ``ceiling_per_s`` is the highest offered rate with no loss and p99 under
    ``ceiling_p99_ms``; the sweep's rates plus a few bisection steps between
    the last good and the first bad rate. A rate that could not be measured
    is in ``failures`` and counts as bad.
    """

    server: str
    ceiling_p99_ms: float
    ceiling_per_s: float | None
    runs: list[CFanoutRun]
    #: Rates that could not be measured (a client could not join, the
    #: server did not start...): counted as missed, the run goes on.
    failures: list[RunFailure] = field(default_factory=list)


@dataclass
class RunFailure:
    """One run that could not be measured, and why (the generator's or the
    server's first words on it; the whole error is in the JSON)."""

    server: str
    scenario: str
    offered_per_s: float | None
    room_size: int | None
    error: str


@dataclass
class StormRun:
    """Clients connecting, naming themselves and joining as fast as they can."""

    server: str
    clients: int
    rooms: int
    room_size: int
    concurrency: int
    seconds: float
    connects_per_s: float | None
    server_rss_before_kib: int | None
    server_rss_after_kib: int | None
    server_kib_per_client: float | None
    server_cpu_pct: float | None
    generator_cpu_pct: float | None


@dataclass
class OverloadWindow:
    """One short window of the overload run (times from the run's start)."""

    start_s: float
    offered_per_s: float
    deliveries_per_s: float
    loss_live: int
    p99_ms: float | None
    max_ms: float | None
    server_rss_kib: int | None
    server_cpu_pct: float | None


@dataclass
class OverloadRun:
    """Twice the server's peak for a while, then a light load.

    ``loss_live`` counts only messages missing at clients still connected
    at the end; ``closed_by_server`` says how many were dropped.
    ``recovery_s`` is when, after the load fell, a window's p99 was first
    under ``recovered_p99_ms`` again (to within one window), and
    ``windows_over_after_recovery`` how many later windows were over it
    again (a stall from outside shows up there, not as a later recovery).
    """

    server: str
    high_per_s: float
    low_per_s: float
    high_s: float
    low_s: float
    window_s: float
    loss_live: int
    closed_by_server: int
    server_rss_before_kib: int | None
    server_rss_max_kib: int | None
    recovered_p99_ms: float
    recovery_s: float | None
    windows_over_after_recovery: int
    generator_cpu_pct: float | None
    windows: list[OverloadWindow]
