"""Smoke tests of ``chatroom-bench``: every scenario, tiny, through the real CLI.

They check that the benchmark works end to end (server and generator
processes, histograms, report) and that its JSON report is complete and
consistent. They never assert a timing: this machine's speed is not a bug.

The cluster mode (``--nodes``) needs a real ``redis-server``; without one
its test is skipped with the reason, unless ``CHATROOM_REQUIRE_REDIS`` is
set (CI), where it fails instead, as the cluster tests do.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from twisted.trial import unittest

from chatroom.bench import idle
from chatroom.bench.against import AgainstReport, SideRun, compare
from chatroom.bench.cgen import build, find_compiler
from chatroom.bench.errors import BenchError
from chatroom.bench.main import main
from chatroom.bench.references import REFERENCES
from chatroom.bench.render import against_table, table
from chatroom.bench.report import StormRun, to_json
from chatroom.bench.revisions import build_revision, builds_dir, commit_of
from chatroom.bench.sampling import proc_memory_kib
from chatroom.bench.servers import (
    PROJECT_ROOT,
    ServerCode,
    find_redis_server,
    start_door_nodes,
)

REDIS_SERVER = find_redis_server()
NO_REDIS = (
    "redis-server is not installed (make test installs Debian's redis-server "
    "when it runs as root with apt-get; otherwise install it yourself)"
)

#: 6 clients in 2 rooms (3 each), senders 0-2 (rooms 0, 1, 0), 5 msg/s for 1 s.
TINY = [
    "--clients", "6", "--rooms", "2", "--senders", "3", "--rate", "5",
    "--duration", "1", "--warmup", "0.3", "--capacity", "12",
    "--drain-idle", "0.3", "--workers", "2", "--slow-duration", "1",
]  # fmt: skip

LATENCY_KEYS = ("p50", "p90", "p99", "p99_9", "max")


class BenchTestCase(unittest.TestCase):
    """Running the CLI and checking a fan-out report, for the tests below."""

    timeout = 60

    def run_bench(self, *scenarios: str, options: list[str] = TINY) -> dict[str, Any]:
        """Run the CLI entry point and return the JSON report it wrote."""
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "report.json"
            status = main([*scenarios, *options, "--json", str(path)])
            self.assertEqual(status, 0)
            report: dict[str, Any] = json.loads(path.read_text())
        for key in ("nproc", "cpu", "python", "server_interpreter"):
            self.assertIn(key, report["machine"])
        return report

    def assert_latency_sane(self, latency: dict[str, Any], count: int) -> None:
        """Percentiles present, non-negative and in order; one per delivery."""
        values = [latency[key] for key in LATENCY_KEYS]
        self.assertNotIn(None, values)
        self.assertGreaterEqual(values[0], 0)
        self.assertEqual(values, sorted(values))
        self.assertEqual(latency["count"], count)

    def assert_fanout_run(self, run: dict[str, Any], server: str) -> None:
        """15 messages (3 senders x 5), each delivered to its 3 room members."""
        self.assertEqual(run["server"], server)
        self.assertEqual(run["sent"], 15)
        self.assertEqual(run["expected"], 3 * run["sent"])
        self.assertEqual(run["received"], run["expected"])
        self.assertEqual(run["loss"], 0)
        self.assertEqual(run["deliveries_per_s"], run["received"] / run["duration"])
        self.assert_latency_sane(run["latency_ms"], run["received"])
        self.assertIsNotNone(run["server_rss_kib"])
        self.assertIsNotNone(run["server_cpu_pct"])
        self.assertIsNotNone(run["generator_cpu_pct"])
        self.assertEqual(run["generator_processes"], 2)
        self.assertEqual(run["server_complaints"], 0, run["server_complaint_examples"])


class BenchSmokeTests(BenchTestCase):
    """Each scenario at tiny scale; the report must be whole and add up."""

    def test_fanout(self) -> None:
        """Fan-out against a chatroom server the benchmark starts: no loss."""
        report = self.run_bench("fanout")
        (run,) = report["scenarios"]["fanout"]
        self.assert_fanout_run(run, "chatroom")

    def test_baseline(self) -> None:
        """The same fan-out against the bare baseline server, with ratios."""
        report = self.run_bench("fanout", "baseline")
        (ours,) = report["scenarios"]["fanout"]
        (theirs,) = report["scenarios"]["baseline"]
        self.assert_fanout_run(ours, "chatroom")
        self.assert_fanout_run(theirs, "baseline")
        ratios = report["ratios"]
        self.assertIn("peak_deliveries_per_s", ratios)
        self.assertEqual(ratios["per_rate"][0]["deliveries_ratio"], 1.0)

    def test_capacity(self) -> None:
        """Every idle client connects, names itself and joins; memory is read."""
        report = self.run_bench("capacity")
        capacity = report["scenarios"]["capacity"]
        self.assertEqual(capacity["clients"], 12)
        self.assertEqual(capacity["rooms"], 1)
        self.assertGreater(capacity["connects_per_s"], 0)
        self.assertGreater(capacity["server_rss_before_kib"], 0)
        self.assertGreater(capacity["server_rss_after_kib"], 0)
        self.assertIsInstance(capacity["server_kib_per_client"], float)
        self.assertIsNotNone(capacity["server_cpu_pct"])

    def test_slow_reader(self) -> None:
        """The slow member's room-mates get everything, before and during."""
        report = self.run_bench("slow-reader")
        slow = report["scenarios"]["slow-reader"]
        self.assertEqual(slow["slow_member"], 4)  # room 0: 0, 2, 4; 0 and 2 send
        for phase in ("before", "during"):
            window = slow[phase]
            # room 0's senders (0 and 2) send 10 messages a phase; 2 others hear.
            self.assertEqual(window["sent"], 15)
            self.assertEqual(window["expected"], 2 * 10)
            self.assertEqual(window["received"], window["expected"])
            self.assertEqual(window["loss"], 0)
            self.assert_latency_sane(window["latency_ms"], window["received"])
        self.assertIn("dropped_after_s", slow)
        self.assertIn("drop_reason", slow)
        self.assertIsNotNone(slow["p99_change_ms"])
        self.assertGreater(slow["server_rss_max_kib"], 0)

    def test_nodes_refuse_connect(self) -> None:
        """A cluster is always one the benchmark starts, never a running server."""
        with self.assertRaises(SystemExit):
            main(["fanout", "--nodes", "2", "--connect", "127.0.0.1:1"])


