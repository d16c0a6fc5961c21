"""What one sign-in and join costs a cluster node, by door, in counts the
machine's load does not move: Python calls, Redis commands, the node's
sends to Redis, log lines.

Run from a checkout (Debian's ``redis-server`` on the PATH; the same
script runs in an older tree too)::

    PYTHONPATH=. .venv/bin/python benchmarks/signin_calls.py [--signins 300]

One ``chatroom-cluster`` node in this process (the real service, on a
``redis-server`` the script starts on a free port and stops at the end),
its clients on ``StringTransport``\\ s, as ``make bench-million``'s
generator speaks through each door:

- ``line``: its name and ``/join ROOM`` in one packet, up to ``JOINED``;
- ``irc``: ``NICK`` and ``USER``, ``JOIN #ROOM`` once ``001`` is in, up
  to ``366``;
- ``ws``: the upgrade at ``/ws``, its name and ``/join ROOM`` once the
  ``101`` is in, up to ``JOINED``.

``--rooms`` rooms are made first, each by an owner who stays; then
``--signins`` new clients of each door come one after another, the next
once the last is in its room (room *n* mod ``--rooms``), as a node of a
million's fill takes its few sign-ins a second. It prints per sign-in: the
Python calls of the whole process (``cProfile``: the node, the reactor's
loop and these clients, which only collect bytes), the commands Redis ran
(``INFO commandstats``, the scripts' own included, less ``INFO``), the
node's sends to Redis (``TurnWriter.flush``: one a link a reactor turn,
so round trips), the log lines written (the text format, to
``/dev/null``), and the CPU (this process; it depends on the load: say
``uptime`` beside it). ``--top N`` lists the functions with most calls.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

from signin_rooms import _answers, commands, until  # beside it in benchmarks/
from twisted.internet import defer, reactor, task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.logger import FileLogObserver, LogEvent, globalLogPublisher

from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.web.site import build_site
from chatroom.wiring.logs import text_line
from chatroom.wiring.tap import Options, makeService


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ws_frame(text: bytes) -> bytes:
    """A client's text frame (masked with a zero key, as the generator's)."""
    assert len(text) < 126
    return bytes([0x81, 0x80 | len(text)]) + b"\0\0\0\0" + text


class Wire(StringTransport):
    """A client's end: it calls ``heard`` with what the server wrote."""

    def __init__(self, number: int, heard: Callable[[bytes], None]) -> None:
        peer = IPv4Address(
            "TCP", f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}", 4000
        )
        super().__init__(peerAddress=peer)
        self.heard = heard

    def write(self, data: bytes) -> None:
        self.io.write(data)
        self.heard(data)

    def writeSequence(self, seq: Any) -> None:
        data = b"".join(seq)
        self.io.write(data)
        self.heard(data)


class Client:
    """One client of ``door``, signing in and joining ``room``; ``done``
    fires once it is in."""

    def __init__(self, door: str, doors: dict[str, Any], number: int, room: str):
        self.door = door
        self.room = room
        self.name = f"c{door[0]}{number}"
        self.done: defer.Deferred[None] = defer.Deferred()
        self.step = 0
        self.wire = Wire(number, self.heard)
        if door == "line":
            self.protocol = LineProtocol(doors["hub"])
        elif door == "irc":
            self.protocol = doors["irc"].buildProtocol(None)
        else:
            self.protocol = doors["site"].buildProtocol(self.wire.getPeer())
        self.protocol.makeConnection(self.wire)
        if door == "line":
            self.protocol.dataReceived(f"{self.name}\r\n/join {room}\r\n".encode())
        elif door == "irc":
            self.protocol.dataReceived(
                f"NICK {self.name}\r\nUSER u 0 * :bench\r\n".encode()
            )
        else:
            self.protocol.dataReceived(
                b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:80\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Key: Y2hhdHJvb20tYmVuY2gtMQ==\r\n\r\n"
            )

    def heard(self, data: bytes) -> None:
        if self.door == "irc":
            if self.step == 0 and b" 001 " in data:
                self.step = 1
                reactor.callLater(0, self.send, f"JOIN #{self.room}\r\n".encode())
            if b" 366 " in data:
                self.finish()
        elif self.door == "ws" and self.step == 0 and b" 101 " in data:
            self.step = 1
            name, join = self.name.encode(), f"/join {self.room}".encode()
            reactor.callLater(0, self.send, ws_frame(name) + ws_frame(join))
        if self.door != "irc" and b"JOINED " in data:
            self.finish()

    def send(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def finish(self) -> None:
        if self.step < 2:  # the next client starts in a turn of its own
            self.step = 2
            reactor.callLater(0, self.done.callback, None)


class Lines:
    """The log's lines, counted and written (text) to ``/dev/null``."""

    def __init__(self) -> None:
        self.count = 0
        self.sink = open(os.devnull, "w")  # noqa: SIM115
        self.file = FileLogObserver(self.sink, text_line)

    def __call__(self, event: LogEvent) -> None:
        if event.get("log_level") is not None and event["log_level"].name != "debug":
            self.count += 1
            self.file(event)


async def run(options: argparse.Namespace) -> None:
    workdir = tempfile.mkdtemp(prefix="signin-calls-")
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await measure(options, redis_port)
    finally:
        redis.kill()
        redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)


