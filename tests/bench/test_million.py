"""Smoke run of ``chatroom-bench million`` at 10,000 connections.

The scenario the machine's million runs, at a hundredth of the size, over
three nodes and one real Redis, through the real CLI: every connection is
held for the hold time, none is dropped, the idle talk and the active load
are delivered, and every figure of the report is there. Nothing here is a
timing: how fast this machine fills is not a bug.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import socket
import subprocess
import sys
import threading
import time

from twisted.trial import unittest

from chatroom.bench.cmillion import (
    GENERATOR_NICE,
    REDIS_NICE,
    Limits,
    Memory,
    StallProbe,
    _memory_figures,
    batch_the_crowd,
    prioritize_redis,
    yield_to_the_servers,
)
from chatroom.bench.main import main
from chatroom.bench.render import table
from tests.bench.test_bench import (
    COMPILER,
    NO_COMPILER,
    NO_REDIS,
    REDIS_SERVER,
    BenchTestCase,
)

CONNECTIONS = 10_000
NODES = 3
HOLD_S = 10
ROOM_SIZE = 50

#: The active load kept small (10 rooms of 10), the crowd at full size.
SMOKE = [
    "--million", str(CONNECTIONS), "--million-nodes", str(NODES),
    "--million-hold", str(HOLD_S), "--million-rest", "1",
    "--million-talk", "2", "--million-rate", "1000",
    "--million-room-size", str(ROOM_SIZE),
    "--clients", "100", "--rooms", "10", "--senders", "10",
    "--duration", "2", "--warmup", "0.5", "--drain-idle", "0.5",
]  # fmt: skip


class MillionSmokeTests(BenchTestCase):
    """``million`` with 10,000 connections on three nodes."""

    timeout = 900

    if REDIS_SERVER is None and not os.environ.get("CHATROOM_REQUIRE_REDIS"):
        skip = NO_REDIS

    def setUp(self) -> None:
        if REDIS_SERVER is None:  # CI asked for Redis to be there: fail, loudly
            self.fail(NO_REDIS)
        if COMPILER is None:
            self.skipTest(NO_COMPILER)

    def test_ten_thousand_held(self) -> None:
        """Every connection comes in through the three doors, is held for the
        hold time and is still there at its end; the active load loses
        nothing with the crowd or without; every figure is reported."""
        report = self.run_bench("million", options=SMOKE)
        run = report["scenarios"]["million"]
        self.assertEqual(run["connections"], CONNECTIONS)
        self.assertEqual((run["connections_in"], run["not_in"]), (CONNECTIONS, 0))
        # Turned away and back in, if the nodes were slow: never more than in.
        self.assertLessEqual(run["came_in_after_retry"], run["connections_in"])
        self.assertLessEqual(run["came_in_after_retry"], run["retries"])
        self.assertEqual(run["nodes"], NODES)
        self.assertEqual(sum(run["mix"].values()), CONNECTIONS)
        for door in ("line", "irc", "ws"):
            self.assertGreaterEqual(run["mix"][door], CONNECTIONS // 10, door)

        self.assertGreaterEqual(run["hold_seconds"], HOLD_S)
        self.assertGreaterEqual(run["connections_at_end"], CONNECTIONS)
        self.assertEqual(run["held_at_end"], CONNECTIONS)
        self.assertEqual(run["dropped"], 0)
        self.assertGreater(run["idle_messages"], 0)
        per_node = run["connections_per_node"]
        self.assertEqual(len(per_node), NODES)
        self.assertGreaterEqual(sum(per_node), CONNECTIONS)
        self.assertTrue(all(n > 0 for n in per_node), per_node)
        self.assertEqual(run["node_log_problems"], [])
        self.assertIsNotNone(run["leave_seconds"])

        for active in (run["without_crowd"], run["with_crowd"]):
            self.assertGreater(active["received"], 0)
            self.assertEqual(active["received"], active["expected"])
            self.assertEqual(active["loss"], 0)
            self.assertIsNotNone(active["latency_ms"]["p99"])
        self.assertIsNotNone(run["p99_ratio"])

        self.assertGreater(run["fill_per_s"], 0)
        # The crowd in rooms of ROOM_SIZE, each door's in rooms of its own;
        # the active load's 10 rooms may be counted too.
        crowd_rooms = CONNECTIONS // ROOM_SIZE
        self.assertEqual(run["room_size"], ROOM_SIZE)
        self.assertGreaterEqual(run["rooms"], crowd_rooms)
        self.assertLessEqual(run["rooms"], crowd_rooms + 10)
        for key in ("fill_nodes_cpu_ms", "fill_redis_cpu_ms",
                    "fill_generators_cpu_ms", "fill_ceiling_per_s"):  # fmt: skip
            self.assertGreater(run[key], 0, key)
        for key in ("nodes_kib_per_connection", "nodes_rss_kib_per_connection",
                    "nodes_pss_empty_kib", "nodes_pss_held_kib",
                    "kernel_empty_kib", "kernel_held_kib",
                    "redis_kib_per_connection",
                    "kernel_kib_per_connection", "rest_cpu_pct_without",
                    "rest_cpu_pct_with", "crowd_rest_cpu_pct",
                    "pings_per_s_without", "pings_per_s_with"):  # fmt: skip
            self.assertIsNotNone(run[key], key)
        for key in ("node_rss_empty_kib", "node_rss_held_kib",
                    "node_pss_empty_kib", "node_pss_held_kib",
                    "node_kib_per_connection", "node_longest_stall_ms",
                    "node_gc_longest_ms"):  # fmt: skip
            self.assertEqual(len(run[key]), NODES, key)
            self.assertNotIn(None, run[key], key)
        self.assertEqual(run["limits"]["nofile_soft"], run["limits"]["nofile_hard"])
        said = "; ".join(run["limits"]["raised"] + run["limits"]["kept"])
        self.assertIn("Redis's", said)  # its priority, given or not

        self.assertNotIn(None, run["empty_node_kib"].values())
        printed = table(report)
        self.assertIn(f"million (C generator): {CONNECTIONS:,} connections", printed)
        self.assertIn("0 dropped", printed)
        self.assertIn("came in after a retry: ", printed)
        self.assertIn(f"the crowd in rooms of {ROOM_SIZE}", printed)

    def test_a_machine_short_of_memory_stops_the_crowd(self) -> None:
        """Under the memory floor the crowd is stopped before the kernel
        would kill anything, and the run ends saying why."""
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            status = main(
                ["million", "--million", "300", "--million-nodes", "1",
                 "--million-hold", "5", "--million-rest", "0.5",
                 "--million-rate", "100", "--clients", "20", "--rooms", "2",
                 "--senders", "2", "--duration", "1", "--warmup", "0.3",
                 "--million-memory-floor", str(1 << 30)]
            )  # fmt: skip
        self.assertEqual(status, 1)
        self.assertIn("the machine's available memory fell to", errors.getvalue())
        self.assertIn("the crowd was stopped", errors.getvalue())


class CrowdMemoryTests(unittest.TestCase):
    """What the crowd's memory per connection counts of forked nodes."""

    def test_pages_a_node_copies_from_its_launcher_are_counted(self) -> None:
        """A node forked from the launcher that writes into a page it shares
        with it takes a page of the machine's memory that its RSS does not
        show (the page was resident in the node before): the nodes' memory
        per connection, from their PSS with the launcher's, counts it."""
        pages = 8192  # 32 MiB
        shared = bytearray(b"\x01" * (pages * 4096))  # resident before the fork
        copy, copied = os.pipe()
        go, told = os.pipe()
        pid = os.fork()
        if pid == 0:  # the node: copies every page when told, then waits
            try:
                os.read(go, 1)
                shared[::4096] = b"\x02" * pages
                os.write(copied, b"x")
                os.read(go, 1)
            finally:
                os._exit(0)
        try:
            empty = Memory.read([pid], os.getpid(), os.getpid())
            os.write(told, b"x")
            os.read(copy, 1)
            held = Memory.read([pid], os.getpid(), os.getpid())
        finally:
            os.write(told, b"x")
            os.waitpid(pid, 0)
            for end in (copy, copied, go, told):
                os.close(end)
        figures = _memory_figures(empty, held, [1000], 1000)
        copied_kib = pages * 4
        self.assertGreater(figures["nodes_kib_per_connection"] * 1000, copied_kib * 0.8)
        self.assertLess(
            figures["nodes_rss_kib_per_connection"] * 1000, copied_kib * 0.2
        )


