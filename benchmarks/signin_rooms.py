"""What one sign-in at the line door costs with many rooms on the server.

Run from a checkout (the same script runs in an older tree too)::

    PYTHONPATH=. .venv/bin/python benchmarks/signin_rooms.py local 1000
    PYTHONPATH=. .venv/bin/python benchmarks/signin_rooms.py node 10000

ROOMS rooms are made first, each by a user of its own who stays in it
(the first 300 rooms get i mod 7 members more, so that they differ in
size). Then
SIGNINS (200) new users sign in one after another, each waiting for its
``WELCOME`` and the whole room list before the next starts. It prints,
per sign-in: the lines and bytes the new user is sent up to the room list's
end, the server's CPU (this process: the server and its clients, which
do nothing but collect bytes), and on a node the Redis commands (``INFO
commandstats``). ``local`` is one server on the in-process back-end
(``--db :memory:``); ``node`` a cluster node on a ``redis-server`` this
script starts on a free port and stops at the end. A time depends on the
machine's load: say it (``uptime``) beside the figure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from twisted.internet import defer, reactor, task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from chatroom.doors.line.protocol import LineProtocol
from chatroom.wiring.tap import Options, makeService

SIGNINS = 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Client:
    """A line connection on a ``StringTransport``, from an address of its own."""

    made = 0

    def __init__(self, hub: Any) -> None:
        Client.made += 1
        n = Client.made
        peer = IPv4Address("TCP", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 4000)
        self.transport = StringTransport(peerAddress=peer)
        self.protocol = LineProtocol(hub)
        self.protocol.makeConnection(self.transport)

    def send(self, line: str) -> None:
        self.protocol.dataReceived(line.encode() + b"\r\n")

    def lines(self) -> list[bytes]:
        return self.transport.value().split(b"\r\n")[:-1]


def listed(client: Client) -> bool:
    """Whether the client has its whole room list (``ROOMS n``, n ``ROOM``)."""
    data = client.transport.value()
    at = data.find(b"ROOMS ")
    if at < 0:
        return False
    count = int(data[at:].split(b"\r\n", 1)[0].split(b" ")[1])
    return data.count(b"\r\nROOM ", at) >= count


async def until(check: Any, what: str, bound: float = 600.0) -> None:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > bound:
            raise TimeoutError(what)
        await task.deferLater(reactor, 0.001, lambda: None)


async def enter(clients: list[tuple[int, Client]], command: str) -> None:
    """Each client, once named (its room list in), sends ``command r<i>``
    for its number ``i`` and is in that room (``JOINED``)."""
    await until(lambda: all(listed(c) for _, c in clients), "named")
    for i, client in clients:
        client.send(f"{command} r{i}")
    await until(
        lambda: all(b"JOINED r" in c.transport.value() for _, c in clients), command
    )


def commands(redis_port: int) -> int:
    """Redis's commands so far (``INFO commandstats``, less the INFO calls)."""
    out = subprocess.run(
        ["redis-cli", "-p", str(redis_port), "INFO", "commandstats"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = 0
    for line in out.splitlines():
        if line.startswith("cmdstat_") and not line.startswith("cmdstat_info"):
            total += int(line.split("calls=")[1].split(",")[0])
    return total


async def run(kind: str, rooms: int) -> None:
    redis = None
    redis_port = 0
    workdir = tempfile.mkdtemp(prefix="signin-rooms-")
    cluster: list[str] = ["--db", ":memory:"]
    if kind == "node":
        redis_port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        await until(lambda: _answers(redis_port), "redis-server")
        cluster = ["--redis", f"redis://127.0.0.1:{redis_port}/0", "--node-id", "n1"]
    options = Options()
    options.parseOptions(
        [
            "--port", "tcp:0:interface=127.0.0.1", *cluster,
            "--gc-freeze", "0", "--rate", "0",
            "--max-rooms", str(rooms + 10), "--max-clients", "100000",
            "--max-per-ip", "100000", "--rooms-per-hour", "0",
        ]
    )  # fmt: skip
    service = makeService(options)
    service.startService()
    await service.listener.whenListening()
    hub = service.server
    if kind == "node":
        from chatroom.backends.redis.redis_backend import RedisBackend

        backend = hub.registry.backend
        while not isinstance(backend, RedisBackend):
            backend = backend.inner if hasattr(backend, "inner") else backend.backend
        await backend.when_available()
    keep = []
    batch = 50
    for start in range(0, rooms, batch):
        made = []
        for i in range(start, min(rooms, start + batch)):
            owner = Client(hub)
            owner.send(f"o{i}")
            made.append((i, owner))
        await enter(made, "/create")
        extras = []
        for i, owner in made:
            owner.transport.clear()
            keep.append(owner)
            for j in range(i % 7 if i < 300 else 0):
                extra = Client(hub)
                extra.send(f"m{i}x{j}")
                extras.append((i, extra))
        await enter(extras, "/join")
        for _, extra in extras:
            extra.transport.clear()
            keep.append(extra)
    await task.deferLater(reactor, 1.5, lambda: None)  # settled, lists read
    before_commands = commands(redis_port) if redis_port else 0
    cpu = 0.0
    sent_bytes = 0
    sent_lines = 0
    for n in range(SIGNINS):
        client = Client(hub)
        client.transport.clear()
        began = time.process_time()
        client.send(f"s{n}")
        await until(lambda c=client: listed(c), "signed in")
        cpu += time.process_time() - began
        sent_bytes += len(client.transport.value())
        sent_lines += len(client.lines())
        keep.append(client)
    after_commands = commands(redis_port) if redis_port else 0
    print(
        f"{kind} rooms={rooms} signins={SIGNINS}"
        f" lines/signin={sent_lines / SIGNINS:.1f}"
        f" bytes/signin={sent_bytes / SIGNINS:.0f}"
        f" cpu_ms/signin={cpu * 1000 / SIGNINS:.3f}"
        + (
            f" redis_cmds/signin={(after_commands - before_commands) / SIGNINS:.2f}"
            if redis_port
            else ""
        )
        + f" load={os.getloadavg()[0]:.2f}",
        flush=True,
    )
    stopping = defer.ensureDeferred(defer.maybeDeferred(service.stopService))
    stopping.addTimeout(5, reactor)
    await stopping
    if redis is not None:
        redis.kill()
        redis.wait()
    shutil.rmtree(workdir, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def main() -> None:
    kind, rooms = sys.argv[1], int(sys.argv[2])
    done = defer.ensureDeferred(run(kind, rooms))
    done.addErrback(lambda failure: failure.printTraceback())
    done.addBoth(lambda _: reactor.stop())
    reactor.run()
    os._exit(0)  # whatever a stopped service left behind


if __name__ == "__main__":
    main()
