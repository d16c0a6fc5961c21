"""One load-generator process: many protocol clients on one Twisted reactor.

The coordinator (``chatroom.bench.main``) starts several of these so the
load comes from processes other than the server's. A worker gets its
specification as JSON in ``argv[1]`` and talks to the coordinator in JSON
lines: it prints ``{"ready": ...}`` once all its clients are named and in
their rooms, waits for ``{"start": t0}`` (or ``{"stop": true}``) on stdin,
runs its schedule and prints ``{"result": ...}``.

Client ``i`` of ``clients`` belongs to worker ``i % workers`` and to room
``i % rooms``; clients ``0 .. senders-1`` send. With several servers (the
nodes of a cluster), client ``i`` connects to server ``(i // rooms) %
servers``: round-robin over each room's members, so every room has members
(and senders) on every node and its messages have to cross between nodes.
Every worker derives the same layout, so the coordinator can compute the
expected deliveries exactly, per room and per server.

Sending is open loop: message ``k`` of sender ``i`` is *scheduled* for
``t0 + (i / senders + k) / rate`` and carries that time (in microseconds) as
the first word of its text. A receiver's latency is arrival time minus
scheduled time, so a worker or server that falls behind shows up as latency
instead of silently lowering the offered load.
"""

from __future__ import annotations

import heapq
import json
import resource
import socket
import sys
import time
from typing import Any

# POSIX's, which twisted.internet.stdio picks on Linux (the worker runs on
# epoll) by a test at import that mypy cannot follow: it would see Windows'.
from twisted.internet._posixstdio import StandardIO
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.epollreactor import EPollReactor
from twisted.internet.protocol import Protocol
from twisted.internet.tcp import Client
from twisted.python.failure import Failure

from chatroom.bench.sampling import raise_nofile_limit
from chatroom.bench.sockets import Control, ReadMux
from chatroom.bench.stats import bucket
from chatroom.wire.lines import EVENT_FIELDS, parse_event

#: Where the text of a ``MSG`` line starts, counting its words from the
#: event's (its first word is the time the sending worker scheduled it):
#: the hot path splits the bytes there, without parsing the line.
MSG_TEXT_WORD = 1 + len(EVENT_FIELDS["MSG"])


