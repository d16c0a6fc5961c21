"""``chatroom-bench``: fan-out, capacity and slow-reader figures, with a baseline.

This process only coordinates: it starts (or is pointed at) the server,
starts the load-generator workers (``chatroom.bench.worker``, one Twisted
reactor each, in separate processes), tells them when to start, samples the
server's CPU and memory from ``/proc`` and turns the workers' histograms into
a table and a JSON report. It never runs a reactor itself, so it can be
called from a test that has one.

Every figure is beside the generator's own CPU use: on a 2-core machine a
saturated generator would otherwise look like a slow server.

With ``--nodes N`` the fan-out runs against a cluster instead: a private
``redis-server`` and N ``twistd chatroom --redis`` nodes, each room's members
spread over the nodes, and the CPU of every node and of Redis reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from chatroom.bench.servers import (
    BASELINE_SCRIPT,
    Cluster,
    ServerProcess,
    Target,
    child_env,
    find_redis_server,
    start_cluster,
    start_server,
)
from chatroom.bench.stats import merge, summarize
from chatroom.bench.worker import raise_nofile_limit

SCENARIOS = ("fanout", "capacity", "slow-reader", "baseline")

#: ``twistd chatroom`` options for a server the benchmark starts: no flood
#: limit or per-address cap (all clients come from 127.0.0.1).
SERVER_OPTIONS = ["--rate", "0", "--max-per-ip", "0", "--max-clients", "0"]

#: The p99 bound (ms) a run must meet to count towards the peak.
P99_BOUND_MS = 5.0

NO_REDIS = (
    "--nodes needs a redis-server: none on the PATH or at /usr/bin/redis-server "
    "(install Debian's redis-server, or give --redis-server PATH)"
)


class BenchError(Exception):
    """The run could not be carried out (not: the server was slow)."""


class WorkerGroup:
    """The load-generator processes of one run, spoken to in JSON lines."""

    def __init__(self, spec: dict[str, Any], count: int) -> None:
        self.selector = selectors.DefaultSelector()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.buffers: dict[int, bytes] = {}
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        for worker in range(count):
            worker_spec = dict(spec, worker=worker, workers=count)
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "chatroom.bench.worker",
                    json.dumps(worker_spec),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=child_env(),
            )
            self.processes.append(process)
            assert process.stdout is not None
            self.buffers[process.stdout.fileno()] = b""
            self.selector.register(process.stdout, selectors.EVENT_READ, worker)

    def collect(self, key: str, timeout: float) -> list[dict[str, Any]]:
        """One ``{key: ...}`` message from every worker, within ``timeout``."""
        got: dict[int, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(self.processes):
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"workers sent no {key!r} within {timeout:.0f} s")
            for selected, _ in self.selector.select(min(left, 1.0)):
                worker = selected.data
                fd = selected.fd
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self.selector.unregister(selected.fileobj)
                    if worker not in got:
                        raise BenchError(
                            f"worker {worker} exited early:\n{self.errors()}"
                        )
                    continue
                self.buffers[fd] += chunk
                while b"\n" in self.buffers[fd]:
                    line, _, rest = self.buffers[fd].partition(b"\n")
                    self.buffers[fd] = rest
                    message = json.loads(line)
                    if key in message:
                        got[worker] = message[key] if key == "result" else message
        return [got[w] for w in range(len(self.processes))]

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(data)
            process.stdin.flush()

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-3000:].decode(errors="replace")

    def close(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        self.selector.close()
        self.stderr.close()


def _base_spec(
    servers: Sequence[Target], options: argparse.Namespace
) -> dict[str, Any]:
    """What every worker is told; clients spread over ``servers`` (see worker)."""
    return {
        "host": servers[0].host,
        "port": servers[0].port,
        "servers": [(server.host, server.port) for server in servers],
        "tag": secrets.token_hex(3),
        "concurrency": options.concurrency,
        "drain_idle": options.drain_idle,
        "drain_max": options.drain_max,
    }


def _cpu_percent(seconds: float | None, wall: float) -> float | None:
    if seconds is None or wall <= 0:
        return None
    return round(100 * seconds / wall, 1)


def _total(values: Sequence[float | int | None]) -> Any:
    """The sum, or None if any part is unknown (a half-known total misleads)."""
    if not values or None in values:
        return None
    return round(sum(v for v in values if v is not None), 1)


def _connect(group: WorkerGroup, clients: int, timeout: float) -> list[dict[str, Any]]:
    readies = group.collect("ready", timeout)
    failures = sum(r["error_count"] for r in readies)
    if failures:
        examples = [e for r in readies for e in r["errors"]][:5]
        raise BenchError(f"{failures} of {clients} clients could not join: {examples}")
    return readies


def run_fanout(
    servers: Sequence[Target],
    options: argparse.Namespace,
    rate: float,
    slow: bool = False,
    redis: Target | None = None,
) -> dict[str, Any]:
    """One fan-out run at ``rate`` messages/s per sender (optionally slow-reader).

    With ``slow``, a non-sending member of room 0 stops reading after the
    first measured window; the other members of room 0 are timed in both
    windows ("before" and "during").

    Several ``servers`` are the nodes of a cluster whose Redis is ``redis``:
    each room's members are spread over them, and the report adds every
    node's CPU and memory, Redis's, and the deliveries to each node's clients.
    """
    clients, rooms, senders = options.clients, options.rooms, options.senders
    warm, duration = options.warmup, options.duration
    if slow:
        # The stalled socket's kernel buffers take megabytes before the
        # server's own send queue fills, so "during" may be longer.
        during = max(duration, options.slow_duration)
        windows = [
            ("before", warm, warm + duration),
            ("during", warm + duration, warm + duration + during),
        ]
    else:
        windows = [("measure", warm, warm + duration)]
    slow_index = _slow_member(clients, rooms, senders) if slow else None
    spec = _base_spec(servers, options) | {
        "clients": clients,
        "rooms": rooms,
        "senders": senders,
        "rate": rate,
        "message_size": options.message_size,
        "track_message_size": options.slow_message_size if slow else 0,
        "windows": windows,
        "send_end": windows[-1][2],
        "slow": slow_index,
        "slow_at": warm + duration,
        "track_room": 0 if slow else None,
    }
    group = WorkerGroup(spec, options.workers)
    try:
        _connect(group, clients, options.connect_timeout)
        t0 = time.time() + 0.5
        group.send({"start": t0})
        watched = [*servers, redis] if redis is not None else list(servers)
        samples = _monitor(watched, t0, [w[1] for w in windows] + [windows[-1][2]])
        results = group.collect("result", windows[-1][2] + options.drain_max + 60)
    finally:
        group.close()
    nodes = len(servers) if redis is not None else 0
    # tracked[room][server]: members whose deliveries are counted.
    tracked = [[0] * len(servers) for _ in range(rooms)]
    for index in range(clients):
        if not slow or (index % rooms == 0 and index != slow_index):
            tracked[index % rooms][(index // rooms) % len(servers)] += 1
    report: dict[str, Any] = {
        "server": f"cluster-{nodes}" if nodes else servers[0].label,
        "nodes": nodes,
        "clients": clients,
        "rooms": rooms,
        "senders": senders,
        "rate": rate,
        "duration": duration,
        "message_size": options.message_size,
        "slow_room_message_size": options.slow_message_size if slow else None,
    }
    cpu = [r["cpu"] for r in results if r["cpu"]]
    wall = max((c["wall"] for c in cpu), default=0.0)
    report["generator_cpu_pct"] = _cpu_percent(sum(c["seconds"] for c in cpu), wall)
    report["generator_processes"] = len(results)
    report["server_complaints"] = sum(r["complaint_count"] for r in results)
    report["server_complaint_examples"] = [
        line for r in results for line in r["complaints"]
    ][:10]
    for position, (name, start, end) in enumerate(windows):
        parts = [r["windows"][position] for r in results]
        histogram = merge(
            [{int(k): v for k, v in p["histogram"].items()} for p in parts]
        )
        sent = [0] * rooms
        for part in parts:
            for room, count in part["sent"].items():
                sent[int(room)] += count
        expected_by = [
            sum(sent[room] * tracked[room][server] for room in range(rooms))
            for server in range(len(servers))
        ]
        received_by = [
            sum(p["received_by_server"][server] for p in parts)
            for server in range(len(servers))
        ]
        received = sum(p["received"] for p in parts)
        cpu = [
            _cpu_percent(b - a, end - start)
            if a is not None and b is not None
            else None
            for (a, _), (b, _) in zip(
                samples[position], samples[position + 1], strict=True
            )
        ]
        rss = [peak for _, peak in samples[position + 1]]
        window = {
            "sent": sum(sent),
            "expected": sum(expected_by),
            "received": received,
            "loss": sum(expected_by) - received,
            "deliveries_per_s": round(received / (end - start), 1),
            "latency_ms": summarize(histogram, max(p["max_us"] for p in parts)),
            # In a cluster: all nodes together, without Redis (given apart).
            "server_cpu_pct": _total(cpu[: len(servers)]),
            "server_rss_kib": _total(rss[: len(servers)]),
        }
        if nodes:
            window |= {
                "node_cpu_pct": cpu[:nodes],
                "node_rss_kib": rss[:nodes],
                "redis_cpu_pct": cpu[nodes],
                "redis_rss_kib": rss[nodes],
                "expected_by_node": expected_by,
                "received_by_node": received_by,
            }
        report[name] = window
    if slow:
        drops = [r["drop"] for r in results if r["drop"]]
        first = min(drops, default=None)
        report["slow_member"] = slow_index
        report["dropped_after_s"] = round(first[0], 3) if first else None
        report["drop_reason"] = first[1] if first else None
        report["server_rss_max_kib"] = max(
            (s[0][1] for s in samples if s[0][1] is not None), default=None
        )
        before = report["before"]["latency_ms"]["p99"]
        during = report["during"]["latency_ms"]["p99"]
        report["p99_change_ms"] = (
            round(during - before, 3) if None not in (before, during) else None
        )
    else:
        report.update(report.pop("measure"))
    return report


def run_cluster_fanout(
    cluster: Cluster, options: argparse.Namespace, rate: float
) -> dict[str, Any]:
    """A fan-out run against ``cluster``, with what its nodes logged meanwhile.

    A node that lost Redis, timed out a script or failed says so only in its
    log; those lines (warnings and worse) are counted into the report, so a
    run that looks fine by its figures cannot hide them.
    """
    for node in cluster.nodes:
        node.log_problems()  # skip whatever came before this run
    report = run_fanout(
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
    report["node_log_problems"] = len(problems)
    report["node_log_problem_examples"] = problems[:10]
    return report


def _slow_member(clients: int, rooms: int, senders: int) -> int:
    """A member of room 0 that does not send (the last one)."""
    candidates = [i for i in range(clients) if i % rooms == 0 and i >= senders]
    if not candidates:
        raise BenchError("slow-reader needs a non-sending member in room 0")
    return candidates[-1]


def _monitor(
    targets: Sequence[Target], t0: float, marks: list[float]
) -> list[list[tuple[float | None, int | None]]]:
    """Each process's (CPU seconds, RSS KiB) at each mark.

    ``samples[mark][process]``; RSS is the maximum seen since the last mark.
    """
    samples: list[list[tuple[float | None, int | None]]] = []
    peaks: list[int | None] = [None] * len(targets)
    for mark in marks:
        while True:
            left = t0 + mark - time.time()
            for position, target in enumerate(targets):
                rss, peak = target.rss_kib(), peaks[position]
                if rss is not None:
                    peaks[position] = rss if peak is None else max(peak, rss)
            if left <= 0:
                break
            time.sleep(min(left, 0.25))
        samples.append(
            [(t.cpu_seconds(), peak) for t, peak in zip(targets, peaks, strict=True)]
        )
        peaks = [None] * len(targets)
    return samples


def run_capacity(
    target: Target, options: argparse.Namespace, clients: int
) -> dict[str, Any]:
    """Connect, name and seat ``clients`` idle clients; rate and memory each."""
    rooms = max(1, -(-clients // options.capacity_room_size))
    spec = _base_spec([target], options) | {
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
        readies = _connect(group, clients, options.connect_timeout)
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
    report: dict[str, Any] = {
        "server": target.label,
        "clients": clients,
        "rooms": rooms,
        "seconds": round(seconds, 3),
        "connects_per_s": round(clients / seconds, 1) if seconds > 0 else None,
        "server_rss_before_kib": rss_before,
        "server_rss_after_kib": rss_after,
        "server_kib_per_client": (
            round((rss_after - rss_before) / clients, 2)
            if rss_before is not None and rss_after is not None
            else None
        ),
        "generator_cpu_pct": _cpu_percent(sum(r["cpu"] for r in readies), seconds),
        "server_cpu_pct": (
            _cpu_percent(cpu_after - cpu_before, seconds)
            if cpu_before is not None and cpu_after is not None
            else None
        ),
    }
    return report


def _peak(runs: list[dict[str, Any]]) -> float | None:
    """Best deliveries/s among runs without loss and with p99 under the bound."""
    good = [
        r["deliveries_per_s"]
        for r in runs
        if r["loss"] == 0
        and r["latency_ms"]["p99"] is not None
        and r["latency_ms"]["p99"] <= P99_BOUND_MS
    ]
    return max(good, default=None)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def _interpreter(options: argparse.Namespace) -> str:
    """Which Python the servers we start run on (e.g. ``PyPy 3.9.16``)."""
    if options.connect:
        return "unknown (--connect)"
    probe = "import platform as p; print(p.python_implementation(), p.python_version())"
    try:
        return subprocess.run(
            [options.server_python or sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchError(f"cannot run {options.server_python}: {error}") from None


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen scenarios; return the whole report."""
    report: dict[str, Any] = {
        "machine": machine() | {"server_interpreter": _interpreter(options)},
        "config": {
            k: v for k, v in vars(options).items() if k not in ("scenarios", "json")
        },
        "scenarios": {},
    }
    scenarios = options.scenarios or list(SCENARIOS)
    results = report["scenarios"]

    def chat_server(extra: list[str]) -> tuple[Target, ServerProcess | None]:
        if options.connect:
            host, _, port = options.connect.rpartition(":")
            return Target(host, int(port), options.server_pid), None
        started = start_server(
            "chatroom",
            options.server_python,
            [*SERVER_OPTIONS, "--db", options.db, *extra],
        )
        return started.target, started

    def with_server(kind: str, extra: list[str], body: Any) -> Any:
        if kind == "baseline":
            if not BASELINE_SCRIPT.exists():
                raise BenchError(f"no baseline server at {BASELINE_SCRIPT}")
            started: ServerProcess | None = start_server(
                "baseline", options.server_python
            )
            assert started is not None
            target = started.target
        else:
            target, started = chat_server(extra)
        try:
            return body(target)
        except BenchError as error:
            if started is None:
                raise
            raise BenchError(
                f"{error}\nserver log tail:\n{started.log_tail()}"
            ) from None
        finally:
            if started is not None:
                started.stop()

    def with_cluster(extra: list[str], body: Any) -> Any:
        redis_server = options.redis_server or find_redis_server()
        if redis_server is None:
            raise BenchError(NO_REDIS)
        try:
            cluster: Cluster = start_cluster(
                options.nodes,
                redis_server,
                options.server_python,
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
            lambda t: run_fanout([t], options, options.rate[0], slow=True),
        )
    report["ratios"] = _ratios(results)
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
            pa, pb = a["latency_ms"]["p99"], b["latency_ms"]["p99"]
            per_rate.append(
                {
                    "rate": a["rate"],
                    "deliveries_ratio": (
                        round(a["deliveries_per_s"] / b["deliveries_per_s"], 3)
                        if b["deliveries_per_s"]
                        else None
                    ),
                    "p99_ratio": round(pa / pb, 3) if pa and pb else None,
                }
            )
        ratios["per_rate"] = per_rate
    if "capacity" in results and "baseline_capacity" in results:
        a, b = results["capacity"], results["baseline_capacity"]
        if a["server_kib_per_client"] and b["server_kib_per_client"]:
            ratios["kib_per_client_ratio"] = round(
                a["server_kib_per_client"] / b["server_kib_per_client"], 3
            )
        if a["connects_per_s"] and b["connects_per_s"]:
            ratios["connect_rate_ratio"] = round(
                a["connects_per_s"] / b["connects_per_s"], 3
            )
    return ratios


