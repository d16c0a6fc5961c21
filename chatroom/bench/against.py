"""``--against REV``: the checkout and another revision, alternated in one run.

A speed is a figure only beside a reference doing the same work on the same
machine, under the same generator, in the same run: absolute times move
from machine to machine and from hour to hour, a ratio taken within one run
holds. This runs the C generator's scenarios (sweep, storm, overload, hold,
bigroom) against REV's servers, built by :mod:`chatroom.bench.revisions`,
and the checkout's, in turn. For each scenario, each step of it (a rate, a
room size, a ``--big-room``) and each of ``--rounds`` rounds, every server
of ``--c-servers`` runs once: chatroom's doors (and cluster layouts) as old
(REV), then new (the checkout), a reference server (the baseline, ngIRCd,
InspIRCd: the same code on both sides) once, each on a server started
fresh. So old, new, old, new, with the same generator, at the same step.

Every run's record is kept, and every figure of it is set side by side:
old's values and new's, each side's median and spread ((max - min) /
median), and the ratio of the medians, new / old; a ratio that is not
larger than the spread is noise. A figure that moves more from round to
round than between the sides (a p99 on a shared machine) is read round by
round as well: each round's new / old, their geometric mean with a 95 %
interval, and how many rounds new was the lower (:class:`PairedRounds`),
since old and new of one round run back to back while the rounds of a
run may meet a busier moment of the machine. A run that cannot be
measured is kept with its reason and counts as no figure; the other runs
go on. A sweep is the given rates only, without bisecting (that would
give the two sides different rates); its ceiling is taken per round, over
those rates.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from chatroom.bench.cbigroom import big_room_on, thresholds
from chatroom.bench.cgen import build
from chatroom.bench.chold import hold
from chatroom.bench.cscenarios import CEILING_P99_MS, fanout_on, overload_on, storm_on
from chatroom.bench.errors import BenchError
from chatroom.bench.report import to_json
from chatroom.bench.revisions import build_revision, compile_tree, describe_checkout
from chatroom.bench.sampling import interpreter, machine
from chatroom.bench.servers import ServerCode

#: The two sides, in the order each round runs them.
SIDES = ("old", "new")

#: The side of a server that is not chatroom: the same code for old and new.
REFERENCE = "ref"

#: A scenario's measure of one run: (server kind, the side's options) -> record.
Measure = Callable[[str, argparse.Namespace], Any]

#: The scenarios it alternates, in the order they run.
AGAINST_SCENARIOS = ("sweep", "storm", "overload", "hold", "bigroom")


@dataclass
class SideRun:
    """One run of one server, on one side, in one round."""

    scenario: str
    server: str
    step: str
    side: str
    round: int
    #: The scenario's record (:mod:`chatroom.bench.report`), None when not measured.
    result: Any
    error: str | None = None


@dataclass
class SideFigures:
    """One figure's values on one side, a value per round (None: not measured)."""

    values: list[float | None]
    median: float | None
    #: (max - min) / median, when there are two values or more.
    spread: float | None

    @classmethod
    def of(cls, values: list[float | None]) -> SideFigures:
        known = [v for v in values if v is not None]
        median = statistics.median(known) if known else None
        spread = None
        if len(known) > 1 and median:
            spread = round((max(known) - min(known)) / abs(median), 3)
        return cls(values, None if median is None else round(median, 3), spread)


#: Resamples of the rounds behind :class:`PairedRounds`' interval.
RESAMPLES = 2000


