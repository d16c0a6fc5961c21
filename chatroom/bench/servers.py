"""Servers under test: starting them, and reading their CPU and memory.

The benchmark either starts a server itself (``twistd chatroom`` or the bare
baseline in ``benchmarks/``) on a free 127.0.0.1 port, or is pointed at an
existing ``HOST:PORT``. Either way the server's CPU time and resident memory
come from ``/proc/PID``, because only the kernel's figures include
everything (the interpreter, the heap, socket bookkeeping in user space).
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import chatroom

#: The checkout (or install prefix) holding the ``chatroom`` package.
PROJECT_ROOT = Path(chatroom.__file__).resolve().parent.parent
BASELINE_SCRIPT = PROJECT_ROOT / "benchmarks" / "baseline_server.py"

_TWISTD = (
    "import sys; from twisted.scripts.twistd import run; sys.argv[0] = 'twistd'; run()"
)


def _raise_nofile_limit() -> None:
    """Runs in the child before exec: a server holding 10,000 sockets needs it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env() -> dict[str, str]:
    """The environment for our children: the project importable first."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = (
        f"{PROJECT_ROOT}{os.pathsep}{path}" if path else str(PROJECT_ROOT)
    )
    return env


@dataclass
class Target:
    """Where the load goes, and (if known) the process serving it."""

    host: str
    port: int
    pid: int | None = None
    label: str = "chatroom"

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process, from ``/proc/PID/stat``."""
        if self.pid is None:
            return None
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rpartition(")")[2].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_kib(self) -> int | None:
        """Resident memory of the server process (``VmRSS``), in KiB."""
        if self.pid is None:
            return None
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return None


@dataclass
class ServerProcess:
    """A server the benchmark started; ``stop`` ends it (and only it)."""

    process: subprocess.Popen[bytes]
    target: Target
    log_path: str
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def start_server(
    kind: str, python: str | None = None, options: list[str] | None = None
) -> ServerProcess:
    """Start ``chatroom`` (``twistd chatroom``) or ``baseline`` and wait for it.

    ``python`` picks the interpreter (e.g. PyPy); ``options`` are extra
    ``twistd chatroom`` options. The listen backlog is raised to 1024 so a
    burst of connects is not turned into SYN retransmits (a second each).
    """
    python = python or sys.executable
    port = free_port()
    if kind == "baseline":
        argv = [python, str(BASELINE_SCRIPT), "--port", str(port)]
    else:
        argv = [
            python,
            "-c",
            _TWISTD,
            "-n",
            "--pidfile=",
            "chatroom",
            "--port",
            f"tcp:{port}:interface=127.0.0.1:backlog=1024",
            *(options or []),
        ]
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept until the run ends)
        prefix=f"chatroom-bench-{kind}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=child_env(),
        preexec_fn=_raise_nofile_limit,
        cwd=str(PROJECT_ROOT),
    )
    log.close()
    server = ServerProcess(
        process, Target("127.0.0.1", port, process.pid, kind), log.name
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} server exited:\n{server.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{kind} server did not listen within 60 s")