class ClusterBenchSmokeTests(BenchTestCase):
    """Fan-out through a real Redis and two real nodes the benchmark starts."""

    if REDIS_SERVER is None and not os.environ.get("CHATROOM_REQUIRE_REDIS"):
        skip = NO_REDIS

    def setUp(self) -> None:
        if REDIS_SERVER is None:  # CI asked for Redis to be there: fail, loudly
            self.fail(NO_REDIS)

    def test_hold_on_two_nodes_sharing_a_port(self) -> None:
        """Two nodes on one port (--reuse-port): the kernel gives both some of
        the idle clients, and the fan-out, its rooms spread over both,
        delivers everything."""
        if COMPILER is None:
            self.skipTest(NO_COMPILER)
        report = self.run_bench(
            "hold",
            options=[*C_TINY, "--hold", "40", "--hold-rate", "30",
                     "--hold-nodes", "2", "--c-servers", "chatroom"],
        )  # fmt: skip
        (run,) = report["scenarios"]["hold"]
        self.assertEqual(run["nodes"], 2)
        per_node = run["connections_per_node"]
        self.assertEqual(len(per_node), 2)
        self.assertEqual(sum(per_node), 40)
        self.assertTrue(all(count > 0 for count in per_node), per_node)
        # each client's claim, entry and join are scripts at least, and
        # the scripts' own commands count too
        self.assertGreater(run["redis_calls_per_client"], 3)
        fanout = run["fanout"]
        self.assertGreater(fanout["received"], 0)
        self.assertEqual(fanout["received"], fanout["expected"])

    def test_door_nodes_forked_from_one_launcher(self) -> None:
        """The million's nodes are forked by one launcher that imported their
        code once (as ``chatroom-cluster``'s are): each is the launcher's
        child, in the cluster and serving the shared line port, with fewer
        than half the pages it maps its own (the rest shared); stopping the
        cluster ends the nodes and the launcher."""
        assert REDIS_SERVER is not None
        nodes = start_door_nodes(2, REDIS_SERVER, ServerCode(sys.executable))
        try:
            launcher = nodes.cluster.launcher
            assert launcher is not None
            for node in nodes.cluster.nodes:
                stat = Path(f"/proc/{node.target.pid}/stat").read_text()
                self.assertEqual(
                    int(stat.rsplit(")", 1)[1].split()[1]), launcher.process.pid
                )
                memory = proc_memory_kib(node.target.pid)
                assert memory is not None
                self.assertLess(memory["uss"], memory["rss"] / 2)
            with socket.create_connection(("127.0.0.1", nodes.ports["line"])) as link:
                self.assertTrue(link.recv(100).startswith(b"HELLO "))
        finally:
            nodes.cluster.stop()
        for node in nodes.cluster.nodes:
            self.assertIsNotNone(node.process.poll())
        self.assertEqual(launcher.process.returncode, 0)

    def test_idle_servers_memory(self) -> None:
        """``python -m chatroom.bench.idle`` measures the server alone, the
        two nodes, and a node of ``chatroom-cluster`` and its launcher, each
        idle, and prints a row for each; every figure is there and
        consistent (a process's private pages are among its proportional
        share, which is among all it maps), and the forked node's private
        pages are fewer than those of the node started on its own."""
        figures = idle.measure(ServerCode(sys.executable), REDIS_SERVER, 0.0)
        self.assertEqual(
            [label for label, _ in figures],
            ["server", "node", "node, 3 doors", "cluster node", "its launcher"],
        )
        by_label = dict(figures)
        self.assertLess(
            by_label["cluster node"]["uss"], by_label["node, 3 doors"]["uss"]
        )
        for label, memory in figures:
            self.assertGreater(memory["uss"], 0, label)
            self.assertLessEqual(memory["uss"], memory["pss"], label)
            self.assertLessEqual(memory["pss"], memory["rss"], label)
        rows = idle.report(figures).splitlines()
        self.assertEqual(len(rows), 6)
        self.assertIn("USS MiB", rows[0])

    def test_fanout_two_nodes(self) -> None:
        """Every message reaches every member, whichever node each is on.

        Clients go to node ``(i // rooms) % 2``: room 0 is clients 0, 2, 4 on
        nodes 1, 2, 1 and room 1 is clients 1, 3, 5 on nodes 1, 2, 1. Sender 2
        is on node 2 and its messages reach clients 0 and 4 on node 1 (and
        sender 0's reach client 2 on node 2), so "no loss" means messages
        crossed between nodes through Redis. Node 1 has 4 members (2 in each
        room: 2 x 10 + 2 x 5 deliveries), node 2 has 2 (10 + 5).
        """
        report = self.run_bench("fanout", "--nodes", "2")
        (run,) = report["scenarios"]["fanout"]
        self.assert_fanout_run(run, "cluster-2")
        self.assertEqual(run["nodes"], 2)
        self.assertEqual(run["expected_by_node"], [30, 15])
        self.assertEqual(run["received_by_node"], run["expected_by_node"])
        self.assertEqual(len(run["node_cpu_pct"]), 2)
        self.assertNotIn(None, run["node_cpu_pct"])
        self.assertIsNotNone(run["redis_cpu_pct"])
        self.assertEqual(len(run["node_rss_kib"]), 2)
        for rss in [*run["node_rss_kib"], run["redis_rss_kib"]]:
            self.assertGreater(rss, 0)
        self.assertEqual(run["server_rss_kib"], sum(run["node_rss_kib"]))
        self.assertEqual(run["node_log_problems"], 0, run["node_log_problem_examples"])
        self.assertEqual(report["config"]["nodes"], 2)

    def test_cluster_beside_the_single_server(self) -> None:
        """``--c-servers chatroom,chatroom-cluster2``: the C generator's sweep
        runs against one server and against two nodes and a Redis in the
        same run, and the report sets their CPU per delivery side by side.

        The generator puts client ``i`` on node ``(i // rooms) % 2``: room 0
        is clients 0, 2, 4 on nodes 1, 2, 1, so sender 2's messages reach
        node 1's members only through Redis, and no loss means they did.
        """
        if COMPILER is None:
            self.skipTest(NO_COMPILER)
        report = self.run_bench(
            "sweep", options=[*C_TINY, "--c-servers", "chatroom,chatroom-cluster2"]
        )
        sweeps = report["scenarios"]["sweep"]
        self.assertEqual(set(sweeps), {"chatroom", "chatroom-cluster2"})
        (single,) = sweeps["chatroom"]["runs"]
        (cluster,) = sweeps["chatroom-cluster2"]["runs"]
        self.assertEqual(cluster["sent"], 10)
        self.assertEqual(cluster["received"], cluster["expected"])
        self.assertEqual(cluster["expected"], 30)
        self.assertEqual(cluster["complaints"], 0)
        self.assertEqual(cluster["clients_per_node"], [4, 2])
        self.assertEqual(len(cluster["node_cpu_pct"]), 2)
        self.assertNotIn(None, cluster["node_cpu_pct"])
        self.assertIsNotNone(cluster["redis_cpu_pct"])
        self.assertIsNotNone(cluster["redis_cpu_us_per_delivery"])
        self.assertIsNone(single["node_cpu_pct"])
        # CPU is read in the kernel's 10 ms ticks: at this load it may be 0.
        for run in (single, cluster):
            self.assertGreaterEqual(run["server_cpu_us_per_delivery"], 0)
        ratio = report["ratios"]["cluster2_cpu_per_delivery_ratio"]
        self.assertEqual(list(ratio), ["30"])
        self.assertIn("cluster layouts", table(report))


