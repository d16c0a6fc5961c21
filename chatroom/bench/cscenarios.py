"""The C generator's scenarios: rate sweep, connect storm, overload.

These are the figures the Python generator cannot reach (it saturates a
core at about 150,000 deliveries/s). Each runs :mod:`chatroom.bench.cgen`
against a server that is already up, samples the server *and the generator*
from ``/proc`` at the window marks, and returns a typed record
(:mod:`chatroom.bench.report`). :func:`run_c_scenarios` starts a fresh
server for every run, chatroom and the bare baseline in turn on the same
interpreter, so a backlog left by one run never slows the next.
"""

from __future__ import annotations

import argparse
import itertools
import math
import secrets
import time
from typing import Any

from chatroom.bench.cclusters import (
    CLUSTER_KINDS,
    check_redis,
    clients_per_node,
    parts,
    serving_any,
    spread,
)
from chatroom.bench.cgen import CGen
from chatroom.bench.errors import BenchError
from chatroom.bench.references import REFERENCES
from chatroom.bench.report import (
    CFanoutRun,
    Latency,
    OverloadRun,
    OverloadWindow,
    RunFailure,
    StormRun,
    Sweep,
)
from chatroom.bench.sampling import cpu_percent, monitor
from chatroom.bench.servers import LoadTarget
from chatroom.bench.stats import kib_per_client

#: The sweep's ceiling: the highest rate with p99 under this and no loss.
CEILING_P99_MS = 50.0

#: After an overload the server has recovered once p99 stays under this.
RECOVERED_P99_MS = 5.0

#: ``hold`` is :mod:`chatroom.bench.chold`'s, ``bigroom``
#: :mod:`chatroom.bench.cbigroom`'s and ``million``
#: :mod:`chatroom.bench.cmillion`'s (the runner calls them).
C_SCENARIOS = ("sweep", "storm", "overload", "hold", "bigroom", "million")


def _histogram(window: dict[str, Any]) -> dict[int, int]:
    return {int(key): count for key, count in window["histogram"].items()}


def _fanout_params(
    options: argparse.Namespace,
    phases: list[tuple[float, float, float]],
    door: str,
) -> dict[str, Any]:
    """The generator's arguments; rates are deliveries/s, turned into messages/s.

    Every member hears a message, except at an IRC door, where the sender
    does not get its own back (no ``echo-message``): there the same
    deliveries/s take a few more messages.
    """
    per_message = options.clients / options.rooms - (door == "irc")
    return {
        "door": door,
        "clients": options.clients,
        "rooms": options.rooms,
        "senders": options.senders,
        "size": options.message_size,
        "concurrency": options.concurrency,
        "tag": secrets.token_hex(3),
        "phases": ";".join(f"{a}:{b}:{rate / per_message}" for a, b, rate in phases),
        "drain_idle": options.drain_idle,
        "drain_max": options.drain_max,
        "timeout": options.connect_timeout,
    }


def c_fanout(
    target: LoadTarget, options: argparse.Namespace, offered: float
) -> CFanoutRun:
    """One run offering ``offered`` deliveries/s for warm-up + duration."""
    warm, duration = options.warmup, options.duration
    params = _fanout_params(options, [(0, warm + duration, offered)], target.door)
    params["windows"] = f"{warm}:{warm + duration}"
    params.update(spread(target))
    generator = CGen("fanout", target.host, target.port, params)
    apart = parts(target)
    try:
        generator.ready(options.connect_timeout)
        spread_over = clients_per_node(target)
        t0 = time.time() + 0.5
        generator.tell(f"start {t0:.6f}")
        samples = monitor([target, generator, *apart], t0, [warm, warm + duration])
        result = generator.result(warm + duration + options.drain_max + 60)
    finally:
        generator.close()
    (window,) = result["windows"]
    (server_cpu, _), (gen_cpu, _) = samples[0][:2]
    (server_cpu_end, server_peak), (gen_cpu_end, _) = samples[1][:2]
    spent = [(a[0], b[0]) for a, b in zip(samples[0][2:], samples[1][2:], strict=True)]
    received = window["received"]
    run = CFanoutRun(
        server=target.label,
        offered_per_s=offered,
        clients=options.clients,
        rooms=options.rooms,
        senders=options.senders,
        duration=duration,
        sent=window["sent"],
        expected=window["expected"],
        received=window["received"],
        loss=window["expected"] - window["received"],
        deliveries_per_s=round(window["received"] / duration, 1),
        latency_ms=Latency.of(_histogram(window), window["max_us"]),
        server_cpu_pct=_pct(server_cpu, server_cpu_end, duration),
        generator_cpu_pct=_pct(gen_cpu, gen_cpu_end, duration),
        server_rss_kib=server_peak,
        closed_by_server=result["closed_by_server"],
        complaints=result["complaints"],
        generator_send_backlog_max=result["send_backlog_max"],
        server_cpu_us_per_delivery=_per_delivery(server_cpu, server_cpu_end, received),
    )
    if spent:  # a cluster: its nodes one by one, then Redis
        run.node_cpu_pct = [_pct(a, b, duration) for a, b in spent[:-1]]
        run.clients_per_node = spread_over
        run.redis_cpu_pct = _pct(*spent[-1], duration)
        run.redis_cpu_us_per_delivery = _per_delivery(*spent[-1], received)
    return run