@dataclass
class PairedRounds:
    """new / old taken round by round, over the rounds that measured both
    sides (above zero): the geometric mean of those ratios, a 95 % interval
    for it (a bootstrap over the rounds, seeded, so one report reads the
    same every time it is rendered), and how many rounds new was the lower.
    An interval that holds 1.0 says the run cannot tell the sides apart;
    how wide it is says by how much they could still differ."""

    rounds: int
    geometric_mean: float
    low: float
    high: float
    new_lower: int

    @classmethod
    def of(
        cls, old: list[float | None], new: list[float | None]
    ) -> PairedRounds | None:
        pairs = [
            (o, n)
            for o, n in zip(old, new, strict=False)
            if o is not None and n is not None and o > 0 and n > 0
        ]
        if len(pairs) < 2:
            return None
        logs = [math.log(n / o) for o, n in pairs]
        draw = random.Random(0)
        means = sorted(
            statistics.fmean(draw.choices(logs, k=len(logs))) for _ in range(RESAMPLES)
        )
        low, high = means[int(RESAMPLES * 0.025)], means[int(RESAMPLES * 0.975) - 1]
        return cls(
            rounds=len(pairs),
            geometric_mean=round(math.exp(statistics.fmean(logs)), 3),
            low=round(math.exp(low), 3),
            high=round(math.exp(high), 3),
            new_lower=sum(n < o for o, n in pairs),
        )


@dataclass
class Comparison:
    """One figure of one server at one step: each side's values, and new / old."""

    scenario: str
    server: str
    step: str
    figure: str
    sides: dict[str, SideFigures]
    ratio: float | None
    #: new / old round by round (two rounds or more measured on both sides).
    paired: PairedRounds | None = None


@dataclass
class AgainstReport:
    """Everything one ``--against`` command measured, and the comparisons."""

    machine: dict[str, Any]
    config: dict[str, Any]
    #: The rounds, and what old and new are (revision, commit, interpreter).
    against: dict[str, Any]
    runs: list[SideRun]
    comparisons: list[Comparison]


def _at(*path: str) -> Callable[[dict[str, Any]], float | None]:
    """A figure read from a run's JSON by its keys (None where it has none)."""

    def read(run: dict[str, Any]) -> float | None:
        value: Any = run
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, int | float) else None

    return read


def _cpu_ms_per_client(run: dict[str, Any]) -> float | None:
    """A storm's server CPU per client, in ms (CPU % over the storm's time)."""
    pct, seconds, clients = run["server_cpu_pct"], run["seconds"], run["clients"]
    if pct is None or not clients:
        return None
    return round(pct / 100 * seconds * 1000 / clients, 3)


def _fill_cpu_s(run: dict[str, Any]) -> float | None:
    """A big room's server CPU over its fill, in seconds."""
    pct = run["fill_server_cpu_pct"]
    return None if pct is None else round(pct / 100 * run["fill_seconds"], 2)


Figure = tuple[str, Callable[[dict[str, Any]], float | None]]

#: What is compared of each scenario's runs: (name, how it is read).
FIGURES: dict[str, list[Figure]] = {
    "sweep": [
        ("deliv/s", _at("deliveries_per_s")),
        ("loss", _at("loss")),
        ("p50 ms", _at("latency_ms", "p50")),
        ("p99 ms", _at("latency_ms", "p99")),
        ("max ms", _at("latency_ms", "max")),
        ("srv cpu%", _at("server_cpu_pct")),
        ("srv us/deliv", _at("server_cpu_us_per_delivery")),
        ("redis us/deliv", _at("redis_cpu_us_per_delivery")),
        ("srv RSS KiB", _at("server_rss_kib")),
        ("gen cpu%", _at("generator_cpu_pct")),
    ],
    "storm": [
        ("conn/s", _at("connects_per_s")),
        ("KiB/client", _at("server_kib_per_client")),
        ("srv cpu%", _at("server_cpu_pct")),
        ("srv ms/client", _cpu_ms_per_client),
        ("gen cpu%", _at("generator_cpu_pct")),
    ],
    "overload": [
        ("recovery s", _at("recovery_s")),
        ("live loss", _at("loss_live")),
        ("dropped", _at("closed_by_server")),
        ("RSS max KiB", _at("server_rss_max_kib")),
    ],
    "hold": [
        ("conn/s", _at("connects_per_s")),
        ("conn cpu ms", _at("connect_cpu_ms_per_client")),
        ("redis cpu ms", _at("redis_connect_cpu_ms_per_client")),
        ("redis calls", _at("redis_calls_per_client")),
        ("KiB/idle", _at("server_kib_per_idle")),
        ("loss", _at("fanout", "loss")),
        ("p50 ms", _at("fanout", "latency_ms", "p50")),
        ("p99 ms", _at("fanout", "latency_ms", "p99")),
        ("srv cpu%", _at("fanout", "server_cpu_pct")),
        ("srv us/deliv", _at("fanout", "server_cpu_us_per_delivery")),
        ("gc max cpu ms", _at("gc_longest_cpu_ms")),
    ],
    "bigroom": [
        ("joins/s", _at("joins_per_s")),
        ("fill cpu s", _fill_cpu_s),
        ("loss", _at("loss")),
        ("p50 ms", _at("latency_ms", "p50")),
        ("p99 ms", _at("latency_ms", "p99")),
        ("srv cpu%", _at("server_cpu_pct")),
    ],
}