def cpu_seconds() -> float:
    """This process's user + system CPU time so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def user_name(tag: str, index: int) -> str:
    """The name of client ``index`` in run ``tag`` (unique per run)."""
    return f"b{tag}u{index}"


def room_name(tag: str, index: int) -> str:
    """The name of room ``index`` in run ``tag``."""
    return f"b{tag}r{index}"


class ReceiveWindow:
    """One measurement window: which scheduled times it covers and what arrived.

    Messages count in a window by their *scheduled* time, so a message sent
    late (because the worker stalled) still belongs where it was meant to be.
    """

    __slots__ = (
        "by_server",
        "end",
        "histogram",
        "max_us",
        "name",
        "received",
        "sent",
        "start",
    )

    def __init__(self, name: str, start: int, end: int, servers: int) -> None:
        self.name = name
        self.start = start
        self.end = end
        self.histogram: dict[int, int] = {}
        self.max_us = 0
        self.received = 0
        self.by_server = [0] * servers  # deliveries to clients of each server
        self.sent: dict[int, int] = {}  # room index -> messages scheduled here

    def report(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "histogram": self.histogram,
            "max_us": self.max_us,
            "received": self.received,
            "received_by_server": self.by_server,
            "sent": self.sent,
        }


class BenchClient(Protocol):
    """One simulated user: names itself, joins (or creates) its room, listens.

    Name and ``/join`` go out in one write as soon as the socket is open
    (the protocol processes lines in order), so joining costs one round
    trip. ``ERR NO_SUCH_ROOM`` is answered with ``/create`` and
    ``ERR ROOM_EXISTS`` (another client won the race) with ``/join``.
    Once joined, any ``ERR`` or ``NOTICE`` is the server complaining
    mid-run (e.g. a cluster node that lost Redis) and is reported.
    """

    def __init__(self, worker: Worker, index: int, track: bool) -> None:
        self.worker = worker
        self.index = index
        self.name = user_name(worker.tag, index)
        self.room_index = index % worker.rooms
        self.server = (index // worker.rooms) % len(worker.servers)
        self.room = room_name(worker.tag, self.room_index)
        self.track = track
        self.padding = (
            worker.track_padding
            if self.room_index == worker.track_room
            else worker.padding
        )
        self.joined = False
        self.attempts = 0
        self._buffer = b""
        self.fd = -1  # the socket's descriptor, once connected
        self.tcp: Client | None = None

    def connectionMade(self) -> None:
        # A TCP4ClientEndpoint always connects a tcp.Client; naming the class
        # lets the socket-level calls below be type-checked.
        tcp = self.transport
        assert isinstance(tcp, Client)
        self.tcp = tcp
        tcp.setTcpNoDelay(True)
        if self.index == self.worker.slow:
            # A small receive buffer makes the stall reach the server sooner.
            tcp.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.worker.mux.add(self)
        self.write(f"{self.name}\r\n/join {self.room}\r\n".encode())

    def dataReceived(self, data: bytes) -> None:
        """The hot path: count and time MSG lines; hand the rest to ``control``."""
        now = time.time()
        worker = self.worker
        worker.last_data = now
        if self._buffer:
            data = self._buffer + data
        lines = data.split(b"\r\n")
        self._buffer = lines.pop()
        now_us = int(now * 1_000_000)
        for line in lines:
            if line[:4] == b"MSG ":
                if self.track:
                    words = line.split(b" ", MSG_TEXT_WORD + 1)
                    scheduled = int(words[MSG_TEXT_WORD])
                    for window in worker.windows:
                        if window.start <= scheduled < window.end:
                            latency = now_us - scheduled
                            key = bucket(latency)
                            histogram = window.histogram
                            histogram[key] = histogram.get(key, 0) + 1
                            if latency > window.max_us:
                                window.max_us = latency
                            window.received += 1
                            window.by_server[self.server] += 1
                            break
            elif line[:1] in b"JEPN" and not line.startswith((b"JOIN ", b"NICK ")):
                # Only JOINED, ERR, PART and NOTICE matter here: ROOM lists
                # and JOINs are most of a joiner's input, not worth parsing.
                self.control(line.decode("utf-8", "replace"))

    def control(self, line: str) -> None:
        """Everything that is not a chat message: the joining dance, PARTs."""
        event = parse_event(line)
        if event.name == "JOINED" and not self.joined:
            self.joined = True
            self.worker.client_joined(self)
        elif event.name == "ERR" and not self.joined:
            code = event.field("code")
            self.attempts += 1
            if self.attempts > 5 or code not in ("NO_SUCH_ROOM", "ROOM_EXISTS"):
                self.worker.client_failed(self, f"{code} {event.text}")
                return
            command = "create" if code == "NO_SUCH_ROOM" else "join"
            self.write(f"/{command} {self.room}\r\n".encode())
        elif event.name in ("ERR", "NOTICE") and self.joined:
            self.worker.complaint(self, line)
        elif event.name == "PART" and event.field("user"):
            self.worker.saw_part(event.field("user"), event.text)

    def send_message(self, scheduled_us: int, seq: int) -> None:
        """One chat line whose text starts with its scheduled time."""
        self.write(b"%d %d %d%s\r\n" % (scheduled_us, self.index, seq, self.padding))

    def write(self, data: bytes) -> None:
        """Through the transport (Twisted buffers what the socket won't take)."""
        assert self.tcp is not None, "written to before connectionMade"
        self.tcp.write(data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        if self.fd in self.worker.mux.clients and reason is not None:
            self.worker.mux.remove(self)
            self.closed(reason.getErrorMessage())

    def closed(self, why: str = "closed by the server") -> None:
        """The server closed the connection (seen by the ReadMux or Twisted)."""
        if not self.joined:
            self.worker.client_failed(self, why)
        else:
            self.worker.lost += 1


class Worker:
    """Connects this worker's clients, then runs the send schedule."""

    def __init__(self, spec: dict[str, Any], reactor: EPollReactor) -> None:
        self.reactor = reactor
        self.spec = spec
        self.tag: str = spec["tag"]
        self.rooms: int = spec["rooms"]
        self.servers: list[tuple[str, int]] = [
            (host, port)
            for host, port in spec.get("servers", [(spec["host"], spec["port"])])
        ]
        self.slow: int | None = spec.get("slow")
        self.track_room: int | None = spec.get("track_room")
        self.padding = self._pad(spec.get("message_size", 0))
        self.track_padding = self._pad(spec.get("track_message_size", 0))
        self.windows: list[ReceiveWindow] = []
        self.last_data = 0.0
        self.lost = 0
        self.errors: list[str] = []
        self.complaints: list[str] = []  # ERR or NOTICE lines after joining
        self.complaint_count = 0
        self.clients: list[BenchClient] = []
        self.mux = ReadMux(reactor)
        self.drop_seen: tuple[float, str] | None = None
        mine = range(spec["worker"], spec["clients"], spec["workers"])
        self._pending = list(reversed(mine))
        self._in_flight = 0
        self._joined = 0
        self._wanted = len(mine)
        self._connect_start = 0.0
        self._cpu_start = 0.0
        self._heap: list[tuple[float, int, int]] = []
        self._t0 = 0.0
        self._done = False

    @staticmethod
    def _pad(size: int) -> bytes:
        """Filler that brings a message's text to about ``size`` bytes."""
        size = max(0, size - 24)  # the time stamp, sender and number
        return b" " + b"x" * size if size else b""

    # -- connecting ------------------------------------------------------------

    def start(self) -> None:
        self.reactor.addReader(self.mux)
        self._connect_start = time.time()
        self._cpu_start = cpu_seconds()
        if not self._wanted:
            self._report_ready()
            return
        for _ in range(min(self.spec["concurrency"], len(self._pending))):
            self._connect_next()

    def _tracked(self, index: int) -> bool:
        if self.track_room is None:
            return True
        return index % self.rooms == self.track_room and index != self.slow

    def _connect_next(self) -> None:
        if not self._pending:
            return
        index = self._pending.pop()
        client = BenchClient(self, index, self._tracked(index))
        self.clients.append(client)
        self._in_flight += 1
        host, port = self.servers[client.server]
        endpoint = TCP4ClientEndpoint(self.reactor, host, port, timeout=30)
        connectProtocol(endpoint, client).addErrback(
            lambda failure, c=client: self.client_failed(c, failure.getErrorMessage())
        )

    def client_joined(self, client: BenchClient) -> None:
        self._in_flight -= 1
        self._joined += 1
        self._connect_next()
        self._check_ready()

    def client_failed(self, client: BenchClient, why: str) -> None:
        if client.joined:
            return
        client.joined = True  # settled: never counted twice
        self._in_flight -= 1
        self.errors.append(f"{client.name}: {why}")
        self._connect_next()
        self._check_ready()

    def _check_ready(self) -> None:
        if self._joined + len(self.errors) == self._wanted and not self._in_flight:
            self._report_ready()

    def _report_ready(self) -> None:
        emit(
            {
                "ready": True,
                "joined": self._joined,
                "errors": self.errors[:20],
                "error_count": len(self.errors),
                "connect_start": self._connect_start,
                "connect_end": time.time(),
                "cpu": cpu_seconds() - self._cpu_start,
            }
        )

    # -- the run ----------------------------------------------------------------

    def command(self, message: dict[str, Any]) -> None:
        if message.get("stop"):
            self.finish()
        elif "start" in message:
            self.run(message["start"])

    def run(self, t0: float) -> None:
        """Schedule every sender's messages and the measurement windows."""
        spec = self.spec
        self._t0 = t0
        to_us = 1_000_000
        self.windows = [
            ReceiveWindow(
                name, int((t0 + a) * to_us), int((t0 + b) * to_us), len(self.servers)
            )
            for name, a, b in spec["windows"]
        ]
        self._send_end = t0 + spec["send_end"]
        rate, senders = spec["rate"], spec["senders"]
        for client in self.clients:
            if client.index < senders and client.joined and rate > 0:
                first = t0 + client.index / senders / rate
                heapq.heappush(self._heap, (first, client.index, 0))
        self._by_index = {c.index: c for c in self.clients}
        now = time.time()
        cpu_at = spec["windows"][0][1]
        cpu_until = spec["windows"][-1][2]
        self.reactor.callLater(max(0.0, t0 + cpu_at - now), self._cpu_mark)
        self.reactor.callLater(max(0.0, t0 + cpu_until - now), self._cpu_mark)
        self._cpu_marks: list[tuple[float, float]] = []
        if self.slow is not None and self.slow in self._by_index:
            self.reactor.callLater(
                max(0.0, t0 + spec["slow_at"] - now),
                self.mux.remove,
                self._by_index[self.slow],
            )
        self._slow_at = t0 + spec.get("slow_at", 0.0)
        self.reactor.callLater(max(0.0, t0 - now), self._tick)

    def _cpu_mark(self) -> None:
        self._cpu_marks.append((time.time(), cpu_seconds()))

    def _tick(self) -> None:
        """Send every message that is due, each stamped with its scheduled time."""
        heap = self._heap
        now = time.time()
        rate = self.spec["rate"]
        senders = self.spec["senders"]
        windows = self.windows
        while heap and heap[0][0] <= now:
            scheduled, index, seq = heapq.heappop(heap)
            client = self._by_index[index]
            scheduled_us = int(scheduled * 1_000_000)
            if client.connected:
                client.send_message(scheduled_us, seq)
                for window in windows:
                    if window.start <= scheduled_us < window.end:
                        room = client.room_index
                        window.sent[room] = window.sent.get(room, 0) + 1
                        break
            following = self._t0 + (index / senders + seq + 1) / rate
            if following < self._send_end:
                heapq.heappush(heap, (following, index, seq + 1))
        if heap:
            self.reactor.callLater(max(0.0, heap[0][0] - time.time()), self._tick)
        else:
            self.reactor.callLater(max(0.0, self._send_end - time.time()), self._drain)

    def _drain(self) -> None:
        """Wait for in-flight deliveries: until the sockets go quiet, bounded."""
        now = time.time()
        idle = now - max(self.last_data, self._send_end)
        if (
            idle >= self.spec["drain_idle"]
            or now > self._send_end + self.spec["drain_max"]
        ):
            self.finish()
        else:
            self.reactor.callLater(0.05, self._drain)

    def complaint(self, client: BenchClient, line: str) -> None:
        """Keep a few of the server's mid-run ERR/NOTICE lines, count them all."""
        self.complaint_count += 1
        if len(self.complaints) < 20:
            self.complaints.append(f"{client.name} (server {client.server}): {line}")

    def saw_part(self, user: str, reason: str) -> None:
        """Note when the slow reader was dropped (its room hears a PART)."""
        if (
            self.slow is not None
            and self.drop_seen is None
            and user == user_name(self.tag, self.slow)
        ):
            self.drop_seen = (time.time() - self._slow_at, reason)

    def finish(self) -> None:
        if self._done:
            return
        self._done = True
        marks = getattr(self, "_cpu_marks", [])
        cpu = None
        if len(marks) == 2:
            cpu = {
                "seconds": marks[1][1] - marks[0][1],
                "wall": marks[1][0] - marks[0][0],
            }
        emit(
            {
                "result": {
                    "windows": [w.report() for w in self.windows],
                    "cpu": cpu,
                    "cpu_total": cpu_seconds(),
                    "lost": self.lost,
                    "drop": self.drop_seen,
                    "complaints": self.complaints,
                    "complaint_count": self.complaint_count,
                }
            }
        )
        self.reactor.removeReader(self.mux)
        for client in self.clients:
            if client.tcp is not None and client.connected:
                client.tcp.abortConnection()
        self.reactor.callLater(0.05, self.reactor.stop)


def emit(message: dict[str, Any]) -> None:
    """One JSON line to the coordinator."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Entry point: ``python -m chatroom.bench.worker SPEC-JSON``."""
    raise_nofile_limit()
    spec = json.loads(sys.argv[1])
    # Built here, not imported: the coordinator imports this module and must
    # not get a reactor; and the concrete class is what the type checker knows.
    reactor = EPollReactor()
    worker = Worker(spec, reactor)
    StandardIO(
        Control(worker.command, reactor), stdout=sys.stderr.fileno(), reactor=reactor
    )
    reactor.callWhenRunning(worker.start)
    reactor.run()


if __name__ == "__main__":
    main()