COMPILER = find_compiler()
NO_COMPILER = (
    "no C compiler (make test installs Debian's gcc when it runs as root "
    "with apt-get; otherwise install one)"
)


class NeedsCompiler:
    """Mixed in before a test case that runs the C generator: without a C
    compiler its tests are skipped with the reason, unless
    ``CHATROOM_REQUIRE_CC`` is set (CI), where they fail instead."""

    skip: str | None = (
        NO_COMPILER
        if COMPILER is None and not os.environ.get("CHATROOM_REQUIRE_CC")
        else None
    )

    def setUp(self) -> None:
        if COMPILER is None:  # CI asked for a compiler to be there
            self.fail(NO_COMPILER)  # type: ignore[attr-defined]


#: The C generator's scenarios, tiny: 6 clients in 2 rooms (3 each), so
#: 30 deliveries/s is 10 messages/s.
C_TINY = [
    "--clients", "6", "--rooms", "2", "--senders", "3", "--duration", "1",
    "--warmup", "0.3", "--drain-idle", "0.3", "--sweep", "30",
    "--storm", "12", "--storm-room-sizes", "3,6",
    "--overload-rate", "60", "--overload-low", "30",
    "--overload-seconds", "1", "--overload-after", "1",
]  # fmt: skip


class CGeneratorTests(NeedsCompiler, BenchTestCase):
    """The C generator builds, and each of its scenarios runs end to end.

    Without a C compiler these are skipped with the reason, unless
    ``CHATROOM_REQUIRE_CC`` is set (CI), where they fail instead.
    """

    timeout = 120

    def run_c(self, *scenarios: str) -> dict[str, Any]:
        """Run the CLI with the C scenarios' tiny options; return its report."""
        return self.run_bench(*scenarios, options=C_TINY)

    def test_build_is_cached(self) -> None:
        """The source compiles once into the cache; the next build reuses it."""
        with tempfile.TemporaryDirectory() as directory:
            old = os.environ.get("CHATROOM_BENCH_CACHE")
            os.environ["CHATROOM_BENCH_CACHE"] = directory
            try:
                binary = build()
                self.assertTrue(os.access(binary, os.X_OK))
                self.assertEqual(binary.parent, Path(directory))
                mtime = binary.stat().st_mtime_ns
                self.assertEqual(build(), binary)
                self.assertEqual(binary.stat().st_mtime_ns, mtime)
            finally:
                if old is None:
                    del os.environ["CHATROOM_BENCH_CACHE"]
                else:
                    os.environ["CHATROOM_BENCH_CACHE"] = old

    def test_sweep(self) -> None:
        """Each server gets every message to every member, and a ceiling."""
        report = self.run_c("sweep")
        sweeps = report["scenarios"]["sweep"]
        self.assertEqual(set(sweeps), {"chatroom", "baseline"})
        for server, sweep in sweeps.items():
            (run,) = sweep["runs"]
            self.assertEqual(run["server"], server)
            self.assertEqual(run["sent"], 10)  # 10 messages/s for 1 s
            self.assertEqual(run["expected"], 3 * run["sent"])
            self.assertEqual(run["received"], run["expected"])
            self.assertEqual(run["loss"], 0)
            self.assertEqual(run["closed_by_server"], 0)
            self.assertEqual(run["complaints"], 0)
            latency = run["latency_ms"]
            self.assertEqual(latency["count"], run["received"])
            values = [latency[key] for key in LATENCY_KEYS]
            self.assertEqual(values, sorted(values))
            self.assertIsNotNone(run["server_cpu_pct"])
            self.assertIsNotNone(run["generator_cpu_pct"])
            # The ceiling is the offered rate when p99 stayed under 50 ms, or
            # none: a time, which a loaded machine may miss (never asserted).
            self.assertIn(sweep["ceiling_per_s"], (30, None))
        self.assertIn("ceiling_ratio", report["ratios"])

    def test_storm(self) -> None:
        """Both layouts, both servers: everyone joins; rate and memory read."""
        report = self.run_c("storm")
        storms = report["scenarios"]["storm"]
        layouts = [(r["server"], r["rooms"], r["room_size"]) for r in storms]
        self.assertEqual(
            layouts,
            [("chatroom", 4, 3), ("baseline", 4, 3), ("chatroom", 2, 6),
             ("baseline", 2, 6)],
        )  # fmt: skip
        for run in storms:
            self.assertEqual(run["clients"], 12)
            self.assertGreater(run["connects_per_s"], 0)
            self.assertIsInstance(run["server_kib_per_client"], float)
            self.assertIsNotNone(run["server_cpu_pct"])
            self.assertIsNotNone(run["generator_cpu_pct"])

    def test_overload(self) -> None:
        """Windows over the whole run, no loss at this scale, memory read."""
        report = self.run_c("overload")
        for run in report["scenarios"]["overload"]:
            windows = run["windows"]
            self.assertEqual([w["start_s"] for w in windows], [0, 0.5, 1, 1.5])
            self.assertEqual([w["offered_per_s"] for w in windows], [60, 60, 30, 30])
            self.assertEqual(run["loss_live"], 0)
            self.assertEqual(run["closed_by_server"], 0)
            self.assertGreater(run["server_rss_max_kib"], 0)
            self.assertIsNotNone(run["generator_cpu_pct"])

    def test_hold(self) -> None:
        """Idle clients from three loopback addresses are held, at the line
        and IRC doors, while the fan-out delivers everything; memory per
        idle client and the server's collector pauses are read."""
        report = self.run_bench(
            "hold",
            options=[
                *C_TINY, "--hold", "30", "--hold-rate", "30", "--sources", "3",
                "--c-servers", "chatroom,chatroom-irc,baseline",
            ],
        )  # fmt: skip
        holds = report["scenarios"]["hold"]
        self.assertEqual([r["server"] for r in holds], ["chatroom", "chatroom-irc"])
        for run in holds:
            self.assertEqual((run["idle_clients"], run["sources"]), (30, 3))
            fanout = run["fanout"]
            self.assertGreater(fanout["received"], 0)
            self.assertEqual(fanout["received"], fanout["expected"])
            self.assertIsInstance(run["server_kib_per_idle"], float)
            self.assertIsNotNone(run["gc_longest_ms"])
            self.assertGreaterEqual(run["gc_collections_in_window"], 0)

    def test_big_room(self) -> None:
        """One room filled past a low ``--big-room`` (quiet joins) and with
        every join announced, beside the baseline: every client joined, the
        fill has a rate, every message reaches every member."""
        report = self.run_bench(
            "bigroom",
            options=[
                *C_TINY, "--bigroom-members", "8", "--bigroom-senders", "2",
                "--bigroom-rate", "5", "--bigroom-thresholds", "3,0",
                "--c-servers", "chatroom,baseline",
            ],
        )  # fmt: skip
        runs = report["scenarios"]["bigroom"]
        self.assertEqual(
            [(r["server"], r["big_room"]) for r in runs],
            [("chatroom", 3), ("chatroom", 0), ("baseline", None)],
        )
        for run in runs:
            self.assertEqual(run["members"], 8)
            self.assertGreater(run["joins_per_s"], 0)
            self.assertGreater(run["received"], 0)
            self.assertEqual(run["loss"], 0)
        self.assertIn("big room (C generator)", table(report))

    def test_a_failed_run_is_reported_and_the_rest_go_on(self) -> None:
        """A rate whose clients cannot all join (here: 300 to a room that
        takes 256) is reported as not measured, with the reason, and the
        other servers' runs of the same command still happen."""
        options = [*C_TINY, "--clients", "600", "--c-servers", "chatroom,baseline"]
        report = self.run_bench("sweep", options=options)
        sweeps = report["scenarios"]["sweep"]
        self.assertEqual(sweeps["chatroom"]["runs"], [])
        self.assertIsNone(sweeps["chatroom"]["ceiling_per_s"])
        (failure,) = sweeps["chatroom"]["failures"]
        self.assertEqual(failure["offered_per_s"], 30)
        self.assertIn("could not join", failure["error"])
        self.assertEqual(len(sweeps["baseline"]["runs"]), 1)
        self.assertIn("chatroom: sweep at 30.000/s not measured", table(report))

    def test_every_door(self) -> None:
        """The IRC and web doors carry the same sweep and storm as the line
        door: every message to every member (at IRC, to every member but its
        sender, so more messages make the same deliveries/s)."""
        report = self.run_bench(
            "sweep",
            "storm",
            options=[*C_TINY, "--c-servers", "chatroom-irc,chatroom-ws"],
        )
        sweeps = report["scenarios"]["sweep"]
        self.assertEqual(set(sweeps), {"chatroom-irc", "chatroom-ws"})
        irc, ws = sweeps["chatroom-irc"]["runs"][0], sweeps["chatroom-ws"]["runs"][0]
        self.assertEqual(ws["sent"], 10)  # 30 deliveries/s in rooms of 3
        self.assertEqual(ws["expected"], 3 * ws["sent"])
        self.assertEqual(irc["sent"], 15)  # 30 deliveries/s, 2 listeners each
        self.assertEqual(irc["expected"], 2 * irc["sent"])
        for run in (irc, ws):
            self.assertEqual(run["received"], run["expected"])
            self.assertEqual(run["complaints"], 0)
        servers = {run["server"] for run in report["scenarios"]["storm"]}
        self.assertEqual(servers, {"chatroom-irc", "chatroom-ws"})
        self.assertIn(report["ratios"]["ceiling_per_s"]["chatroom-ws"], (30, None))

    def test_keyed_lines(self) -> None:
        """The keyed door (``chatroom-txn``) says each message as ``/txn KEY
        TEXT`` with a key of its own, a line the server takes whole: every
        member gets every message once, and nothing is refused (the ``ACK``
        is read past; an ``ERR`` would be counted as a complaint)."""
        options = [*C_TINY, "--c-servers", "chatroom-txn"]
        report = self.run_bench("sweep", options=options)
        run = report["scenarios"]["sweep"]["chatroom-txn"]["runs"][0]
        self.assertEqual(run["sent"], 10)  # 30 deliveries/s in rooms of 3
        self.assertEqual(run["expected"], 3 * run["sent"])
        self.assertEqual(run["received"], run["expected"])
        self.assertEqual(run["complaints"], 0)

    def test_reference_irc_servers(self) -> None:
        """ngIRCd and InspIRCd from Debian, started with the configurations in
        benchmarks/, carry the same load as the IRC door, side by side."""
        for name in ("ngircd", "inspircd"):
            if REFERENCES[name].find() is None:
                why = f"{name} is not installed (make test installs Debian's)"
                if os.environ.get("CHATROOM_REQUIRE_TOOLS"):
                    self.fail(f"{why} and CHATROOM_REQUIRE_TOOLS is set")
                raise unittest.SkipTest(why)
        report = self.run_bench(
            "sweep",
            "storm",
            options=[*C_TINY, "--c-servers", "chatroom-irc,ngircd,inspircd"],
        )
        for name, sweep in report["scenarios"]["sweep"].items():
            (run,) = sweep["runs"]
            self.assertEqual(run["received"], run["expected"], name)
            self.assertEqual(run["complaints"], 0, name)
        ratios = report["ratios"]
        # Ratios of ceilings depend on times (p99 under 50 ms): present, not
        # asserted; storm rates are counts over a time, so always there.
        self.assertIn("irc_ngircd_ceiling_ratio", ratios)
        self.assertIn("irc_inspircd_ceiling_ratio", ratios)
        self.assertIsNotNone(ratios["irc_ngircd_storm_3_rate_ratio"])
        self.assertIsNotNone(ratios["irc_inspircd_storm_3_rate_ratio"])


