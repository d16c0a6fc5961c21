"""The report as plain-text tables, one row per run.

Works on the JSON form of the report (:func:`chatroom.bench.report.to_json`),
so the same tables can be printed from a report saved earlier.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chatroom.bench.cbigroom import big_room_rows
from chatroom.bench.cmillion import million_lines


def _fmt(value: Any) -> str:
    """A figure as a table cell: thousands separated, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(report: dict[str, Any]) -> str:
    """The report as plain-text tables, one row per run."""
    out: list[str] = []
    results = report["scenarios"]
    m = report["machine"]
    out.append(
        f"machine: {m['nproc']} cores, {m['cpu']}, generator Python {m['python']}, "
        f"server {m['server_interpreter']}"
    )
    header = (
        "server",
        "rate",
        "deliv/s",
        "loss",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "srv cpu%",
        "gen cpu%",
        "srv RSS KiB",
    )
    rows = []
    for scenario in ("fanout", "baseline"):
        for r in results.get(scenario, []):
            lat = r["latency_ms"]
            rows.append(
                (
                    r["server"], r["rate"], r["deliveries_per_s"], r["loss"],
                    lat["p50"], lat["p90"], lat["p99"], lat["p99_9"], lat["max"],
                    r["server_cpu_pct"], r["generator_cpu_pct"], r["server_rss_kib"],
                )
            )  # fmt: skip
    if rows:
        first: dict[str, Any] = next(
            iter(results.get("fanout", results.get("baseline", []))), {}
        )
        out.append(
            f"\nfanout: {first.get('clients')} clients, {first.get('rooms')} rooms, "
            f"{first.get('senders')} senders, {first.get('duration')} s "
            "(latency in ms; rate = msg/s per sender)"
        )
        out.append(_grid(header, rows))
    cluster_rows = []
    for r in results.get("fanout", []):
        if r.get("nodes"):
            cluster_rows.append(
                (
                    r["nodes"], r["rate"], r["deliveries_per_s"], r["loss"],
                    "/".join(_fmt(v) for v in r["received_by_node"]),
                    r["server_cpu_pct"],
                    "/".join(_fmt(v) for v in r["node_cpu_pct"]),
                    r["redis_cpu_pct"], r["generator_cpu_pct"],
                    r["server_complaints"], r["node_log_problems"],
                )
            )  # fmt: skip
    if cluster_rows:
        out.append(
            "\ncluster: each room's members spread over the nodes; every message "
            "goes through Redis (srv cpu% = all nodes, without Redis)"
        )
        out.append(
            _grid(
                ("nodes", "rate", "deliv/s", "loss", "received per node",
                 "srv cpu%", "per node cpu%", "redis cpu%", "gen cpu%",
                 "ERR/NOTICE", "log warnings"),
                cluster_rows,
            )
        )  # fmt: skip
        for key, what in (
            ("server_complaint_examples", "clients got mid-run"),
            ("node_log_problem_examples", "nodes logged"),
        ):
            examples = [line for r in results["fanout"] for line in r[key]]
            if examples:
                out.append(f"{what}, e.g.:\n  " + "\n  ".join(examples[:3]))
    capacity_rows = [
        (
            r["server"], r["clients"], r["connects_per_s"], r["server_kib_per_client"],
            r["server_rss_before_kib"], r["server_rss_after_kib"],
            r["server_cpu_pct"], r["generator_cpu_pct"],
        )
        for key in ("capacity", "baseline_capacity")
        if (r := results.get(key))
    ]  # fmt: skip
    if capacity_rows:
        out.append("\ncapacity (idle clients, named and in rooms)")
        out.append(
            _grid(
                ("server", "clients", "conn/s", "KiB/client", "RSS before",
                 "RSS after", "srv cpu%", "gen cpu%"),
                capacity_rows,
            )
        )  # fmt: skip
    slow = results.get("slow-reader")
    if slow:
        out.append(
            f"\nslow-reader: member {slow['slow_member']} of room 0 stops reading; "
            f"others in room 0 (its messages {slow['slow_room_message_size']} bytes)"
        )
        srows = []
        for phase in ("before", "during"):
            w = slow[phase]
            lat = w["latency_ms"]
            srows.append(
                (phase, w["deliveries_per_s"], w["loss"], lat["p50"], lat["p99"],
                 lat["max"], w["server_rss_kib"], w["server_cpu_pct"])
            )  # fmt: skip
        out.append(
            _grid(
                ("phase", "deliv/s", "loss", "p50", "p99", "max", "srv RSS KiB",
                 "srv cpu%"),
                srows,
            )
        )  # fmt: skip
        out.append(
            f"p99 change {_fmt(slow['p99_change_ms'])} ms; slow member dropped "
            f"after {_fmt(slow['dropped_after_s'])} s "
            f"({slow['drop_reason'] or 'not dropped'})"
            f"; server RSS max {_fmt(slow['server_rss_max_kib'])} KiB"
        )
    out.extend(c_tables(results))
    ratios = report.get("ratios") or {}
    if ratios:
        out.append("\nratios (each door / its reference): " + json.dumps(ratios))
    return "\n".join(out)


