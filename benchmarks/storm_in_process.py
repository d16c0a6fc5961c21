"""A connect storm in one process, for counting what a join costs.

Run from a checkout, under callgrind for a count of instructions that the
machine's load does not move::

    PYTHONPATH=. valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/storm_in_process.py 2000 1000
    PYTHONPATH=. valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/storm_in_process.py 0 1000

CLIENTS line clients connect, name themselves and join rooms of SIZE
(client i into room i mod rooms, the first of each room making it), BATCH
(50) to a reactor turn, as the C generator's storm does over sockets. The
difference of the two counts, over CLIENTS, is a join's: the server's
Python without the kernel's ``send()``. Each connection's socket takes
everything at once (``send_direct`` is replaced by a counter), so each
send queue sends once per turn, as the server's do. The clock is
``task.Clock`` with its timers kept in order as they are added (Clock
sorts its whole list per timer, which the reactor's heap does not). It
runs in cf6c44a's tree too, whose modules are named otherwise, so the
two can be counted alike.
"""

from __future__ import annotations

import bisect
import importlib
import sys
from collections.abc import Callable
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport


def tree() -> tuple[Any, Any, Any, Callable[[Any, Clock], Any]]:
    """The tree's send queue module, ServerConfig, line protocol and a way
    to make a server on the in-process back-end (in cf6c44a's tree too)."""
    try:
        from chatroom.core.model.config import ServerConfig
        from chatroom.doors.base import sendq
        from chatroom.doors.line.protocol import LineProtocol
        from tests.support import local_server

        return sendq, ServerConfig, LineProtocol, local_server
    except ImportError:  # cf6c44a's tree
        server = importlib.import_module("chatroom.server").ChatServer
        return (
            importlib.import_module("chatroom.sendq"),
            importlib.import_module("chatroom.config").ServerConfig,
            importlib.import_module("chatroom.protocol").ChatProtocol,
            lambda config, clock: server(config, clock=clock),
        )


class Taken:
    """What the storm's sockets took: bytes and ``send()`` calls."""

    bytes = 0
    sends = 0


def call_later(clock: Clock, delay: float, call: Any, *args: Any, **kw: Any) -> Any:
    """``Clock.callLater``, its timer put in its place rather than sorted in."""
    from twisted.internet.task import DelayedCall

    def reset(_: object) -> None:
        clock.calls.sort(key=lambda timer: timer.getTime())

    timer = DelayedCall(
        clock.seconds() + delay,
        call,
        args,
        kw,
        clock.calls.remove,
        reset,
        clock.seconds,
    )
    bisect.insort(clock.calls, timer, key=lambda timer: timer.getTime())
    return timer


class Sock:
    """The connection ``send_direct`` is given."""


def direct(transport: object) -> Sock | None:
    return Sock() if isinstance(transport, StringTransport) else None


def send(connection: Sock, data: bytes) -> bytes:
    Taken.bytes += len(data)
    Taken.sends += 1
    return b""


def storm(clients: int, size: int, batch: int) -> None:
    sendq, server_config, protocol_class, make_server = tree()
    sendq.direct_connection, sendq.send_direct = direct, send
    clock = Clock()
    clock.callLater = lambda *a, **kw: call_later(clock, *a, **kw)  # type: ignore[method-assign]
    clock.advance(1_800_000_000)
    config = server_config(
        rate=0, max_per_ip=0, max_clients=0, room_capacity=max(size, 256)
    )
    server = make_server(config, clock)
    rooms = max(1, -(-clients // size))
    protocols = []
    for i in range(clients):
        transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", i))
        protocol = protocol_class(server)
        protocol.makeConnection(transport)
        protocol.dataReceived(f"bu{i}\r\n".encode())
        verb = "create" if i < rooms else "join"
        protocol.dataReceived(f"/{verb} br{i % rooms}\r\n".encode())
        protocols.append(protocol)
        if i % batch == batch - 1:
            clock.advance(0)
    clock.advance(0)
    print(
        f"{clients} clients in {rooms} rooms: {Taken.bytes} bytes"
        f" in {Taken.sends} sends",
        file=sys.stderr,
    )


if __name__ == "__main__":
    words = sys.argv[1:]
    if len(words) not in (2, 3):
        sys.exit("usage: storm_in_process.py CLIENTS SIZE [BATCH]")
    storm(int(words[0]), int(words[1]), int(words[2]) if len(words) == 3 else 50)