class ErgoReferenceTests(unittest.TestCase):
    """Ergo, the reference the IRC door's p99 is held to, is built by hand:
    the benchmark takes it from ``CHATROOM_BENCH_ERGO`` or ``PATH``, only if
    it says it is Ergo, and otherwise says how to get it."""

    def program(self, name: str, version: str) -> Path:
        """An executable ``name`` in a fresh folder that prints ``version``."""
        folder = Path(self.mktemp())
        folder.mkdir()
        program = folder / name
        program.write_text(f"#!/bin/sh\necho '{version}'\n")
        program.chmod(0o755)
        return program

    def environment(self, **variables: str) -> None:
        """Set ``variables`` (``""``: unset) for this test only."""
        for name, value in variables.items():
            previous = os.environ.pop(name, None)
            if value:
                os.environ[name] = value
            if previous is None:
                self.addCleanup(os.environ.pop, name, None)
            else:
                self.addCleanup(os.environ.__setitem__, name, previous)

    def test_another_program_called_ergo_is_not_taken_for_it(self) -> None:
        """Debian's ``ergo`` (quantum chemistry) on PATH is passed over: a
        run asking for Ergo stops at once, saying how to get the IRC server."""
        chemistry = self.program("ergo", "ERGO version 3.8, quantum chemistry")
        self.environment(
            CHATROOM_BENCH_ERGO="", PATH=f"{chemistry.parent}:/nonexistent"
        )
        self.assertIsNone(REFERENCES["ergo"].find())
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            status = main(["sweep", *C_TINY, "--c-servers", "chatroom-irc,ergo"])
        self.assertEqual(status, 1)
        self.assertIn("build Ergo", errors.getvalue())
        self.assertIn("CHATROOM_BENCH_ERGO", errors.getvalue())

    def test_the_binary_named_is_run_with_its_own_configuration(self) -> None:
        """The binary ``CHATROOM_BENCH_ERGO`` names is used when it says it is
        Ergo, and is run in the foreground with benchmarks/ergo.yaml on the
        port given, its store in a folder of its own, on loopback only."""
        ergo = self.program("ergo-built", "ergo-2.11.1")
        self.environment(CHATROOM_BENCH_ERGO=str(ergo))
        found = REFERENCES["ergo"].find()
        self.assertEqual(found, str(ergo))
        argv = REFERENCES["ergo"].argv(str(ergo), 16667)
        self.assertEqual(argv[:3], [str(ergo), "run", "--conf"])
        config = Path(argv[3])
        self.addCleanup(shutil.rmtree, config.parent)
        text = config.read_text()
        self.assertIn('"127.0.0.1:16667":', text)
        self.assertIn(f'path: "{config.parent}/ircd.db"', text)
        self.assertNotRegex(text, r"@(PORT|DIR)@")
        self.assertRegex(text, r"fakelag:\n\s+enabled: false")


