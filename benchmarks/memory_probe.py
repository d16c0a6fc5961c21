"""Where an idle client's memory goes: tracemalloc over a real server.

Run from a checkout, with its own interpreter (the same script works on the
flat package of cf6c44a and on today's layout)::

    .venv/bin/python benchmarks/memory_probe.py [--clients 2500] [--top 40] \
        [--door irc|ws] [--redis redis://127.0.0.1:6379/0]

It builds the server as ``twistd chatroom`` does (``makeService`` with the
benchmark's options: ``--rate 0 --max-per-ip 0 --max-clients 0 --db
:memory:``) on the real reactor and a loopback port, and starts a client
process (this script with ``--client``; ``--door ws`` needs the
``websockets`` library of the test extra) that connects 500 clients, names
them and joins each to a room of 100 (creating it when it is missing), as
the benchmark's storm does. Once those are idle it snapshots tracemalloc,
connects the rest the same way, and reports per connection the objects
the collector tracks (by type) and the traced bytes, grouped by the line
that allocated them. With ``--redis`` the server is a node of a cluster on
that Redis (as ``chatroom-cluster`` starts each), and the clients come
once it is in the cluster: a node's cost per client, the Redis back-end's
places included (flush a Redis kept for this between runs). (Not the
RSS, which tracemalloc's own records swell: that figure is the
benchmark's storm.) The first 500 are left out so that what every server
allocates once (caches, the first rooms) is not counted per client.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import socket
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

WARM = 500
ROOM_SIZE = 100
#: The options the benchmark starts ``twistd chatroom`` with
#: (chatroom.bench.servers.SERVER_OPTIONS; copied, so that the script runs
#: unchanged on both layouts).
SERVER_OPTIONS = [
    "--rate", "0", "--max-per-ip", "0", "--max-clients", "0", "--db", ":memory:",
]  # fmt: skip


#: A ``/ws`` handshake (``--door ws``).
UPGRADE = (
    b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
    b"Sec-WebSocket-Key: bWVtb3J5LXByb2JlLTAwMQ==\r\n\r\n"
)


def _frame(line: str) -> bytes:
    """A client's text frame (masked with a zero key: the payload as is)."""
    data = line.encode()
    return bytes((0x81, 0x80 | len(data))) + bytes(4) + data