def _per_delivery(
    before: float | None, after: float | None, deliveries: int
) -> float | None:
    """CPU microseconds per delivery between two readings."""
    if before is None or after is None or not deliveries:
        return None
    return round(1e6 * (after - before) / deliveries, 2)


def _pct(before: float | None, after: float | None, wall: float) -> float | None:
    if before is None or after is None:
        return None
    return cpu_percent(after - before, wall)


def fanout_on(kind: str, options: argparse.Namespace, rate: float) -> CFanoutRun:
    """One rate of the sweep on a fresh server of ``kind``."""
    with serving_any(kind, options, _sendq(options)) as target:
        return c_fanout(target, options, rate)


def storm_on(kind: str, options: argparse.Namespace, room_size: int) -> StormRun:
    """One storm of ``--storm`` clients in rooms of ``room_size`` on a fresh
    server of ``kind``."""
    # chatroom refuses joins past --room-capacity (256 by default)
    extra = [*_sendq(options), "--room-capacity", str(max(room_size, 256))]
    with serving_any(kind, options, extra) as target:
        return storm(target, options, options.storm, room_size)


def overload_on(kind: str, options: argparse.Namespace, high: float) -> OverloadRun:
    """``high`` deliveries/s, then ``--overload-low``, on a fresh server."""
    with serving_any(kind, options, _sendq(options)) as target:
        return overload(target, options, high, options.overload_low)


def good(run: CFanoutRun) -> bool:
    """Whether a run counts towards the ceiling: no loss, p99 under the bound."""
    p99 = run.latency_ms.p99
    return run.loss == 0 and p99 is not None and p99 < CEILING_P99_MS


def sweep(kind: str, options: argparse.Namespace) -> Sweep:
    """Each rate of ``--sweep`` on a fresh server, then bisect the ceiling.

    The bisection runs ``--ceiling-steps`` more rates between the highest
    good and the lowest bad rate, so the ceiling is found to within
    (bad - good) / 2**steps rather than to the sweep's coarse steps.
    """
    runs: list[CFanoutRun] = []
    failures: list[RunFailure] = []

    def measure(rate: float) -> None:
        try:
            runs.append(fanout_on(kind, options, rate))
        except BenchError as error:
            failures.append(RunFailure(kind, "sweep", rate, None, str(error)))

    for rate in options.sweep:
        measure(rate)
    for _ in range(options.ceiling_steps):
        held = [r.offered_per_s for r in runs if good(r)]
        bad = [r.offered_per_s for r in runs if not good(r)]
        bad += [f.offered_per_s for f in failures if f.offered_per_s is not None]
        low = max(held, default=0.0)
        higher = [b for b in bad if b > low]
        if not higher or not held:
            break
        rate = round((low + min(higher)) / 2, -3)
        if rate in (r.offered_per_s for r in runs) or rate in bad:
            break
        measure(rate)
    runs.sort(key=lambda r: r.offered_per_s)
    ceiling = max((r.offered_per_s for r in runs if good(r)), default=None)
    return Sweep(kind, CEILING_P99_MS, ceiling, runs, failures)


