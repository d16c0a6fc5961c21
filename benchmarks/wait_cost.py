"""What ``--redis-replicas 1`` (Redis ``WAIT``) costs a message: a rough figure.

Run from a checkout (Debian's ``redis-server`` and ``redis-cli`` on the PATH)::

    .venv/bin/python benchmarks/wait_cost.py [--messages 2000] [--burst 3000] \
        [--senders 40] [--rounds 2]

Each round starts, for ``--redis-replicas 0`` and then ``1``, a primary and
a replica (``redis-server`` on free loopback ports, no persistence) and one
``twistd chatroom`` node on the primary, then measures from this process,
over real sockets: one sender's round trip (a message sent, its own copy
back) ``--messages`` times in a row; one connection sending ``--burst``
messages at once, to the last copy back; ``--senders`` connections, each in
a room of its own, sending 100 messages each at once; and how many ``WAIT``
commands Redis ran for them (``INFO commandstats``). Everything shares the
machine, so the figures are only as quiet as the machine is.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TWISTD = os.path.join(CHECKOUT, ".venv", "bin", "twistd")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, bound: float = 60) -> None:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port} after {bound} s")


class Client:
    """A line-protocol client on a blocking socket."""

    def __init__(self, port: int, name: str, room: str | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buffer = b""
        named = ""
        while not named.startswith("ROOM "):  # until the node is in the cluster
            self.send(name)
            named = self.until(lambda line: line.startswith(("ROOM ", "ERR ")))
            time.sleep(0.1 if named.startswith("ERR ") else 0)
        self.send(f"/create {room}" if room else "/join general")
        self.until(lambda line: line.startswith("JOINED "))

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def until(self, wanted: Callable[[str], bool]) -> str:
        while True:
            while b"\r\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\r\n", 1)
                line = raw.decode()
                if wanted(line):
                    return line
            data = self.sock.recv(65536)
            if not data:
                raise SystemExit("the server closed the connection")
            self.buffer += data


def waits(port: int) -> int:
    stats = subprocess.run(
        ["redis-cli", "-p", str(port), "INFO", "commandstats"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"cmdstat_wait:calls=(\d+)", stats)
    return int(found.group(1)) if found else 0


def measure(replicas: int, args: argparse.Namespace) -> str:
    directory = tempfile.mkdtemp(prefix="wait-cost-")
    primary, replica, node_port = free_port(), free_port(), free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    common += ["--dir", directory, "--repl-diskless-sync-delay", "0"]
    replica_of = ["--replicaof", "127.0.0.1", str(primary)]
    processes = [
        subprocess.Popen(
            ["redis-server", "--port", str(primary), *common],
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            ["redis-server", "--port", str(replica), *common, *replica_of],
            stdout=subprocess.DEVNULL,
        ),
    ]
    try:
        wait_for_port(primary)
        wait_for_port(replica)
        node = [
            TWISTD, "-n", "--pidfile", "", "chatroom",
            "--port", f"tcp:{node_port}:interface=127.0.0.1",
            "--redis", f"redis://127.0.0.1:{primary}/0",
            "--redis-replicas", str(replicas),
            "--rate", "0", "--max-per-ip", "0", "--node-id", "bench",
        ]  # fmt: skip
        processes.append(
            subprocess.Popen(
                node,
                env=dict(os.environ, PYTHONPATH=CHECKOUT),
                cwd=directory,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for_port(node_port)
        alice = Client(node_port, "alice")
        times = []
        for number in range(args.messages):
            started = time.perf_counter()
            alice.send(f"m{number}")
            alice.until(lambda line: line.startswith(("MSG ", "ERR ")))
            times.append(time.perf_counter() - started)
        times.sort()
        started = time.perf_counter()
        for number in range(args.burst):
            alice.send(f"b{number}")
        alice.until(lambda line: line.endswith(f" b{args.burst - 1}"))
        burst = time.perf_counter() - started

        senders = [Client(node_port, f"s{k}", f"r{k}") for k in range(args.senders)]
        before = waits(primary)

        def blast(client: Client) -> None:
            for number in range(100):
                client.send(f"x{number}")
            client.until(lambda line: line.endswith(" x99"))

        started = time.perf_counter()
        threads = [threading.Thread(target=blast, args=(c,)) for c in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        many = time.perf_counter() - started
        sent = args.senders * 100
        return (
            f"--redis-replicas {replicas}: one at a time: median "
            f"{times[len(times) // 2] * 1000:.2f} ms, mean "
            f"{statistics.mean(times) * 1000:.2f} ms, p99 "
            f"{times[int(len(times) * 0.99)] * 1000:.2f} ms; {args.burst} at once "
            f"on one connection: {args.burst / burst:.0f}/s; {args.senders} "
            f"senders x 100: {sent / many:.0f}/s with "
            f"{waits(primary) - before} WAITs"
        )
    finally:
        for process in processes:
            process.kill()
            process.wait()
        shutil.rmtree(directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for _ in range(args.rounds):
        for replicas in (0, 1):
            print(measure(replicas, args), flush=True)
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