def _fmt(value: Any) -> str:
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
        first = next(iter(results.get("fanout", results.get("baseline", []))), {})
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
    ratios = report.get("ratios") or {}
    if ratios:
        out.append("\nratios (chatroom / baseline): " + json.dumps(ratios))
    return "\n".join(out)


def _grid(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(header)] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chatroom-bench",
        description="Load-test a chatroom server: fan-out latency, capacity, "
        "slow readers, against a bare Twisted baseline.",
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (default: all)",
    )
    add = parser.add_argument
    add("--clients", type=int, default=1000, help="fan-out clients (default 1000)")
    add("--rooms", type=int, default=10, help="fan-out rooms (default 10)")
    add("--senders", type=int, default=100, help="clients that send (default 100)")
    add(
        "--rate",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[10.0],
        help="messages/s per sender; a comma list runs each (default 10)",
    )
    add("--duration", type=float, default=10.0, help="measured seconds (default 10)")
    add("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    add("--message-size", type=int, default=64, help="bytes of message text")
    add("--capacity", type=int, default=10000, help="capacity clients (10000)")
    add("--capacity-room-size", type=int, default=100, help="members per room")
    add(
        "--slow-message-size",
        type=int,
        default=4000,
        help="text bytes in the slow reader's room (default 4000)",
    )
    add(
        "--slow-duration",
        type=float,
        default=20.0,
        help="seconds measured after the slow reader stalls (default 20)",
    )
    add("--sendq", type=int, default=16 * 1024 * 1024, help="server --sendq")
    add("--slow-sendq", type=int, default=65536, help="server --sendq, slow-reader")
    add("--workers", type=int, default=1, help="generator processes (default 1)")
    add("--concurrency", type=int, default=100, help="connects in flight per worker")
    add("--connect-timeout", type=float, default=300.0, help="seconds to join all")
    add("--drain-idle", type=float, default=0.5, help="quiet seconds ending a run")
    add("--drain-max", type=float, default=10.0, help="longest drain after sending")
    add(
        "--nodes",
        type=int,
        default=0,
        help="fan-out against a cluster of N nodes sharing a redis-server the "
        "benchmark starts (default 0: one server, no Redis)",
    )
    add("--redis-server", help="redis-server binary for --nodes (default: PATH)")
    add("--connect", metavar="HOST:PORT", help="use this running server instead")
    add("--server-pid", type=int, help="its process id, for CPU and memory")
    add("--server-python", help="interpreter for servers we start (e.g. pypy3)")
    add(
        "--db",
        default=":memory:",
        help="server --db: an SQLite file to measure with the store on "
        "(default :memory:, nothing kept)",
    )
    add("--json", metavar="PATH", help="write the JSON report here ('-': stdout)")
    options = parser.parse_args(argv)
    unknown = set(options.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {SCENARIOS}")
    if options.connect and ":" not in options.connect:
        parser.error("--connect wants HOST:PORT")
    if options.nodes < 0:
        parser.error("--nodes wants 0 (one server) or more nodes")
    if options.nodes and options.connect:
        parser.error("--nodes starts its own cluster; it cannot go with --connect")
    return options


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers we started are stopped too."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chatroom-bench`` and ``python -m chatroom.bench``."""
    options = parse_args(argv)
    raise_nofile_limit()
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        report = run(options)
    except BenchError as error:
        print(f"chatroom-bench: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    text = table(report)
    if options.json == "-":
        print(text, file=sys.stderr)
        print(json.dumps(report, indent=2))
    else:
        print(text)
        if options.json:
            Path(options.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
