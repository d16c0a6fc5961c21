"""The C load generator: building it, and driving one run of it.

``cgen.c`` ships in this package. On first use it is compiled with the
system compiler (``$CC``, else ``cc``, ``-O2``) into a cache directory
(``$CHATROOM_BENCH_CACHE``, else ``$XDG_CACHE_HOME/chatroom-bench``, else
``~/.cache/chatroom-bench``), under a name that includes a hash of the
source, so an edited source is rebuilt and a stale binary is never run.

One :class:`CGen` is one generator process: it connects its clients and
reports ``ready``, then is told ``start T0`` (or ``stop``) and reports its
``result``. Its CPU and memory are read from ``/proc`` like a server's, so
they can be put beside the server's.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from chatroom.bench.errors import BenchError
from chatroom.bench.sampling import proc_cpu_seconds, proc_rss_kib

SOURCE = Path(__file__).with_name("cgen.c")
#: What cgen.c includes (one translation unit): the doors' dialects and the
#: coordinator's side. A change to any of them makes a new binary.
HEADERS = [
    Path(__file__).with_name(name) for name in ("cgen_doors.h", "cgen_control.h")
]

NO_COMPILER = (
    "the C load generator needs a C compiler: none found as $CC, cc or gcc "
    "(on Debian: apt-get install gcc)"
)


def cache_dir() -> Path:
    """Where compiled generators are kept between runs."""
    if os.environ.get("CHATROOM_BENCH_CACHE"):
        return Path(os.environ["CHATROOM_BENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "chatroom-bench"


def find_compiler() -> str | None:
    """``$CC`` if set, else ``cc`` or ``gcc`` on the PATH."""
    if os.environ.get("CC"):
        return os.environ["CC"]
    return shutil.which("cc") or shutil.which("gcc")


def build() -> Path:
    """The compiled generator, compiling it first if this source is new.

    The binary is written under a temporary name and renamed into place, so
    two benchmarks building at once never run a half-written file.
    """
    source = b"".join(path.read_bytes() for path in [SOURCE, *HEADERS])
    digest = hashlib.sha256(source).hexdigest()[:16]
    directory = cache_dir()
    binary = directory / f"cgen-{digest}"
    if binary.exists():
        return binary
    compiler = find_compiler()
    if compiler is None:
        raise BenchError(NO_COMPILER)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        output = Path(scratch) / "cgen"
        command = [compiler, "-O2", "-Wall", "-o", str(output), str(SOURCE), "-lm"]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", b"") or b""
            raise BenchError(
                f"cannot compile {SOURCE} with {compiler}: {error}\n"
                f"{detail.decode(errors='replace')[-2000:]}"
            ) from None
        os.replace(output, binary)
    return binary


class CGen:
    """One run of the C generator against ``host:port``.

    ``params`` become its ``key=value`` arguments (see cgen.c): clients,
    rooms, senders, tag, size, concurrency, phases, windows, drain times.
    """

    def __init__(self, mode: str, host: str, port: int, params: dict[str, Any]):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise BenchError(f"the C generator only loads 127.0.0.1, not {host}")
        arguments = [f"{key}={value}" for key, value in params.items()]
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [str(build()), mode, host, str(port), *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        assert self.process.stdout is not None
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.buffer = b""

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float | None:
        """The generator's CPU so far, from ``/proc`` (as for a server)."""
        return proc_cpu_seconds(self.pid)

    def rss_kib(self) -> int | None:
        return proc_rss_kib(self.pid)

    def read(self, key: str, timeout: float) -> dict[str, Any]:
        """The generator's next JSON line, which must hold ``key``."""
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"the C generator sent no {key!r} in {timeout:.0f} s")
            if self.selector.select(min(left, 1.0)):
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise BenchError(f"the C generator exited early:\n{self.errors()}")
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        if key not in message:
            raise BenchError(f"the C generator sent {line[:200]!r}, not {key!r}")
        return message

    def ready(self, timeout: float) -> dict[str, Any]:
        """Once every client has joined; a client that could not fails the run."""
        ready = self.read("ready", timeout)
        if ready["error_count"]:
            raise BenchError(
                f"{ready['error_count']} of {ready['joined'] + ready['error_count']}"
                f" clients could not join: {ready['errors']}"
            )
        return ready

    def tell(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()

    def result(self, timeout: float) -> dict[str, Any]:
        return dict(self.read("result", timeout)["result"])

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:].decode(errors="replace")

    def close(self) -> None:
        """End the process (it exits on its own after a result or stop)."""
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):  # it ended first
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.selector.close()
        self.stderr.close()
