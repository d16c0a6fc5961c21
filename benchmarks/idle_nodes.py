"""What N idle nodes of a cluster cost the CPU: nobody connected, nothing asked.

Starts Redis and N nodes as the ``million`` scenario does
(:func:`chatroom.bench.servers.start_door_nodes`: forked by one launcher,
the three doors on shared ports), waits for them to settle, and reads the
nodes' and Redis's CPU from ``/proc`` over SECONDS. An idle node spends
its CPU on the timers that wake it; with dozens of nodes sharing two
cores, each wake finds its caches cold (docs/performance.md, "A server
nobody is connected to"). Run from a checkout; the nodes run that
checkout's code::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/idle_nodes.py 56 30
"""

from __future__ import annotations

import sys
import time

from chatroom.bench.sampling import proc_cpu_seconds
from chatroom.bench.servers import (
    SERVER_OPTIONS,
    ServerCode,
    find_redis_server,
    start_door_nodes,
)

#: Seconds the nodes are left alone before the reading: start-up's work done.
SETTLE = 10.0


def main(count: int, seconds: float) -> None:
    redis_server = find_redis_server()
    if redis_server is None:
        sys.exit("no redis-server on PATH")
    nodes = start_door_nodes(
        count, redis_server, ServerCode(sys.executable), list(SERVER_OPTIONS)
    )
    try:
        time.sleep(SETTLE)
        pids = [node.process.pid for node in nodes.cluster.nodes]
        redis = nodes.cluster.redis.process.pid
        before = [proc_cpu_seconds(pid) or 0.0 for pid in pids]
        redis_before = proc_cpu_seconds(redis) or 0.0
        time.sleep(seconds)
        spent = sum(proc_cpu_seconds(pid) or 0.0 for pid in pids) - sum(before)
        redis_spent = (proc_cpu_seconds(redis) or 0.0) - redis_before
    finally:
        nodes.cluster.stop()
    print(
        f"{count} idle nodes over {seconds:g} s: the nodes {spent:.2f} s of CPU "
        f"({spent / seconds / count * 1000:.2f} ms a second each, "
        f"{spent / seconds * 100:.1f} % of a core in all), "
        f"Redis {redis_spent:.2f} s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