def storm(
    target: LoadTarget, options: argparse.Namespace, clients: int, room_size: int
) -> StormRun:
    """``clients`` connect, name and join at once (``--concurrency`` in flight).

    The rate is clients over the time from the first connect to the last
    ``JOINED``; memory per client is the server's RSS growth over the storm
    (read half a second after, when the replies' buffers are freed).
    """
    rooms = max(1, math.ceil(clients / room_size))
    rss_before, cpu_before = target.rss_kib(), target.cpu_seconds()
    generator = CGen(
        "storm",
        target.host,
        target.port,
        {
            "clients": clients,
            "rooms": rooms,
            "senders": 0,
            "concurrency": options.concurrency,
            "tag": secrets.token_hex(3),
            "timeout": options.connect_timeout,
            "door": target.door,
            **spread(target),
        },
    )
    try:
        ready = generator.ready(options.connect_timeout + 10)
        cpu_after, gen_cpu = target.cpu_seconds(), generator.cpu_seconds()
        time.sleep(0.5)
        rss_after = target.rss_kib()
        generator.tell("stop")
        generator.result(60)
    finally:
        generator.close()
    seconds = ready["connect_end"] - ready["connect_start"]
    return StormRun(
        server=target.label,
        clients=clients,
        rooms=rooms,
        room_size=room_size,
        concurrency=options.concurrency,
        seconds=round(seconds, 3),
        connects_per_s=round(clients / seconds, 1) if seconds > 0 else None,
        server_rss_before_kib=rss_before,
        server_rss_after_kib=rss_after,
        server_kib_per_client=kib_per_client(rss_before, rss_after, clients),
        server_cpu_pct=_pct(cpu_before, cpu_after, seconds),
        generator_cpu_pct=cpu_percent(gen_cpu, seconds),
    )


def overload(
    target: LoadTarget, options: argparse.Namespace, high: float, low: float
) -> OverloadRun:
    """``high`` deliveries/s for ``--overload-seconds``, then ``low``.

    Short windows (``--overload-window``) cover the whole run, so the report
    shows latency, loss at live readers and server memory over time, and
    when p99 came back under :data:`RECOVERED_P99_MS` after the load fell.
    """
    high_s, low_s, step = options.overload_seconds, options.overload_after, 0.5
    end = high_s + low_s
    params = _fanout_params(
        options, [(0, high_s, high), (high_s, end, low)], target.door
    )
    marks = [round(step * i, 3) for i in range(int(end / step) + 1)]
    params["windows"] = ";".join(f"{a}:{b}" for a, b in itertools.pairwise(marks))
    params.update(spread(target))
    rss_before = target.rss_kib()
    generator = CGen("fanout", target.host, target.port, params)
    try:
        generator.ready(options.connect_timeout)
        t0 = time.time() + 0.5
        generator.tell(f"start {t0:.6f}")
        samples = monitor([target, generator], t0, marks)
        result = generator.result(end + options.drain_max + 60)
    finally:
        generator.close()
    windows = []
    for position, window in enumerate(result["windows"]):
        latency = Latency.of(_histogram(window), window["max_us"])
        (cpu_a, _), (cpu_b, rss) = samples[position][0], samples[position + 1][0]
        windows.append(
            OverloadWindow(
                start_s=window["a"],
                offered_per_s=high if window["a"] < high_s else low,
                deliveries_per_s=round(window["received"] / step, 1),
                loss_live=window["expected_live"] - window["received_live"],
                p99_ms=latency.p99,
                max_ms=latency.max,
                server_rss_kib=rss,
                server_cpu_pct=_pct(cpu_a, cpu_b, step),
            )
        )
    after = [w for w in windows if w.start_s >= high_s]
    recovered = [
        w for w in after if w.p99_ms is not None and w.p99_ms < RECOVERED_P99_MS
    ]
    recovery = round(recovered[0].start_s - high_s, 3) if recovered else None
    relapses = sum(
        1
        for w in after
        if recovered
        and w.start_s > recovered[0].start_s
        and (w.p99_ms is None or w.p99_ms >= RECOVERED_P99_MS)
    )
    rss_values = [w.server_rss_kib for w in windows if w.server_rss_kib is not None]
    gen_cpu = _pct(samples[0][1][0], samples[-1][1][0], end)
    return OverloadRun(
        server=target.label,
        high_per_s=high,
        low_per_s=low,
        high_s=high_s,
        low_s=low_s,
        window_s=step,
        loss_live=sum(w.loss_live for w in windows),
        closed_by_server=result["closed_by_server"],
        server_rss_before_kib=rss_before,
        server_rss_max_kib=max(rss_values, default=None),
        recovered_p99_ms=RECOVERED_P99_MS,
        recovery_s=recovery,
        windows_over_after_recovery=relapses,
        generator_cpu_pct=gen_cpu,
        windows=windows,
    )


