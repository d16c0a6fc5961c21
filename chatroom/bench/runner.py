"""One benchmark command: start each server, run the chosen scenarios, stop it.

This is where servers meet scenarios. Each scenario runs against a server
started for it (``twistd chatroom`` with the benchmark's options, or the bare
baseline), or against a running one given by ``--connect``, and the server
is stopped again whatever happens. A failure carries the server's log tail,
because "the workers sent nothing" alone does not say why.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chatroom.bench.cbigroom import run_big_room
from chatroom.bench.cgen import build
from chatroom.bench.chold import hold
from chatroom.bench.cmillion import million
from chatroom.bench.cscenarios import C_SCENARIOS, c_ratios, run_c_scenarios
from chatroom.bench.errors import BenchError
from chatroom.bench.report import FanoutRun, Report
from chatroom.bench.sampling import interpreter, machine
from chatroom.bench.scenarios import (
    run_capacity,
    run_cluster_fanout,
    run_fanout,
    run_slow_reader,
)
from chatroom.bench.servers import (
    NO_REDIS,
    SERVER_OPTIONS,
    Cluster,
    LoadTarget,
    ServerCode,
    find_redis_server,
    serving,
    start_cluster,
)

SCENARIOS = ("fanout", "capacity", "slow-reader", "baseline")

#: The p99 bound (ms) a run must meet to count towards the peak.
P99_BOUND_MS = 5.0


def _peak(runs: list[FanoutRun]) -> float | None:
    """Best deliveries/s among runs without loss and with p99 under the bound."""
    good = [
        r.window.deliveries_per_s
        for r in runs
        if r.window.loss == 0
        and r.window.latency_ms.p99 is not None
        and r.window.latency_ms.p99 <= P99_BOUND_MS
    ]
    return max(good, default=None)


def _interpreter(options: argparse.Namespace) -> str:
    """Which Python the servers we start run on (e.g. ``PyPy 3.9.16``)."""
    if options.connect:
        return "unknown (--connect)"
    return interpreter(options.server_python or sys.executable)


def _db(options: argparse.Namespace) -> list[str]:
    """The server's ``--db``: ``:memory:`` unless the run measures the store."""
    return ["--db", getattr(options, "db", ":memory:")]


def run(options: argparse.Namespace) -> Report:
    """Run the chosen scenarios; return the whole report."""
    report = Report(
        machine=machine() | {"server_interpreter": _interpreter(options)},
        config={
            k: v for k, v in vars(options).items() if k not in ("scenarios", "json")
        },
    )
    scenarios = options.scenarios or list(SCENARIOS)
    results = report.scenarios
    if set(scenarios) & set(C_SCENARIOS):
        build()  # compile the C generator before any server starts

    def with_server(kind: str, extra: list[str], body: Any) -> Any:
        if options.connect and kind == "chatroom":
            host, _, port = options.connect.rpartition(":")
            return body(LoadTarget(host, int(port), options.server_pid))
        code = ServerCode.of(options)
        with serving(kind, code, [*extra, *_db(options)]) as target:
            return body(target)

    def with_cluster(extra: list[str], body: Any) -> Any:
        redis_server = options.redis_server or find_redis_server()
        if redis_server is None:
            raise BenchError(NO_REDIS)
        try:
            cluster: Cluster = start_cluster(
                options.nodes,
                redis_server,
                ServerCode.of(options),
                SERVER_OPTIONS + extra,
            )
        except (OSError, RuntimeError) as error:
            raise BenchError(f"cannot start the cluster: {error}") from None
        try:
            return body(cluster)
        except BenchError as error:
            raise BenchError(f"{error}\nlog tails:\n{cluster.log_tails()}") from None
        finally:
            cluster.stop()

    sendq = ["--sendq", str(options.sendq)]
    if "fanout" in scenarios and options.nodes:
        results["fanout"] = with_cluster(
            sendq,
            lambda c: [run_cluster_fanout(c, options, rate) for rate in options.rate],
        )
    elif "fanout" in scenarios:
        results["fanout"] = with_server(
            "chatroom",
            sendq,
            lambda t: [run_fanout([t], options, rate) for rate in options.rate],
        )
    if "baseline" in scenarios:
        results["baseline"] = with_server(
            "baseline",
            [],
            lambda t: [run_fanout([t], options, rate) for rate in options.rate],
        )
    if "capacity" in scenarios:
        results["capacity"] = with_server(
            "chatroom", sendq, lambda t: run_capacity(t, options, options.capacity)
        )
        if "baseline" in scenarios:
            results["baseline_capacity"] = with_server(
                "baseline", [], lambda t: run_capacity(t, options, options.capacity)
            )
    if "slow-reader" in scenarios:
        results["slow-reader"] = with_server(
            "chatroom",
            ["--sendq", str(options.slow_sendq)],
            lambda t: run_slow_reader(t, options, options.rate[0]),
        )
    results.update(run_c_scenarios(options, scenarios))
    if "hold" in scenarios:
        results["hold"] = [
            hold(kind, options)
            for kind in options.c_servers
            if kind.startswith("chatroom")
        ]
    if "bigroom" in scenarios:
        results["bigroom"] = run_big_room(options)
    if "million" in scenarios:
        results["million"] = million(options)
    report.ratios = _ratios(results) | c_ratios(results)
    return report


def _ratios(results: dict[str, Any]) -> dict[str, Any]:
    """chatroom ÷ baseline: peak deliveries/s, p99 per rate, memory per client."""
    ratios: dict[str, Any] = {}
    if "fanout" in results and "baseline" in results:
        ours, theirs = _peak(results["fanout"]), _peak(results["baseline"])
        ratios["peak_deliveries_per_s"] = {"chatroom": ours, "baseline": theirs}
        if ours and theirs:
            ratios["peak_ratio"] = round(ours / theirs, 3)
        per_rate = []
        for a, b in zip(results["fanout"], results["baseline"], strict=False):
            wa, wb = a.window, b.window
            pa, pb = wa.latency_ms.p99, wb.latency_ms.p99
            per_rate.append(
                {
                    "rate": a.rate,
                    "deliveries_ratio": (
                        round(wa.deliveries_per_s / wb.deliveries_per_s, 3)
                        if wb.deliveries_per_s
                        else None
                    ),
                    "p99_ratio": round(pa / pb, 3) if pa and pb else None,
                }
            )
        ratios["per_rate"] = per_rate
    if "capacity" in results and "baseline_capacity" in results:
        a, b = results["capacity"], results["baseline_capacity"]
        if a.server_kib_per_client and b.server_kib_per_client:
            ratios["kib_per_client_ratio"] = round(
                a.server_kib_per_client / b.server_kib_per_client, 3
            )
        if a.connects_per_s and b.connects_per_s:
            ratios["connect_rate_ratio"] = round(a.connects_per_s / b.connects_per_s, 3)
    return ratios