def _grid(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Right-aligned columns, as wide as their widest cell."""
    cells = [list(header)] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells
    )


def _cluster_rows(sweeps: dict[str, Any]) -> list[str]:
    """The cluster layouts' runs: each node's CPU and Redis's apart, per cent
    and per delivery (srv above is the nodes' sum, Redis excluded)."""
    rows = [
        (r["server"], r["offered_per_s"],
         " ".join(_fmt(pct) for pct in r["node_cpu_pct"]),
         "/".join(_fmt(n) for n in r.get("clients_per_node") or []),
         r["server_cpu_us_per_delivery"], r["redis_cpu_pct"],
         r["redis_cpu_us_per_delivery"])
        for sweep in sweeps.values()
        for r in sweep["runs"]
        if r.get("node_cpu_pct") is not None
    ]  # fmt: skip
    if not rows:
        return []
    return [
        "cluster layouts: the nodes' CPU (srv above is their sum), Redis's apart",
        _grid(
            ("server", "offered", "node cpu% each", "clients each",
             "nodes us/deliv", "redis cpu%", "redis us/deliv"),
            rows,
        ),
    ]  # fmt: skip


def c_tables(results: dict[str, Any]) -> list[str]:
    """The C generator's scenarios: sweep, storm and overload tables."""
    out: list[str] = []
    sweeps = results.get("sweep") or {}
    rows = []
    for sweep in sweeps.values():
        for r in sweep["runs"]:
            lat = r["latency_ms"]
            rows.append(
                (
                    r["server"], r["offered_per_s"], r["deliveries_per_s"], r["loss"],
                    lat["p50"], lat["p90"], lat["p99"], lat["p99_9"], lat["max"],
                    r["server_cpu_pct"], r.get("server_cpu_us_per_delivery"),
                    r["generator_cpu_pct"], r["server_rss_kib"],
                )
            )  # fmt: skip
    if rows:
        first = next(r for sweep in sweeps.values() for r in sweep["runs"])
        out.append(
            f"\nsweep (C generator): {first['clients']} clients, {first['rooms']} "
            f"rooms, {first['senders']} senders, {first['duration']} s "
            "(latency in ms; rates in deliveries/s)"
        )
        out.append(
            _grid(
                ("server", "offered", "deliv/s", "loss", "p50", "p90", "p99",
                 "p99.9", "max", "srv cpu%", "srv us/deliv", "gen cpu%",
                 "srv RSS KiB"),
                rows,
            )
        )  # fmt: skip
        out.extend(_cluster_rows(sweeps))
        for sweep in sweeps.values():
            out.append(
                f"{sweep['server']}: highest offered rate with p99 < "
                f"{_fmt(sweep['ceiling_p99_ms'])} ms and no loss: "
                f"{_fmt(sweep['ceiling_per_s'])} deliveries/s"
            )
    failures = [f for s in sweeps.values() for f in s.get("failures", [])]
    failures += results.get("storm_failures") or []
    for failure in failures:
        what = (
            f"at {_fmt(failure['offered_per_s'])}/s"
            if failure["offered_per_s"] is not None
            else f"in rooms of {failure['room_size']}"
        )
        first_line = failure["error"].splitlines()[0] if failure["error"] else ""
        out.append(
            f"{failure['server']}: {failure['scenario']} {what} not measured: "
            f"{first_line}"
        )
    storms = results.get("storm") or []
    if storms:
        out.append("\nconnect storm (C generator): connect + name + join")
        out.append(
            _grid(
                ("server", "clients", "rooms", "per room", "conn/s", "KiB/client",
                 "RSS before", "RSS after", "srv cpu%", "gen cpu%"),
                [
                    (r["server"], r["clients"], r["rooms"], r["room_size"],
                     r["connects_per_s"], r["server_kib_per_client"],
                     r["server_rss_before_kib"], r["server_rss_after_kib"],
                     r["server_cpu_pct"], r["generator_cpu_pct"])
                    for r in storms
                ],
            )
        )  # fmt: skip
    holds = results.get("hold") or []
    if holds:
        out.append(
            "\nhold (C generator): idle clients held while the fan-out runs "
            "(latency in ms; GC pauses from the server's /metrics)"
        )
        out.append(
            _grid(
                ("server", "idle", "per process", "sources", "conn/s",
                 "conn cpu ms", "redis ms", "redis calls", "KiB/idle", "offered",
                 "loss", "p50", "p99", "max", "srv cpu%", "gc connecting <ms",
                 "gc run <ms", "gc >10ms conn/run", "gc max cpu ms", "gen cpu%"),
                [
                    (r["server"], r["idle_clients"],
                     "/".join(str(n) for n in r["connections_per_node"]),
                     r["sources"], r["connects_per_s"],
                     r["connect_cpu_ms_per_client"],
                     r["redis_connect_cpu_ms_per_client"],
                     r.get("redis_calls_per_client"),
                     r["server_kib_per_idle"], r["fanout"]["offered_per_s"],
                     r["fanout"]["loss"], r["fanout"]["latency_ms"]["p50"],
                     r["fanout"]["latency_ms"]["p99"],
                     r["fanout"]["latency_ms"]["max"],
                     r["fanout"]["server_cpu_pct"],
                     r["gc_connecting_longest_under_ms"],
                     r["gc_window_longest_under_ms"],
                     f"{r['gc_pauses_over_10ms_connecting']}"
                     f"/{r['gc_pauses_over_10ms_in_window']}",
                     r["gc_longest_cpu_ms"],
                     r["fanout"]["generator_cpu_pct"])
                    for r in holds
                ],
            )
        )  # fmt: skip
    bigrooms = results.get("bigroom") or []
    if bigrooms:
        out.append(
            "\nbig room (C generator): one room filled, then talked in "
            "(latency in ms; fill cpu% over the fill, srv cpu% over the window)"
        )
        out.append(_grid(*big_room_rows(bigrooms)))
    if results.get("million"):
        out += million_lines(results["million"], _fmt, _grid)
    for r in results.get("overload") or []:
        out.append(
            f"\noverload ({r['server']}): {_fmt(r['high_per_s'])} deliveries/s "
            f"for {_fmt(r['high_s'])} s, then {_fmt(r['low_per_s'])}/s; loss at "
            f"live readers {_fmt(r['loss_live'])}, clients dropped "
            f"{_fmt(r['closed_by_server'])}, p99 < {_fmt(r['recovered_p99_ms'])} ms "
            f"again after {_fmt(r['recovery_s'])} s "
            f"({_fmt(r['windows_over_after_recovery'])} windows over it later); "
            "server RSS "
            f"{_fmt(r['server_rss_before_kib'])} -> max "
            f"{_fmt(r['server_rss_max_kib'])} KiB; generator cpu "
            f"{_fmt(r['generator_cpu_pct'])} %"
        )
        out.append(
            _grid(
                ("t (s)", "offered", "deliv/s", "live loss", "p99", "max",
                 "srv RSS KiB", "srv cpu%"),
                [
                    (w["start_s"], w["offered_per_s"], w["deliveries_per_s"],
                     w["loss_live"], w["p99_ms"], w["max_ms"], w["server_rss_kib"],
                     w["server_cpu_pct"])
                    for w in r["windows"]
                ],
            )
        )  # fmt: skip
    return out


#: Each scenario's heading in the ``--against`` tables (``{...}`` from the config).
AGAINST_TITLES = {
    "sweep": "sweep (C generator): {clients:,} clients, {rooms:,} rooms, "
    "{senders:,} senders, {duration:g} s a run (latency in ms; rates in "
    "deliveries/s; ceiling: the highest rate with p99 < 50 ms and no loss)",
    "storm": "connect storm (C generator): {storm:,} clients connect, name "
    "themselves and join",
    "overload": "overload (C generator): twice the peak for {overload_seconds:g} s, "
    "then {overload_low:,.0f} deliveries/s",
    "hold": "hold (C generator): {hold:,} idle clients held while the fan-out "
    "runs at {hold_rate:,.0f} deliveries/s (latency in ms)",
    "bigroom": "big room (C generator): one room filled to {bigroom_members:,}, "
    "then {bigroom_rate:g} messages/s in it (latency in ms)",
}


def _values(side: dict[str, Any] | None) -> str:
    return " ".join(_fmt(v) for v in side["values"]) if side else "-"


def _spread(side: dict[str, Any] | None) -> str:
    if not side or side["spread"] is None:
        return "-"
    return f"{side['spread'] * 100:.0f} %"


def _paired(paired: dict[str, Any] | None) -> tuple[str, str]:
    """Round by round: the geometric mean of new / old with its 95 %
    interval, and the rounds new was the lower."""
    if not paired:
        return "-", "-"
    return (
        f"{paired['geometric_mean']:.3f} ({paired['low']:.2f}-{paired['high']:.2f})",
        f"{paired['new_lower']}/{paired['rounds']}",
    )


def against_table(report: dict[str, Any]) -> str:
    """An ``--against`` report as text: for each scenario, every figure of
    old and new side by side (each run's value, in run order), new / old of
    their medians, each side's spread, and new / old round by round (its
    geometric mean and 95 % interval, the rounds new was the lower); then
    the reference servers, and the runs that could not be measured."""
    m, against = report["machine"], report["against"]
    old, new = against["old"], against["new"]
    changes = " with uncommitted changes" if new["uncommitted_changes"] else ""
    out = [
        f"machine: {m['nproc']} cores, {m['cpu']}, generator Python {m['python']}",
        f"old: {old['rev']} (commit {old['commit'][:12]}, {old['python']}); "
        f"new: the checkout at {new['commit'][:12]}{changes} ({new['python']})",
        f"{against['rounds']} round(s): at each step every server runs, "
        "chatroom's as old then new, each on a fresh server; values in run "
        "order; new/old of the medians; spread = (max - min) / median; "
        "by round = the geometric mean of each round's new/old (95 % interval)",
    ]
    comparisons = report["comparisons"]
    for scenario, title in AGAINST_TITLES.items():
        mine = [c for c in comparisons if c["scenario"] == scenario]
        if not mine:
            continue
        out.append("\n" + title.format(**report["config"]))
        ours = [c for c in mine if "old" in c["sides"] or "new" in c["sides"]]
        if ours:
            out.append(
                _grid(
                    ("server", "step", "figure", "old", "new", "new/old",
                     "old spread", "new spread", "by round", "new lower"),
                    [
                        (c["server"], c["step"], c["figure"],
                         _values(c["sides"].get("old")),
                         _values(c["sides"].get("new")), c["ratio"],
                         _spread(c["sides"].get("old")),
                         _spread(c["sides"].get("new")),
                         *_paired(c.get("paired")))
                        for c in ours
                    ],
                )
            )  # fmt: skip
        references = [c for c in mine if c not in ours]
        if references:
            out.append("references (the same code on both sides), in every round:")
            out.append(
                _grid(
                    ("server", "step", "figure", "runs", "spread"),
                    [
                        (c["server"], c["step"], c["figure"],
                         _values(c["sides"]["ref"]), _spread(c["sides"]["ref"]))
                        for c in references
                    ],
                )
            )  # fmt: skip
    failed = [r for r in report["runs"] if r["error"] is not None]
    if failed:
        out.append("\nnot measured:")
        out.extend(
            f"  {r['server']} {r['side']}, round {r['round']}, {r['scenario']} "
            f"{r['step']}: {_reason(r['error'])}"
            for r in failed
        )
    return "\n".join(out)


def _reason(error: str) -> str:
    """A failure in one line: its first, and its last when there are more
    (a server's log tail ends with what stopped it, e.g. an option REV's
    server does not have)."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    if len(lines) > 1:
        return f"{lines[0]} ... {lines[-1]}"
    return lines[0] if lines else ""