def _sendq(options: argparse.Namespace) -> list[str]:
    return ["--sendq", str(options.sendq)]


def run_c_scenarios(options: argparse.Namespace, chosen: list[str]) -> dict[str, Any]:
    """The chosen C-generator scenarios, each against chatroom and the baseline."""
    results: dict[str, Any] = {}
    kinds = options.c_servers
    check_redis(kinds, options)
    for kind in kinds:  # a missing package fails at once, not run by run
        if kind in REFERENCES and REFERENCES[kind].find() is None:
            raise BenchError(REFERENCES[kind].missing())
    if "sweep" in chosen:
        results["sweep"] = {kind: sweep(kind, options) for kind in kinds}
    if "storm" in chosen:
        results["storm"] = []
        failures: list[RunFailure] = []
        for room_size in options.storm_room_sizes:
            for kind in kinds:
                try:
                    results["storm"].append(storm_on(kind, options, room_size))
                except BenchError as error:  # the other servers' storms go on
                    failures.append(
                        RunFailure(kind, "storm", None, room_size, str(error))
                    )
        if failures:
            results["storm_failures"] = failures
    if "overload" in chosen:
        results["overload"] = []
        for kind in kinds:
            ceiling = results.get("sweep", {}).get(kind)
            peak = ceiling.ceiling_per_s if ceiling else None
            high = options.overload_rate or 2 * (peak or 200_000)
            results["overload"].append(overload_on(kind, options, high))
    return results


#: The pairs the report compares: (ratio's name, ours, the reference).
RATIO_PAIRS = [
    ("", "chatroom", "baseline"),  # the line door beside a bare Twisted server
    ("ws_", "chatroom-ws", "chatroom"),  # the web door beside the line door
    ("txn_", "chatroom-txn", "chatroom"),  # keyed lines (/txn) beside plain ones
    ("irc_ngircd_", "chatroom-irc", "ngircd"),
    ("irc_inspircd_", "chatroom-irc", "inspircd"),
    ("irc_ergo_", "chatroom-irc", "ergo"),
    *((f"cluster{n}_", kind, "chatroom") for kind, n in CLUSTER_KINDS.items()),
]


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 3) if ours and theirs else None


def c_ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Each door beside its reference (:data:`RATIO_PAIRS`): sweep ceilings
    and storm rates, for the pairs that both ran."""
    ratios: dict[str, Any] = {}
    sweeps = results.get("sweep", {})
    if sweeps:
        ratios["ceiling_per_s"] = {k: v.ceiling_per_s for k, v in sweeps.items()}
    storms: dict[int, dict[str, StormRun]] = {}
    for run in results.get("storm", []):
        storms.setdefault(run.room_size, {})[run.server] = run
    for prefix, ours, theirs in RATIO_PAIRS:
        if ours in sweeps and theirs in sweeps:
            ratios[f"{prefix}ceiling_ratio"] = _ratio(
                sweeps[ours].ceiling_per_s, sweeps[theirs].ceiling_per_s
            )
        for size, runs in storms.items():
            if ours in runs and theirs in runs:
                ratios[f"{prefix}storm_{size}_rate_ratio"] = _ratio(
                    runs[ours].connects_per_s, runs[theirs].connects_per_s
                )
    for kind, nodes in CLUSTER_KINDS.items():
        if kind in sweeps and "chatroom" in sweeps:
            ratios[f"cluster{nodes}_cpu_per_delivery_ratio"] = _cpu_ratios(
                sweeps[kind], sweeps["chatroom"]
            )
    return ratios


def _cpu_ratios(cluster: Sweep, single: Sweep) -> dict[str, float | None]:
    """The nodes' CPU per delivery (Redis excluded) over the single server's,
    at each offered rate both ran."""
    alone = {run.offered_per_s: run for run in single.runs}
    return {
        f"{run.offered_per_s:.0f}": _ratio(
            run.server_cpu_us_per_delivery,
            alone[run.offered_per_s].server_cpu_us_per_delivery,
        )
        for run in cluster.runs
        if run.offered_per_s in alone
    }