class PriorityTests(unittest.TestCase):
    """Redis first in the CPU's queue, as an operator would have it."""

    def process(self) -> int:
        """A process of ours to renice (ended at the test's end)."""
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        self.addCleanup(child.wait)
        self.addCleanup(child.kill)
        return child.pid

    def test_redis_first_as_root_else_the_generators_last(self) -> None:
        """As root Redis runs at niceness -10 and the limits line says so;
        otherwise it says why not, and the generators step back instead."""
        redis, limits = self.process(), Limits(0, 0, None, None)
        before = os.getpriority(os.PRIO_PROCESS, redis)
        if prioritize_redis(redis, limits):
            self.assertEqual(os.getpriority(os.PRIO_PROCESS, redis), REDIS_NICE)
            self.assertEqual(
                limits.raised, [f"Redis's priority: niceness {before} -> {REDIS_NICE}"]
            )
        else:
            self.assertEqual(os.getpriority(os.PRIO_PROCESS, redis), before)
            self.assertIn("Redis's niceness", limits.kept[0])

    def test_the_generators_step_back(self) -> None:
        """Anyone may raise their own processes' niceness: the crowd's
        generators run at 10, and the limits line says so."""
        generators, limits = [self.process(), self.process()], Limits(0, 0, None, None)
        before = os.getpriority(os.PRIO_PROCESS, generators[0])
        yield_to_the_servers(generators, limits)
        for pid in generators:
            self.assertEqual(os.getpriority(os.PRIO_PROCESS, pid), GENERATOR_NICE)
        self.assertEqual(
            limits.raised,
            [f"the crowd's generators' niceness {before} -> {GENERATOR_NICE}"],
        )

    def test_the_generators_do_not_preempt_the_nodes(self) -> None:
        """The crowd's generators are scheduled as SCHED_BATCH (so one woken
        by a node's send does not take the node's core), and the limits
        line says so."""
        generators, limits = [self.process(), self.process()], Limits(0, 0, None, None)
        batch_the_crowd(generators, limits)
        for pid in generators:
            self.assertEqual(os.sched_getscheduler(pid), os.SCHED_BATCH)
        self.assertEqual(
            limits.raised, ["the crowd's generators' scheduling: SCHED_BATCH"]
        )