def sides_of(kind: str) -> tuple[str, ...]:
    """Old and new for chatroom's servers; one run for a reference."""
    return SIDES if kind.startswith("chatroom") else (REFERENCE,)


class Alternation:
    """The runs of one ``--against`` command, in the order they are made."""

    def __init__(self, options: argparse.Namespace, old: ServerCode) -> None:
        self.options = options
        self.codes = {"old": old, "new": ServerCode.of(options)}
        self.runs: list[SideRun] = []

    def side_options(self, side: str) -> argparse.Namespace:
        """The options a side's servers start with: its code, all else alike."""
        options = argparse.Namespace(**vars(self.options))
        if side in self.codes:
            options.server_code = self.codes[side]
        return options

    def steps(self, scenario: str) -> Iterator[tuple[str, list[tuple[str, Measure]]]]:
        """Each step of ``scenario``: its label and what each server runs."""
        options, kinds = self.options, self.options.c_servers
        if scenario == "sweep":
            for rate in options.sweep:
                measure: Measure = partial(fanout_on, rate=rate)
                yield f"{rate:,.0f}/s", [(kind, measure) for kind in kinds]
        elif scenario == "storm":
            for size in options.storm_room_sizes:
                measure = partial(storm_on, room_size=size)
                yield f"rooms of {size:,}", [(kind, measure) for kind in kinds]
        elif scenario == "overload":
            yield "overload", [(kind, self.overload(kind)) for kind in kinds]
        elif scenario == "hold":
            chatroom = [kind for kind in kinds if kind.startswith("chatroom")]
            yield f"{options.hold:,} idle", [(kind, hold) for kind in chatroom]
        elif scenario == "bigroom":
            labels: dict[int | None, list[tuple[str, Measure]]] = {}
            for kind in kinds:
                for threshold in thresholds(kind, options):
                    measure = partial(big_room_on, threshold=threshold)
                    labels.setdefault(threshold, []).append((kind, measure))
            for threshold, servers in labels.items():
                label = (
                    "every join told"
                    if threshold is None
                    else f"--big-room {threshold}"
                )
                yield label, servers

    def overload(self, kind: str) -> Measure:
        """Overload's measure for ``kind``: ``--overload-rate``, else twice the
        highest ceiling either side of it reached in this run's sweep (else
        400,000), the same rate for both sides."""
        per_side = ceilings_per_round(self.runs, kind).values()
        ceilings = [ceiling for side in per_side for ceiling in side if ceiling]
        high = self.options.overload_rate or 2 * max(ceilings, default=200_000)
        return partial(overload_on, high=high)

    def run(self, scenarios: list[str]) -> None:
        """The chosen scenarios in order; at each step, ``--rounds`` times,
        every server (chatroom's old, then new), each run kept."""
        rounds = self.options.rounds
        for scenario in [s for s in AGAINST_SCENARIOS if s in scenarios]:
            for label, servers in self.steps(scenario):
                for number in range(1, rounds + 1):
                    for kind, measure in servers:
                        for side in sides_of(kind):
                            self.runs.append(
                                self.one(scenario, label, kind, side, number, measure)
                            )

    def one(
        self,
        scenario: str,
        step: str,
        kind: str,
        side: str,
        number: int,
        measure: Measure,
    ) -> SideRun:
        """One run on a fresh server; a failure is kept with its reason."""
        try:
            result = measure(kind, self.side_options(side))
        except (BenchError, OSError) as error:
            return SideRun(scenario, kind, step, side, number, None, str(error))
        return SideRun(scenario, kind, step, side, number, result)