async def measure(options: argparse.Namespace, redis_port: int) -> None:
    await until(lambda: _answers(redis_port), "redis-server")
    parsed = Options()
    parsed.parseOptions(
        [
            "--port", "tcp:0:interface=127.0.0.1",
            "--redis", f"redis://127.0.0.1:{redis_port}/0", "--node-id", "n1",
            "--gc-freeze", "0", "--rate", "0", "--max-rooms", "100000",
            "--max-clients", "0", "--max-per-ip", "0", "--db", ":memory:",
        ]
    )  # fmt: skip
    lines = Lines()
    globalLogPublisher.addObserver(lines)
    service = makeService(parsed)
    service.startService()
    await service.listener.whenListening()
    hub = service.server
    from chatroom.backends.redis.redis_backend import RedisBackend

    backend = hub.registry.backend
    while not isinstance(backend, RedisBackend):
        backend = backend.inner if hasattr(backend, "inner") else backend.backend
    await backend.when_available()
    irc = IRCFactory(hub)
    doors = {"hub": hub, "irc": irc, "site": build_site(hub, irc=irc)}
    keep = []
    number = 0
    for room in range(options.rooms):
        number += 1
        owner = Client("line", doors, number, f"r{room}")
        owner.protocol.dataReceived(f"/create r{room}\r\n".encode())
        await owner.done
        keep.append(owner)
    await task.deferLater(reactor, 1.0, lambda: None)  # settled

    for door in options.doors.split(","):
        for _ in range(20):  # unprofiled: caches warm
            number += 1
            client = Client(door, doors, number, f"r{number % options.rooms}")
            await client.done
            keep.append(client)
        await task.deferLater(reactor, 0.2, lambda: None)
        before = commands(redis_port)
        logged = lines.count
        profile = cProfile.Profile()
        began = time.process_time()
        if not options.cpu:
            profile.enable()
        for _ in range(options.signins):
            number += 1
            client = Client(door, doors, number, f"r{number % options.rooms}")
            await client.done
            keep.append(client)
        profile.disable()
        cpu = time.process_time() - began
        after = commands(redis_port)
        n = options.signins
        if options.cpu:
            print(
                f"{door:5s} redis_cmds/signin={(after - before) / n:6.2f}"
                f" cpu_ms/signin={cpu * 1000 / n:6.3f}"
                f" load={os.getloadavg()[0]:.2f}",
                flush=True,
            )
            continue
        stats: Any = pstats.Stats(profile)
        flushes = sum(
            calls
            for where, (_, calls, _, _, _) in stats.stats.items()
            if where[2] == "flush" and where[0].endswith("tcpdirect.py")
        )
        print(
            f"{door:5s} calls/signin={stats.total_calls / n:7.1f}"
            f" redis_cmds/signin={(after - before) / n:6.2f}"
            f" redis_sends/signin={flushes / n:5.2f}"
            f" log_lines/signin={(lines.count - logged) / n:5.2f}"
            f" cpu_ms/signin={cpu * 1000 / n:6.3f}"
            f" load={os.getloadavg()[0]:.2f}",
            flush=True,
        )
        rows = sorted(
            ((calls / n, f"{where[0].rsplit('/', 2)[-1]}:{where[1]}:{where[2]}")
             for where, (_, calls, _, _, _) in stats.stats.items()),
            reverse=True,
        )  # fmt: skip
        for calls, name in rows[: options.top]:
            print(f"      {calls:7.2f} {name}")
        if options.dump:
            profile.dump_stats(f"{options.dump}.{door}")
    globalLogPublisher.removeObserver(lines)
    stopping = defer.ensureDeferred(defer.maybeDeferred(service.stopService))
    stopping.addTimeout(5, reactor)
    await stopping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=300)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--doors", default="line,irc,ws")
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument(
        "--cpu", action="store_true", help="no profile: the CPU alone (calls 0)"
    )
    parser.add_argument("--dump", help="cProfile's stats into DUMP.DOOR")
    options = parser.parse_args()
    done = defer.ensureDeferred(run(options))
    done.addErrback(lambda failure: failure.printTraceback())
    done.addBoth(lambda _: reactor.stop())
    reactor.run()
    os._exit(0)  # whatever a stopped service left behind


if __name__ == "__main__":
    main()