class _Healthz(http.server.BaseHTTPRequestHandler):
    """``/healthz`` as a node answers it, on a connection kept alive."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.answered += 1  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    """An HTTP server counting the connections it accepts and the answers
    it gives."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Healthz)
        self.accepted = 0
        self.answered = 0

    def get_request(self) -> tuple[socket.socket, object]:
        self.accepted += 1
        return super().get_request()


class StallProbeTests(unittest.TestCase):
    """The stall probe is a load on the nodes of its own (an HTTP answer
    every half second a node: 112 a second on 56), so it asks the way a
    load balancer's health check does and costs them no more than that."""

    def test_a_node_is_asked_on_one_connection(self) -> None:
        server = _CountingServer()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        probe = StallProbe([server.server_address[1]])
        probe.start()
        self.addCleanup(probe.stop)
        deadline = time.monotonic() + 60
        while server.answered < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(server.answered, 4)
        self.assertEqual(server.accepted, 1)  # not one a probe
        self.assertIsNotNone(probe.longest[0])

    def test_what_came_before_the_crowd_is_not_its_figure(self) -> None:
        probe = StallProbe([1, 2])
        probe.longest = [1500.0, 20.0]
        probe.unavailable = 3
        probe.crowd_comes()
        self.assertEqual(probe.longest, [None, None])
        self.assertEqual(probe.unavailable, 0)
