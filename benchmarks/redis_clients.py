"""Our Redis client against redis-py's asyncio ``RedisCluster`` under
Twisted, on a Redis Cluster of three primaries: the figure behind
docs/scaling.md, "Why the Redis client is ours".

Run from a checkout (Debian's ``redis-server`` and ``redis-cli`` on the
PATH; redis-py is already among the project's dependencies)::

    .venv/bin/python benchmarks/redis_clients.py [--ops 20000] \
        [--in-flight 1,64] [--rounds 3] [--rooms 64]

It starts three ``redis-server`` (cluster mode, no persistence, free
loopback ports) made one cluster by ``redis-cli --cluster create``, then,
per round and per number of calls in flight, runs each client in a fresh
process, in turn (the order turned round every round), doing the same
work: ``--ops`` calls of a small script by ``EVALSHA``, each on one of
``--rooms`` keys spread over the three primaries by their hash tags (it
counts and publishes on the key's shard channel, as a message is numbered
and published), ``--in-flight`` of them outstanding at any time. Each
client is measured from its connections' being up to its last reply:
calls per second, and the CPU its process spent per call (user and
system), which a shared machine disturbs less than the rate.

The clients:

- ``ours``: :class:`chatroom.redisclient.shards.ShardLinks` on Twisted's
  default (epoll) reactor, one connection per primary, the calls in flight
  pipelined on it;
- ``ours-asyncio``: the same on Twisted's asyncio reactor, which a node
  would have to run for redis-py's asyncio client;
- ``redis-py``: ``redis.asyncio.cluster.RedisCluster`` on Twisted's
  asyncio reactor (the coroutines run on the loop the reactor drives), a
  pool of connections per primary, one per call in flight.

Each line printed is one client's median of the rounds, with the lowest
and highest beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: A message's work in small: the key's counter moved on, the new number
#: published on the key's shard channel (one slot: a cluster's script may
#: touch no other), the number answered.
SCRIPT = """
local n = redis.call('INCR', KEYS[1])
redis.call('SPUBLISH', KEYS[1], ARGV[1] .. n)
return n
"""

CLIENTS = ("ours", "ours-asyncio", "redis-py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def keys_of(rooms: int) -> list[str]:
    """One key per room, each under a hash tag of its own."""
    return [f"{{bench/{number}}}:count" for number in range(rooms)]


# -- the cluster ------------------------------------------------------------


def start_cluster(directory: str) -> tuple[list[int], list[subprocess.Popen[bytes]]]:
    """Three primaries, every slot served, and the cluster's state ok."""
    server = shutil.which("redis-server")
    cli = shutil.which("redis-cli")
    if server is None or cli is None:
        raise SystemExit("redis-server and redis-cli must be on the PATH")
    ports = [free_port() for _ in range(3)]
    processes = []
    for port in ports:
        argv = [server, "--port", str(port), "--bind", "127.0.0.1"]
        argv += ["--cluster-enabled", "yes", "--save", "", "--appendonly", "no"]
        argv += ["--cluster-config-file", os.path.join(directory, f"{port}.conf")]
        argv += ["--dir", directory]
        processes.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL))
    for port, process in zip(ports, processes, strict=True):
        wait_for(cli, port, "PING", "PONG", process)
    addresses = [f"127.0.0.1:{port}" for port in ports]
    subprocess.run(
        [cli, "--cluster", "create", *addresses, "--cluster-yes"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for port, process in zip(ports, processes, strict=True):
        wait_for(cli, port, "CLUSTER INFO", "cluster_state:ok", process)
    return ports, processes


def wait_for(
    cli: str, port: int, command: str, answer: str, process: subprocess.Popen[bytes]
) -> None:
    """Until the Redis on ``port`` answers ``command`` with ``answer`` in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        done = subprocess.run(
            [cli, "-p", str(port), *command.split()],
            capture_output=True,
            text=True,
            check=False,
        )
        if answer in done.stdout:
            return
        time.sleep(0.05)
    raise SystemExit(f"the Redis on port {port} never answered {command} {answer}")


# -- the clients, each in a process of its own --------------------------------


async def drive(
    call: Callable[[str, str], Awaitable[Any]],
    keys: list[str],
    ops: int,
    in_flight: int,
    gather: Callable[[list[Any]], Awaitable[Any]],
    start: Callable[[Any], Any],
) -> dict[str, float]:
    """``ops`` calls, ``in_flight`` at a time, the keys in turn; how long
    they took and the process's CPU meanwhile."""
    left = [ops]

    async def one_at_a_time(worker: int) -> None:
        turn = worker
        while left[0] > 0:
            left[0] -= 1
            await call(keys[turn % len(keys)], "m")
            turn += in_flight

    for key in keys:  # every connection up, every primary has the script
        await call(key, "warm")
    cpu, wall = time.process_time(), time.perf_counter()
    await gather([start(one_at_a_time(worker)) for worker in range(in_flight)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"ops": ops, "seconds": wall, "cpu": cpu}


def run_ours(ports: list[int], keys: list[str], ops: int, in_flight: int) -> Any:
    """Our :class:`~chatroom.redisclient.shards.ShardLinks`, on whatever
    reactor is installed."""
    import hashlib

    from twisted.internet import defer, reactor

    from chatroom.redisclient.addresses import RedisClusterAddress
    from chatroom.redisclient.shards import ShardLinks
    from chatroom.redisclient.slots import key_slot

    address = RedisClusterAddress(tuple(("127.0.0.1", port) for port in ports))
    shards = ShardLinks(reactor, address, "bench", timeout=10.0)
    sha = hashlib.sha1(SCRIPT.encode()).hexdigest()
    slots = {key: key_slot(key) for key in keys}

    async def call(key: str, arg: str) -> Any:
        if arg == "warm":
            await shards.execute(slots[key], "SCRIPT", "LOAD", SCRIPT)
        return await shards.execute(slots[key], "EVALSHA", sha, 1, key, arg)

    async def main() -> dict[str, float]:
        shards.startService()
        try:
            return await drive(
                call,
                keys,
                ops,
                in_flight,
                lambda running: defer.gatherResults(running),
                defer.Deferred.fromCoroutine,
            )
        finally:
            await shards.stopService()

    return reactor, main


def run_redis_py(ports: list[int], keys: list[str], ops: int, in_flight: int) -> Any:
    """redis-py's asyncio ``RedisCluster``, on the asyncio reactor's loop."""
    import asyncio

    from redis.asyncio.cluster import ClusterNode, RedisCluster
    from twisted.internet import defer, reactor

    client = RedisCluster(
        startup_nodes=[ClusterNode("127.0.0.1", port) for port in ports]
    )
    sha: list[str] = []

    async def call(key: str, arg: str) -> Any:
        if arg == "warm" and not sha:
            sha.append(await client.script_load(SCRIPT))
        return await client.evalsha(sha[0], 1, key, arg)

    async def gather(running: list[Any]) -> Any:
        return await asyncio.gather(*running)

    async def main() -> dict[str, float]:
        await client.initialize()
        try:
            found = await drive(
                call, keys, ops, in_flight, gather, asyncio.ensure_future
            )
            found["connections"] = sum(
                len(node._connections) for node in client.get_primaries()
            )
            return found
        finally:
            await client.aclose()

    def start() -> defer.Deferred[dict[str, float]]:
        return defer.Deferred.fromFuture(asyncio.ensure_future(main()))

    return reactor, start


def worker(client: str, ports: list[int], rooms: int, ops: int, in_flight: int) -> None:
    """One client's run, printed as JSON (a process of its own: its own
    reactor, and CPU counted for it alone)."""
    if client in ("ours-asyncio", "redis-py"):
        from twisted.internet import asyncioreactor

        asyncioreactor.install()
    from twisted.internet import defer

    keys = keys_of(rooms)
    if client == "redis-py":
        reactor, start = run_redis_py(ports, keys, ops, in_flight)
    else:
        reactor, main = run_ours(ports, keys, ops, in_flight)

        def start() -> defer.Deferred[dict[str, float]]:
            return defer.Deferred.fromCoroutine(main())

    found: dict[str, Any] = {}

    def done(result: Any) -> None:
        found["result"] = result
        reactor.stop()

    reactor.callWhenRunning(lambda: start().addBoth(done))
    reactor.run()
    result = found["result"]
    if not isinstance(result, dict):
        result.raiseException()
    print(json.dumps(result))


# -- rounds -------------------------------------------------------------------


def measure(client: str, ports: list[int], rooms: int, ops: int, n: int) -> Any:
    argv = [sys.executable, os.path.abspath(__file__), "--worker", client]
    argv += ["--ports", ",".join(map(str, ports)), "--rooms", str(rooms)]
    argv += ["--ops", str(ops), "--in-flight", str(n)]
    env = dict(os.environ, PYTHONPATH=CHECKOUT)
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"{client} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def spread(values: list[float], form: str) -> str:
    return (
        f"{format(statistics.median(values), form)} "
        f"({format(min(values), form)}-{format(max(values), form)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--in-flight", default="1,64")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rooms", type=int, default=64)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--worker", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        ports = [int(port) for port in options.ports.split(",")]
        worker(
            options.worker, ports, options.rooms, options.ops, int(options.in_flight)
        )
        return
    clients = options.clients.split(",")
    with tempfile.TemporaryDirectory() as directory:
        ports, processes = start_cluster(directory)
        try:
            for n in [int(each) for each in options.in_flight.split(",")]:
                runs: dict[str, list[Any]] = {client: [] for client in clients}
                for number in range(options.rounds):
                    order = clients if number % 2 == 0 else clients[::-1]
                    for client in order:
                        found = measure(client, ports, options.rooms, options.ops, n)
                        runs[client].append(found)
                print(f"{options.ops} calls, {n} in flight, {options.rounds} rounds:")
                for client in clients:
                    rates = [run["ops"] / run["seconds"] for run in runs[client]]
                    cpu = [run["cpu"] / run["ops"] * 1e6 for run in runs[client]]
                    connections = runs[client][-1].get("connections", 3)
                    print(
                        f"  {client:13} {spread(rates, ',.0f')} calls/s, "
                        f"{spread(cpu, '.1f')} us CPU per call, "
                        f"{connections} connections"
                    )
        finally:
            for process in processes:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
