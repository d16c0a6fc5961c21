"""Redis's time for one message's ``SAY`` script, alone, on a checkout.

A benchmark of the whole path (``chatroom.bench sweep`` on
``chatroom-cluster2``) gives Redis's CPU per delivery, which mixes the
message's script with its fan-out and the nodes' own traffic. This isolates
the script: it starts a ``redis-server`` and a ``twistd chatroom --redis``
node of the checkout TREE (run by PYTHON), seats MEMBERS line clients in
``general``, watches ``MONITOR`` for the call (``EVALSHA``, or ``FCALL``
where the message's script is a Redis function) that the first member's
message makes, and sends that exact call CALLS times again, pipelined,
reading Redis's own ``commandstats`` (microseconds per call). The other
members' node stays subscribed, so each call's ``PUBLISH`` is carried as
in a run. Each extra argument is a Lua file loaded and run with the same
operands (a variant of the script to compare), in turn with the captured
one, for five rounds: a script (``SCRIPT LOAD``, run by ``EVALSHA``), or
a library of one function (its text starts ``#!lua name=``: ``FUNCTION
LOAD``, run by ``FCALL``).

    python benchmarks/saycost.py TREE PYTHON [CALLS [MEMBERS [VARIANT.lua ...]]]

Two checkouts' figures are comparable only when taken one after the
other on a quiet machine (``docs/performance.md``).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time

import redis

from chatroom.bench.servers import find_redis_server, free_port

ROUNDS = 5
TEXT = b"hello there, this is a message of ordinary length for a chat room"


def wait_for_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def monitor_arguments(line: bytes) -> list[bytes]:
    """The arguments of one ``MONITOR`` line, as Redis quotes them
    (``sdscatrepr``: ``\\\\ \\" \\n \\r \\t \\a \\b \\xHH``)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a", b"b": b"\b"}
    out, i = [], 0
    while i < len(line):
        if line[i : i + 1] != b'"':
            i += 1
            continue
        i += 1
        value = bytearray()
        while line[i : i + 1] != b'"':
            if line[i : i + 1] == b"\\":
                after = line[i + 1 : i + 2]
                if after == b"x":
                    value.append(int(line[i + 2 : i + 4], 16))
                    i += 4
                    continue
                value += escapes.get(after, after)
                i += 2
                continue
            value += line[i : i + 1]
            i += 1
        i += 1
        out.append(bytes(value))
    return out


class Watch(threading.Thread):
    """``MONITOR`` until the message's ``EVALSHA`` or ``FCALL`` goes by."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.call: list[bytes] | None = None
        self.ready = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as m:
            m.sendall(b"MONITOR\r\n")
            data = m.recv(1 << 16)  # +OK
            self.ready.set()
            data = data.split(b"\r\n", 1)[1]
            while True:
                while b"\r\n" in data:
                    line, data = data.split(b"\r\n", 1)
                    upper = line.upper()
                    called = b'"EVALSHA"' in upper or b'"FCALL"' in upper
                    if called and TEXT in line:
                        self.call = monitor_arguments(line.split(b"] ", 1)[1])
                        return
                data += m.recv(1 << 20)


def member(port: int, name: str) -> socket.socket:
    """NAME seated in ``general``; asked again while the node's Redis link
    is still coming up (it listens before it, answering ``UNAVAILABLE``)."""
    deadline = time.monotonic() + 20
    while True:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"{name}\r\n/join general\r\n".encode())
        seen = b""
        while b"JOINED general " not in seen and b"ERR" not in seen:
            seen += s.recv(1 << 16)
        if b"JOINED general " in seen:
            s.setblocking(False)
            return s
        s.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} could not join: {seen!r}")
        time.sleep(0.2)


def drain(members: list[socket.socket]) -> None:
    for s in members:
        try:
            while s.recv(1 << 20):
                pass
        except BlockingIOError:
            pass


def main() -> None:
    tree, python = sys.argv[1], sys.argv[2]
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 8000
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    variants = sys.argv[5:]
    redis_port, chat_port = free_port(), free_port()
    started = [
        subprocess.Popen(
            [
                find_redis_server() or "redis-server",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
    ]
    try:
        wait_for_port(redis_port)
        twistd = (
            f"import sys; sys.path.insert(0, {tree!r}); "
            "from twisted.scripts.twistd import run; "
            "sys.argv = ['twistd'] + sys.argv[1:]; run()"
        )
        started.append(
            subprocess.Popen(
                [
                    python,
                    "-c",
                    twistd,
                    "-n",
                    "--pidfile=",
                    "chatroom",
                    "--port",
                    f"tcp:{chat_port}:interface=127.0.0.1",
                    "--redis",
                    f"redis://127.0.0.1:{redis_port}/0",
                ],
                cwd=tree,
                env=dict(os.environ, PYTHONPATH=tree),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for_port(chat_port)
        members = [member(chat_port, f"m{i}") for i in range(count)]
        watch = Watch(redis_port)
        watch.start()
        watch.ready.wait(10)
        members[0].sendall(TEXT + b"\r\n")
        watch.join(10)
        if watch.call is None:
            raise SystemExit("no EVALSHA or FCALL carried the message")
        measure(watch.call, calls, variants, members, redis.Redis(port=redis_port))
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait()


def measure(
    call: list[bytes],
    calls: int,
    variants: list[str],
    members: list[socket.socket],
    r: redis.Redis,
) -> None:
    called = {"captured": (call[0].decode().upper(), call[1])}
    for path in variants:
        with open(path) as f:
            text = f.read()
        if text.startswith("#!lua name="):
            name = r.execute_command("FUNCTION", "LOAD", "REPLACE", text)
            called[path] = ("FCALL", name)
        else:
            called[path] = ("EVALSHA", r.script_load(text).encode())
    figures: dict[str, list[float]] = {name: [] for name in called}
    for _ in range(ROUNDS):
        for name, (command, which) in called.items():
            arguments = [command, which, *call[2:]]
            r.config_resetstat()
            pipe = r.pipeline(transaction=False)
            for i in range(calls):
                pipe.execute_command(*arguments)
                if i % 500 == 499:
                    pipe.execute()
                    drain(members)
                    pipe = r.pipeline(transaction=False)
            pipe.execute()
            drain(members)
            figures[name].append(
                r.info("commandstats")[f"cmdstat_{command.lower()}"]["usec_per_call"]
            )
    for name, values in figures.items():
        print(
            f"{name:40} us a call: {' '.join(f'{v:.2f}' for v in values)}"
            f"  median {statistics.median(values):.2f}"
        )


if __name__ == "__main__":
    main()
