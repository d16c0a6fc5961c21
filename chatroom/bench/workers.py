"""The Python load generator's processes, as the coordinator sees them.

Each worker (``chatroom.bench.worker``) runs one Twisted reactor holding many
clients. The coordinator speaks to them in JSON lines over pipes: it reads
``ready`` once their clients have joined, writes ``start`` or ``stop``, and
reads their ``result``. Nothing here runs a reactor, so the coordinator can
be called from a test that has one.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from chatroom.bench.errors import BenchError
from chatroom.bench.servers import LoadTarget, child_env


class WorkerGroup:
    """The load-generator processes of one run, spoken to in JSON lines."""

    def __init__(self, spec: dict[str, Any], count: int) -> None:
        self.selector = selectors.DefaultSelector()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.buffers: dict[int, bytes] = {}
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        for worker in range(count):
            worker_spec = dict(spec, worker=worker, workers=count)
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "chatroom.bench.worker",
                    json.dumps(worker_spec),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=child_env(),
            )
            self.processes.append(process)
            assert process.stdout is not None
            self.buffers[process.stdout.fileno()] = b""
            self.selector.register(process.stdout, selectors.EVENT_READ, worker)

    def collect(self, key: str, timeout: float) -> list[dict[str, Any]]:
        """One ``{key: ...}`` message from every worker, within ``timeout``."""
        got: dict[int, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(self.processes):
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"workers sent no {key!r} within {timeout:.0f} s")
            for selected, _ in self.selector.select(min(left, 1.0)):
                worker = selected.data
                fd = selected.fd
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self.selector.unregister(selected.fileobj)
                    if worker not in got:
                        raise BenchError(
                            f"worker {worker} exited early:\n{self.errors()}"
                        )
                    continue
                self.buffers[fd] += chunk
                while b"\n" in self.buffers[fd]:
                    line, _, rest = self.buffers[fd].partition(b"\n")
                    self.buffers[fd] = rest
                    message = json.loads(line)
                    if key in message:
                        got[worker] = message[key] if key == "result" else message
        return [got[w] for w in range(len(self.processes))]

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(data)
            process.stdin.flush()

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-3000:].decode(errors="replace")

    def close(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        self.selector.close()
        self.stderr.close()


def base_spec(
    servers: Sequence[LoadTarget], options: argparse.Namespace
) -> dict[str, Any]:
    """What every worker is told; clients spread over ``servers`` (see worker)."""
    return {
        "host": servers[0].host,
        "port": servers[0].port,
        "servers": [(server.host, server.port) for server in servers],
        "tag": secrets.token_hex(3),
        "concurrency": options.concurrency,
        "drain_idle": options.drain_idle,
        "drain_max": options.drain_max,
    }


def wait_joined(
    group: WorkerGroup, clients: int, timeout: float
) -> list[dict[str, Any]]:
    """Every worker's ``ready`` report; a client that could not join fails the run."""
    readies = group.collect("ready", timeout)
    failures = sum(r["error_count"] for r in readies)
    if failures:
        examples = [e for r in readies for e in r["errors"]][:5]
        raise BenchError(f"{failures} of {clients} clients could not join: {examples}")
    return readies