async def _one_ws(port: int, number: int, room: str) -> tuple[Any, Any]:
    """The same as a line client, one line per WebSocket frame each way."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(UPGRADE)
    await reader.readuntil(b"\r\n\r\n")
    writer.write(_frame(f"user{number}") + _frame(f"/join {room}"))
    while True:
        head = await reader.readexactly(2)
        size = head[1] & 0x7F
        if size == 126:
            size = int.from_bytes(await reader.readexactly(2), "big")
        line = await reader.readexactly(size)
        if line.startswith(b"JOINED "):
            return reader, writer
        if line.startswith(b"ERR NO_SUCH_ROOM"):
            writer.write(_frame(f"/create {room}"))
        elif line.startswith(b"ERR ROOM_EXISTS"):
            writer.write(_frame(f"/join {room}"))


async def _one(port: int, number: int, door: str) -> tuple[Any, Any]:
    room = f"probe{number // ROOM_SIZE}"
    if door == "ws":
        return await _one_ws(port, number, room)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if door == "irc":  # NICK/USER, JOIN once welcomed, joined at 366
        writer.write(f"NICK user{number}\r\nUSER u 0 * :probe\r\n".encode())
        while True:
            line = await reader.readline()
            if not line or b" 366 " in line:
                return reader, writer
            if b" 001 " in line:
                writer.write(f"JOIN #{room}\r\n".encode())
    writer.write(f"user{number}\r\n/join {room}\r\n".encode())
    while True:
        line = await reader.readline()
        if not line or line.startswith(b"JOINED "):
            return reader, writer
        if line.startswith(b"ERR NO_SUCH_ROOM"):
            writer.write(f"/create {room}\r\n".encode())
        elif line.startswith(b"ERR ROOM_EXISTS"):
            writer.write(f"/join {room}\r\n".encode())


async def _clients(port: int, total: int, signals: Path, door: str) -> None:
    """Connect WARM clients, say so, wait for "go", connect the rest, say so,
    and hold every connection until told to stop."""
    held: list[tuple[Any, Any]] = []
    gate = asyncio.Semaphore(200)

    async def guarded(number: int) -> None:
        async with gate:
            held.append(await _one(port, number, door))

    for first, last, done in ((0, WARM, "warm"), (WARM, total, "done")):
        if done == "done":
            while not (signals / "go").exists():
                await asyncio.sleep(0.1)
        await asyncio.gather(*(guarded(n) for n in range(first, last)))
        await asyncio.sleep(0.5)
        (signals / done).touch()
    while not (signals / "stop").exists():
        await asyncio.sleep(0.2)


def _types() -> collections.Counter[str]:
    gc.unfreeze()  # the server freezes survivors (--gc-freeze); count them all
    return collections.Counter(
        f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects()
    )


def _redis_keys(url: str) -> dict[str, list[int]]:
    """Redis's memory (``INFO memory``'s ``used_memory``, under ``""``; what
    its keys hold, their ``MEMORY USAGE`` summed, under ``" held"``) and
    its keys grouped by name less the last part (``chatroom:seats:x`` under
    ``chatroom:seats``): how many, and their ``MEMORY USAGE`` summed (each
    key's name, value and table entry; not its slot in the keyspace's
    table, which ``used_memory`` counts).

    Not ``MEMORY STATS``' ``dataset.bytes``: it is ``used_memory`` less
    Redis's overheads, the clients' buffers among them, so it moved by
    about 100 bytes a client with what the links had in flight."""
    import redis as redis_py

    link = redis_py.Redis.from_url(url)
    keys = [bytes(key).decode() for key in link.scan_iter(count=1000)]
    with link.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.memory_usage(key, samples=0)
        sizes = pipe.execute()
    groups: dict[str, list[int]] = {
        "": [0, int(link.info("memory")["used_memory"])],
        " held": [len(keys), sum(size or 0 for size in sizes)],
    }
    for key, size in zip(keys, sizes, strict=True):
        parts = key.split(":")
        group = ":".join(parts[:-1]) if len(parts) > 2 else key
        counted = groups.setdefault(group, [0, 0])
        counted[0] += 1
        counted[1] += size or 0
    link.close()
    return groups


def _print_redis(before: dict[str, list[int]], url: str, measured: int) -> None:
    """What Redis grew by for each client measured, by ``_redis_keys``."""
    after = _redis_keys(url)
    grown = (after[""][1] - before[""][1]) / measured
    held = (after[" held"][1] - before[" held"][1]) / measured
    print(
        f"Redis: used_memory {grown:.0f}, its keys {held:.0f} bytes per client; by key:"
    )
    rows = []
    for group, (count, size) in after.items():
        if group and not group.startswith(" "):
            was_count, was_size = before.get(group, [0, 0])
            rows.append((size - was_size, count - was_count, group))
    for size, count, group in sorted(rows, reverse=True):
        if size:
            print(f"  {size / measured:6.1f} B {count / measured:5.2f} keys  {group}")


def _server(
    total: int, top: int, door: str, redis: str | None = None, frames: int = 1
) -> None:
    sys.path.insert(0, os.getcwd())
    from twisted.internet import reactor, task
    from twisted.logger import globalLogBeginner

    # As twistd does: log events are written, not kept in the start-up buffer
    # (which would count about 120 B per client that no server holds).
    globalLogBeginner.beginLoggingTo([lambda event: None], redirectStandardIO=False)

    try:
        from chatroom.wiring.tap import Options, makeService
    except ImportError:  # before the layout of issue 19
        from chatroom.tap import Options, makeService  # type: ignore[no-redef]

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    endpoint = f"tcp:{port}:interface=127.0.0.1:backlog=1024"
    options = Options()
    doors = ["--port", endpoint]
    if door == "irc":  # the line door on a port of its own, unused
        doors = ["--port", "tcp:0:interface=127.0.0.1", "--irc", endpoint]
    elif door == "ws":  # the web door's /ws
        doors = ["--port", "tcp:0:interface=127.0.0.1", "--http", endpoint]
    node = ["--redis", redis, "--node-id", "probe"] if redis else []
    options.parseOptions([*doors, *SERVER_OPTIONS, *node])
    service = makeService(options)
    service.startService()
    signals = Path(tempfile.mkdtemp(prefix="memory-probe-"))
    argv = [__file__, "--client", str(port), str(total), str(signals), "--door", door]
    clients: list[subprocess.Popen[bytes]] = []

    def start_clients(_: object = None) -> None:
        clients.append(subprocess.Popen([sys.executable, *argv]))

    registry = service.server.registry
    backend = getattr(getattr(registry, "inner", registry), "backend", None)
    if redis and backend is not None:  # UNAVAILABLE until it is in the cluster
        backend.when_available().addCallback(start_clients)
    else:
        start_clients()
    before: dict[str, Any] = {}
    measured = total - WARM

    def poll() -> None:
        if not before and (signals / "warm").exists():
            gc.collect()
            before.update(types=_types())
            if redis:
                before["redis"] = _redis_keys(redis)
            tracemalloc.start(frames)
            before["snapshot"] = tracemalloc.take_snapshot()
            (signals / "go").touch()
        elif before and (signals / "done").exists() and "done" not in before:
            before["done"] = True
            gc.collect()
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            types = _types() - before["types"]
            print(f"objects the collector tracks, per client ({measured} clients):")
            for name, count in types.most_common():
                if count < measured // 2:
                    break
                print(f"  {count / measured:5.2f} {name}")
            group = "traceback" if frames > 1 else "lineno"
            stats = after.compare_to(before["snapshot"], group)
            traced = sum(stat.size_diff for stat in stats) / measured
            blocks = sum(stat.count_diff for stat in stats) / measured
            print(
                f"traced: {traced:.0f} bytes, {blocks:.2f} blocks per client;"
                " the largest:"
            )
            for stat in stats[:top]:
                where = " < ".join(
                    f"{frame.filename}:{frame.lineno}"
                    for frame in reversed(stat.traceback)
                )
                print(
                    f"  {stat.size_diff / measured:6.1f} B"
                    f" {stat.count_diff / measured:5.2f} blocks  {where}"
                )
            if redis:
                _print_redis(before["redis"], redis, measured)
            (signals / "stop").touch()
            clients[0].wait()
            reactor.stop()

    task.LoopingCall(poll).start(0.1)
    reactor.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=2500)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--door", choices=("line", "irc", "ws"), default="line")
    parser.add_argument(
        "--redis", help="a node of a cluster on this Redis (URL) instead of a server"
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=1,
        help="group the bytes by this many frames of the allocating stack",
    )
    parser.add_argument("--client", nargs=3, metavar=("PORT", "TOTAL", "DIR"))
    args = parser.parse_args()
    if args.client:
        port, total, signals = args.client
        asyncio.run(_clients(int(port), int(total), Path(signals), args.door))
    else:
        _server(args.clients, args.top, args.door, args.redis, args.frames)


if __name__ == "__main__":
    main()
