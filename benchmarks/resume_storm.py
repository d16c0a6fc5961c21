"""Every node resuming at once: how many resumes each node ran, and how
long until all of them served again (docs/scaling.md, "A node's resume").

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/resume_storm.py 4 3000 [5,0.5 [2 [100]]]
    PYTHONPATH=/tmp/other-tree .venv/bin/python benchmarks/resume_storm.py 4 3000

It starts a ``redis-server`` (no persistence) and NODES chat nodes in this
process, each a real Redis registry and line door, and signs in USERS line
clients on each (in-process connections, ``FakeClient``), every client in
a room with ROOM of each node's (default 100: user i of every node in
room ``r{i // 100}``, each room made at start, ``--rooms``).
Then it drops every node's commands link to Redis in one reactor turn: each
reconnects within about 0.1 s and resumes, all of them together, as after
an outage, at each ``--redis-timeout`` of TIMEOUTS in turn (default 5;
the crowd comes at the default, which a loaded machine's sign-ins keep
within), ROUNDS times each (default 1). It prints, per
node, the resumes it ran until every node served (a resume whose call
waited past the timeout drops the link and runs again), the warnings of a
call Redis did not answer in time, the seconds from the drop until the
last node served, and Redis's calls over 10 ms of its time (``SLOWLOG``)
with the longest: the seconds are the machine's, and the nodes' Python
runs in one process here (a node's work on its replies delays the
others' next calls), where the counts are not.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

from twisted.internet import defer, task

from tests.cluster.support import RedisProcess, every_script
from tests.support import free_port, redis_command


def _crowds() -> Any:
    """``tests/cluster/resume_crowds.py`` of this script's tree, loaded by
    its path: the tree on ``PYTHONPATH`` (the code measured) may predate it."""
    path = Path(__file__).resolve().parent.parent / "tests/cluster/resume_crowds.py"
    spec = importlib.util.spec_from_file_location("resume_crowds", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


crowds = _crowds()
Resumes, config, crowd, resuming = (
    crowds.Resumes,
    crowds.config,
    crowds.crowd,
    crowds.resuming,
)
start_node, storm, wait_for = crowds.start_node, crowds.storm, crowds.wait_for
time_out_after = crowds.time_out_after


async def run(
    nodes: int, users: int, timeouts: list[float], rounds: int, room: int
) -> None:
    redis = RedisProcess(free_port())
    await redis.start()
    resumes = Resumes()
    hubs: list[Any] = []
    try:
        for index in range(nodes):
            hubs.append(start_node(redis.url, f"n{index}", config(users, room)))
        await wait_for(lambda: not resuming(hubs), 60, "in the cluster")
        filled = time.monotonic()
        for index, hub in enumerate(hubs):
            await crowd(hub, f"n{index}", users, room)
        print(
            f"{nodes} nodes x {users} users (rooms of {room} a node's) signed in "
            f"and seated in {time.monotonic() - filled:.1f} s",
            flush=True,
        )
        late_before = sum(resumes.late.values())
        for timeout in timeouts:
            time_out_after(hubs, timeout)
            for number in range(rounds):
                await slow_scripts(hubs[0], reset=True)
                took, counts = await storm(hubs, resumes)
                slow, longest = await slow_scripts(hubs[0])
                late = sum(resumes.late.values()) - late_before
                late_before += late
                print(
                    f"--redis-timeout {timeout} round {number + 1}: all served "
                    f"after {took:.2f} s; resumes per node {counts}; calls not "
                    f"answered in time {late}; scripts over 10 ms {slow}, the "
                    f"longest {longest}",
                    flush=True,
                )
    finally:
        resumes.stop()
        await redis.stop()  # the nodes go with the process, unharvested


async def slow_scripts(hub: Any, reset: bool = False) -> tuple[int, str]:
    """Redis's calls over 10 ms of its time since the last reset (its
    ``SLOWLOG``), and the longest (ms, and which script); ``reset``: start
    counting now."""
    if reset:
        await redis_command(hub, "CONFIG", "SET", "slowlog-log-slower-than", "10000")
        await redis_command(hub, "CONFIG", "SET", "slowlog-max-len", "100000")
        await redis_command(hub, "SLOWLOG", "RESET")
        return 0, ""
    logged = await redis_command(hub, "SLOWLOG", "GET", "-1")
    if not logged:
        return 0, "none"
    longest = max(logged, key=lambda entry: int(entry[2]))
    names = {script.sha.encode(): script.name for script in every_script()}
    command = [bytes(word) for word in longest[3][:2]]
    what = names.get(command[-1], b" ".join(command).decode(errors="replace"))
    return len(logged), f"{int(longest[2]) / 1000:.1f} ms ({what})"


def main(argv: list[str]) -> None:
    nodes = int(argv[0]) if argv else 4
    users = int(argv[1]) if len(argv) > 1 else 3000
    timeouts = [float(t) for t in (argv[2] if len(argv) > 2 else "5").split(",")]
    rounds = int(argv[3]) if len(argv) > 3 else 1
    room = int(argv[4]) if len(argv) > 4 else crowds.ROOM
    task.react(
        lambda _: defer.ensureDeferred(run(nodes, users, timeouts, rounds, room)), []
    )


if __name__ == "__main__":
    main(sys.argv[1:])