def ceilings_per_round(runs: list[SideRun], kind: str) -> dict[str, list[float | None]]:
    """Each side's sweep ceiling in each round: the highest offered rate
    with no loss and p99 under the bound, over that round's rates."""
    found: dict[str, dict[int, float | None]] = {}
    for run in runs:
        if run.scenario != "sweep" or run.server != kind:
            continue
        rounds = found.setdefault(run.side, {})
        best = rounds.setdefault(run.round, None)
        record = run.result
        if record is None or record.loss or record.latency_ms.p99 is None:
            continue
        if record.latency_ms.p99 < CEILING_P99_MS:
            rounds[run.round] = max(best or 0.0, record.offered_per_s)
    return {side: [rounds[n] for n in sorted(rounds)] for side, rounds in found.items()}


def compare(runs: list[SideRun]) -> list[Comparison]:
    """Every figure of every server at every step, the sides side by side."""
    groups: dict[tuple[str, str, str], dict[str, list[dict[str, Any] | None]]] = {}
    for run in runs:
        group = groups.setdefault((run.scenario, run.server, run.step), {})
        group.setdefault(run.side, []).append(to_json(run.result))
    comparisons = []
    for (scenario, server, step), sides in groups.items():
        for name, read in FIGURES[scenario]:
            values = {  # a run not measured has no figures
                side: [None if r is None else read(r) for r in records]
                for side, records in sides.items()
            }
            if any(v is not None for vs in values.values() for v in vs):
                comparisons.append(_comparison(scenario, server, step, name, values))
    servers = {run.server for run in runs if run.scenario == "sweep"}
    for server in sorted(servers):
        values = ceilings_per_round(runs, server)
        comparisons.append(_comparison("sweep", server, "ceiling", "ceiling/s", values))
    return comparisons


def _comparison(
    scenario: str,
    server: str,
    step: str,
    figure: str,
    values: dict[str, list[float | None]],
) -> Comparison:
    sides = {side: SideFigures.of(v) for side, v in values.items()}
    old, new = sides.get("old"), sides.get("new")
    ratio = paired = None
    if old and new and old.median and new.median is not None:
        ratio = round(new.median / old.median, 3)
    if old and new:
        paired = PairedRounds.of(old.values, new.values)
    return Comparison(scenario, server, step, figure, sides, ratio, paired)


def run_against(options: argparse.Namespace) -> AgainstReport:
    """Build ``--against``'s revision, then alternate it with the checkout."""
    build()  # compile the C generator before any server starts
    revision = build_revision(options.against)
    checkout = describe_checkout()
    alternation = Alternation(options, revision.code)
    compile_tree(alternation.codes["new"].root)  # both sides start from bytecode
    new_python = alternation.codes["new"].python
    report = AgainstReport(
        machine=machine() | {"server_interpreter": interpreter(new_python)},
        config={
            k: v for k, v in vars(options).items() if k not in ("scenarios", "json")
        },
        against={
            "rounds": options.rounds,
            "order": "each step: every server, chatroom's as old then new, "
            "repeated for each round; each run on a fresh server",
            "old": {
                "rev": revision.rev,
                "commit": revision.commit,
                "root": str(revision.code.root),
                "python": interpreter(revision.code.python),
            },
            "new": checkout | {"python": interpreter(new_python)},
        },
        runs=alternation.runs,
        comparisons=[],
    )
    alternation.run(options.scenarios)
    report.comparisons = compare(alternation.runs)
    return report