def _in_a_checkout() -> bool:
    """Whether the tests run in a git checkout, which --against builds from."""
    try:
        commit_of("HEAD")
    except BenchError:
        return False
    return True


class AgainstTests(BenchTestCase):
    """``--against REV``: REV built into a venv of its own and alternated
    with the checkout. REV is HEAD here (the checkout against its own last
    commit): built once per commit under build/against and reused by every
    test and every later run, so only the first run after a commit pays for
    the build (``pip`` into the venv, tens of seconds)."""

    timeout = 300

    if COMPILER is None and not os.environ.get("CHATROOM_REQUIRE_CC"):
        skip = NO_COMPILER
    elif not _in_a_checkout():
        skip = "not a git checkout: --against builds a revision of one"

    def setUp(self) -> None:
        if COMPILER is None:  # CI asked for a compiler to be there
            self.fail(NO_COMPILER)

    def run_against(self, *scenarios: str, options: list[str]) -> dict[str, Any]:
        """The CLI with ``--against HEAD``; its report, whose old side is HEAD."""
        report = self.run_bench(*scenarios, options=[*options, "--against", "HEAD"])
        against = report["against"]
        self.assertEqual(against["old"]["commit"], against["new"]["commit"])
        self.assertEqual(against["old"]["rev"], "HEAD")
        return report

    def comparison(
        self, report: dict[str, Any], server: str, step: str, figure: str
    ) -> dict[str, Any]:
        """The one comparison of ``figure`` for ``server`` at ``step``."""
        (found,) = [
            c
            for c in report["comparisons"]
            if (c["server"], c["step"], c["figure"]) == (server, step, figure)
        ]
        return found

    def test_sweep_alternates_old_and_new(self) -> None:
        """Each rate runs old, new, old, new on fresh servers; every delivery
        arrives on both sides; each figure has a value per run, a median,
        a spread and new / old (the same counts on both sides: 1.0)."""
        report = self.run_against(
            "sweep", options=[*C_TINY, "--rounds", "2", "--c-servers", "chatroom"]
        )
        runs = report["runs"]
        self.assertEqual(
            [(r["server"], r["step"], r["side"], r["round"]) for r in runs],
            [("chatroom", "30/s", "old", 1), ("chatroom", "30/s", "new", 1),
             ("chatroom", "30/s", "old", 2), ("chatroom", "30/s", "new", 2)],
        )  # fmt: skip
        for run in runs:
            self.assertIsNone(run["error"])
            result = run["result"]
            self.assertEqual(result["received"], result["expected"])
            self.assertEqual(result["expected"], 30)
        delivered = self.comparison(report, "chatroom", "30/s", "deliv/s")
        for side in ("old", "new"):
            self.assertEqual(delivered["sides"][side]["values"], [30, 30])
            self.assertEqual(delivered["sides"][side]["spread"], 0)
        self.assertEqual(delivered["ratio"], 1.0)
        p99 = self.comparison(report, "chatroom", "30/s", "p99 ms")
        self.assertEqual(len(p99["sides"]["new"]["values"]), 2)
        # The ceiling is a time (p99 under 50 ms): present, never asserted.
        ceiling = self.comparison(report, "chatroom", "ceiling", "ceiling/s")
        self.assertEqual(len(ceiling["sides"]["old"]["values"]), 2)
        text = against_table(report)
        self.assertIn("new/old", text)
        self.assertIn("old spread", text)

    def test_storm_at_the_irc_and_web_doors(self) -> None:
        """The IRC and web doors' storms, old and new: every client joins on
        both sides, and the memory and CPU per client are set side by side."""
        report = self.run_against(
            "storm",
            options=[*C_TINY, "--rounds", "1", "--storm-room-sizes", "6",
                     "--c-servers", "chatroom-irc,chatroom-ws"],
        )  # fmt: skip
        self.assertEqual(
            [(r["server"], r["side"]) for r in report["runs"]],
            [("chatroom-irc", "old"), ("chatroom-irc", "new"),
             ("chatroom-ws", "old"), ("chatroom-ws", "new")],
        )  # fmt: skip
        for run in report["runs"]:
            self.assertIsNone(run["error"])
            self.assertEqual(run["result"]["clients"], 12)
        for server in ("chatroom-irc", "chatroom-ws"):
            rate = self.comparison(report, server, "rooms of 6", "conn/s")
            self.assertIsNotNone(rate["ratio"])
            self.comparison(report, server, "rooms of 6", "KiB/client")

    def test_hold_and_big_room_beside_a_reference(self) -> None:
        """``hold`` and ``bigroom`` alternate too; the baseline, the same code
        on both sides, runs once a round as the machine's yardstick."""
        report = self.run_against(
            "hold",
            "bigroom",
            options=[
                *C_TINY, "--rounds", "1", "--hold", "10", "--hold-rate", "30",
                "--bigroom-members", "8", "--bigroom-senders", "2",
                "--bigroom-rate", "5", "--bigroom-thresholds", "3",
                "--c-servers", "chatroom,baseline",
            ],
        )  # fmt: skip
        runs = report["runs"]
        self.assertEqual(
            [(r["scenario"], r["server"], r["step"], r["side"]) for r in runs],
            [("hold", "chatroom", "10 idle", "old"),
             ("hold", "chatroom", "10 idle", "new"),
             ("bigroom", "chatroom", "--big-room 3", "old"),
             ("bigroom", "chatroom", "--big-room 3", "new"),
             ("bigroom", "baseline", "every join told", "ref")],
        )  # fmt: skip
        for run in runs:
            self.assertIsNone(run["error"])
        held = self.comparison(report, "chatroom", "10 idle", "KiB/idle")
        self.assertEqual(set(held["sides"]), {"old", "new"})
        joins = self.comparison(report, "baseline", "every join told", "joins/s")
        self.assertEqual(set(joins["sides"]), {"ref"})
        self.assertIsNone(joins["ratio"])
        self.assertIn("references (the same code on both sides)", against_table(report))

    def test_a_build_is_reused_and_kept_out_of_the_checkout(self) -> None:
        """The same commit asked again is the same build, not made again, and
        it lives in the ignored build/ directory, outside the tracked files."""
        first = build_revision("HEAD")
        stamp = first.code.root.parent / "built"
        made = stamp.stat().st_mtime_ns
        again = build_revision(first.commit)
        self.assertEqual(again.code, first.code)
        self.assertEqual(stamp.stat().st_mtime_ns, made)
        self.assertEqual(first.code.root.parent.parent, builds_dir())
        status = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--", "build"],
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(status.stdout, "")

    def test_both_sides_start_from_bytecode(self) -> None:
        """A built revision's modules are compiled, as the checkout's are
        (``make bytecode``), though its servers never write bytecode
        where ``PYTHONDONTWRITEBYTECODE`` is set: a server compiling its
        modules at start-up grows less per client in a storm, and the
        comparison read 10 % more memory per client for the same
        commit."""
        built = build_revision("HEAD")
        module = built.code.root / "chatroom" / "wire" / "lines.py"
        cached = module.parent / "__pycache__"
        shutil.rmtree(cached, ignore_errors=True)
        build_revision("HEAD")
        self.assertTrue(list(cached.glob("lines.cpython-*.pyc")))

    def test_a_revision_that_cannot_be_built(self) -> None:
        """A revision that is not a commit stops the command with one line
        saying so, and status 1, before any server starts."""
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            status = main(["sweep", *C_TINY, "--against", "no-such-revision"])
        self.assertEqual(status, 1)
        lines = errors.getvalue().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("cannot build no-such-revision", lines[0])

    def test_only_the_c_scenarios_on_servers_it_starts(self) -> None:
        """``--against`` refuses the Python generator's scenarios and the
        options whose servers it does not start or would run unequally."""
        for argv in (
            ["fanout", "--against", "HEAD"],
            ["--against", "HEAD"],
            ["sweep", "--against", "HEAD", "--server-python", "pypy3"],
            ["sweep", "--against", "HEAD", "--connect", "127.0.0.1:1"],
            ["sweep", "--against", "HEAD", "--rounds", "0"],
        ):
            with (
                self.assertRaises(SystemExit),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                main(argv)


class AgainstComparisonTests(unittest.TestCase):
    """How ``--against`` sets its runs side by side (no servers needed)."""

    def storm(self, rate: float) -> StormRun:
        """A storm of 12 clients at ``rate`` connections/s, 2.5 KiB each."""
        return StormRun(
            server="chatroom", clients=12, rooms=2, room_size=6, concurrency=100,
            seconds=12 / rate, connects_per_s=rate, server_rss_before_kib=80_000,
            server_rss_after_kib=80_030, server_kib_per_client=2.5,
            server_cpu_pct=50.0, generator_cpu_pct=10.0,
        )  # fmt: skip

    def table(
        self, runs: list[SideRun], comparisons: list[Any], uncommitted: bool = False
    ) -> str:
        """The ``--against`` table of these storm runs, as the bench prints it."""
        rounds = max(run.round for run in runs)
        report = AgainstReport(
            machine={"nproc": 2, "cpu": "test", "python": "3.11"},
            config={"storm": 12},
            against={
                "rounds": rounds,
                "old": {"rev": "old", "commit": "a" * 40, "python": "CPython"},
                "new": {
                    "commit": "b" * 40,
                    "uncommitted_changes": uncommitted,
                    "python": "CPython",
                },
            },
            runs=runs,
            comparisons=comparisons,
        )
        return against_table(to_json(report))

    def test_a_run_not_measured_counts_as_no_figure(self) -> None:
        """A failed run is a missing value on its side, listed with its reason
        (its first line and its last); the medians and new / old are of the
        runs that were measured."""
        step = "rooms of 6"
        refused = (
            "cannot start it:\nUsage: twistd ...\n\noption --big-room not recognized"
        )
        runs = [
            SideRun("storm", "chatroom", step, "old", 1, None, refused),
            SideRun("storm", "chatroom", step, "new", 1, self.storm(400.0)),
            SideRun("storm", "chatroom", step, "old", 2, self.storm(200.0)),
            SideRun("storm", "chatroom", step, "new", 2, self.storm(300.0)),
        ]
        comparisons = {c.figure: c for c in compare(runs)}
        rate = comparisons["conn/s"]
        self.assertEqual(rate.sides["old"].values, [None, 200.0])
        self.assertEqual(rate.sides["old"].median, 200.0)
        self.assertIsNone(rate.sides["old"].spread)  # one value: no spread
        self.assertEqual(rate.sides["new"].median, 350.0)
        self.assertEqual(rate.sides["new"].spread, round(100 / 350, 3))
        self.assertEqual(rate.ratio, 1.75)
        self.assertEqual(comparisons["KiB/client"].ratio, 1.0)
        text = self.table(runs, list(comparisons.values()), uncommitted=True)
        # A failure's first line and its last, where a server says what stopped it.
        self.assertIn(
            "chatroom old, round 1, storm rooms of 6: cannot start it: ... "
            "option --big-room not recognized",
            text,
        )
        self.assertIn("with uncommitted changes", text)

    def test_a_figure_is_also_read_round_by_round(self) -> None:
        """A busy hour moves both sides of its round: each round's new / old
        is kept, their geometric mean given with a 95 % interval that holds
        it, and the rounds new was the lower counted; a round one side did
        not measure is left out of it, and the table shows it."""
        step = "rooms of 6"
        rates = [(100.0, 200.0), (400.0, 200.0), (100.0, 50.0), (300.0, None)]
        runs = [
            SideRun(
                "storm", "chatroom", step, side, number,
                None if rate is None else self.storm(rate),
                None if rate is not None else "not measured",
            )
            for number, pair in enumerate(rates, start=1)
            for side, rate in zip(("old", "new"), pair, strict=True)
        ]  # fmt: skip
        rate = {c.figure: c for c in compare(runs)}["conn/s"]
        paired = rate.paired
        assert paired is not None
        self.assertEqual(paired.rounds, 3)
        self.assertEqual(paired.new_lower, 2)
        self.assertEqual(paired.geometric_mean, round((2.0 * 0.5 * 0.5) ** (1 / 3), 3))
        self.assertLessEqual(paired.low, paired.geometric_mean)
        self.assertGreaterEqual(paired.high, paired.geometric_mean)
        self.assertLess(paired.low, paired.high)
        again = {c.figure: c for c in compare(runs)}["conn/s"]
        self.assertEqual(again.paired, paired)  # seeded: the same every time
        text = self.table(runs, compare(runs))
        self.assertIn(f"{paired.geometric_mean:.3f} ({paired.low:.2f}-", text)
        self.assertIn("2/3", text)
