"""What a single server's Python spends on a keyed line (``/txn KEY
TEXT``) beside a plain one, in one process: counted in function calls,
which the machine's load does not move, and in CPU (the best of several
rounds).

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/txn_in_process.py [ROUNDS]
    PYTHONPATH=/tmp/other-tree .venv/bin/python benchmarks/txn_in_process.py

A server over the in-process back-end (as ``twistd chatroom`` builds one
without ``--redis``, no ``--db``, no flood limit; its search index's rows
queued for the index's thread, as the server queues them) has one sender and
MEMBERS (99) other members in a room, each a real line door's protocol
on a ``StringTransport``. MESSAGES (5,000) lines go through the sender's
``dataReceived`` the way its socket hands them over, once plain and once
each with a fresh key, as the clients' outboxes send them; the
transports are emptied every 100 lines, as a socket's writes would. It
prints, per line, the function calls (``cProfile``) and the CPU in µs of
each (the best of ROUNDS, 5 unless given, alternated), their ratio, and
the functions whose calls differ the most.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from chatroom.backends.local.records import MemoryStore
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub, WebAddress
from chatroom.doors.line.protocol import LineProtocol
from chatroom.wiring.registries import local_registry

MESSAGES = 5_000
MEMBERS = 99
ROUNDS = 5
#: How many lines between two emptyings of the transports.
FLUSH_EVERY = 100


def in_place(function: Callable[[], Any]) -> Deferred[Any]:
    """Work done at once (the server's runner for passwords)."""
    return maybeDeferred(function)


class Room:
    """A fresh server with a sender and MEMBERS others in room ``tea``."""

    def __init__(self) -> None:
        clock = Clock()
        clock.advance(1_800_000_000)
        config = ServerConfig(rate=0)
        address = WebAddress()
        # the search index fed as the server feeds it: rows queued for its
        # thread (here never run), not indexed on the reactor's
        store = MemoryStore(config.retention, run=in_place)
        registry = local_registry(
            config, clock, store, hashing=in_place, link_base=address
        )
        registry.start()
        self.server = DoorHub(config, clock, registry, in_place, address=address)
        self.transports: list[StringTransport] = []
        self.sender = self.connect("sender")
        self.sender.dataReceived(b"/create tea\r\n")
        for number in range(MEMBERS):
            member = self.connect(f"m{number}")
            member.dataReceived(b"/join tea\r\n")
        self.flush()

    def connect(self, name: str) -> LineProtocol:
        # each from an address of its own: the server takes at most 50
        # connections from one address (``--max-per-ip``)
        number = len(self.transports)
        host = f"10.0.{number // 250}.{number % 250 + 1}"
        transport = StringTransport(peerAddress=IPv4Address("TCP", host, 40000))
        protocol = LineProtocol(self.server)
        protocol.makeConnection(transport)
        protocol.dataReceived(f"{name}\r\n".encode())
        self.transports.append(transport)
        return protocol

    def flush(self) -> None:
        for transport in self.transports:
            transport.clear()

    def say(self, lines: list[bytes]) -> None:
        for number, line in enumerate(lines):
            self.sender.dataReceived(line)
            if number % FLUSH_EVERY == FLUSH_EVERY - 1:
                self.flush()
        self.flush()


def lines(keyed: bool, round_: int) -> list[bytes]:
    """MESSAGES lines of 64 bytes of text, keyed ones with fresh keys."""
    text = "x" * 56
    if keyed:
        return [
            f"/txn r{round_}k{n:08d}x {text}{n:08d}\r\n".encode()
            for n in range(MESSAGES)
        ]
    return [f"{text}{n:08d}\r\n".encode() for n in range(MESSAGES)]


def counted(keyed: bool) -> tuple[int, pstats.Stats]:
    """The function calls of MESSAGES lines, and where they go."""
    room = Room()
    said = lines(keyed, 0)
    profile = cProfile.Profile()
    profile.enable()
    room.say(said)
    profile.disable()
    stats = pstats.Stats(profile)
    return stats.total_calls, stats  # type: ignore[attr-defined]


def cpu(keyed: bool, round_: int) -> float:
    """The CPU of MESSAGES lines, in seconds."""
    room = Room()
    said = lines(keyed, round_)
    started = time.process_time()
    room.say(said)
    return time.process_time() - started


def by_function(stats: pstats.Stats) -> dict[str, int]:
    table = stats.stats  # type: ignore[attr-defined]
    return {
        f"{file.rsplit('/', 1)[-1]}:{line} {name}": calls
        for (file, line, name), (_, calls, *_rest) in table.items()
    }


def main() -> None:
    plain_calls, plain_stats = counted(False)
    keyed_calls, keyed_stats = counted(True)
    plain_cpu: list[float] = []
    keyed_cpu: list[float] = []
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    for round_ in range(rounds):  # alternated
        plain_cpu.append(cpu(False, round_))
        keyed_cpu.append(cpu(True, round_))
    per = 1e6 / MESSAGES
    print(f"python {sys.version.split()[0]}; {MESSAGES} lines, {MEMBERS + 1} members")
    print(
        f"calls per line: plain {plain_calls / MESSAGES:.1f}, "
        f"keyed {keyed_calls / MESSAGES:.1f} "
        f"({keyed_calls / plain_calls:.3f} x)"
    )
    best_plain, best_keyed = min(plain_cpu), min(keyed_cpu)
    print(
        f"CPU per line, best of {rounds}: plain {best_plain * per:.1f} us, "
        f"keyed {best_keyed * per:.1f} us ({best_keyed / best_plain:.3f} x); "
        f"spread plain {min(plain_cpu) * per:.1f}-{max(plain_cpu) * per:.1f}, "
        f"keyed {min(keyed_cpu) * per:.1f}-{max(keyed_cpu) * per:.1f}"
    )
    plain, keyed = by_function(plain_stats), by_function(keyed_stats)
    differ = sorted(
        ((keyed.get(name, 0) - plain.get(name, 0), name) for name in {*plain, *keyed}),
        reverse=True,
    )
    print("calls per line more when keyed (the first 25):")
    for more, name in differ[:25]:
        print(f"  {more / MESSAGES:8.2f}  {name}")


if __name__ == "__main__":
    main()
