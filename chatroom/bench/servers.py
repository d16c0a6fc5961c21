"""Servers under test: starting them, and reading their CPU and memory.

The benchmark either starts a server itself (``twistd chatroom`` or the bare
baseline in ``benchmarks/``) on a free 127.0.0.1 port, or is pointed at an
existing ``HOST:PORT``. For the cluster mode it starts a ``redis-server``
of its own and several ``twistd chatroom --redis`` nodes (:class:`Cluster`).
Either way every process's CPU time and resident memory come from
``/proc/PID``, because only the kernel's figures include everything (the
interpreter, the heap, socket bookkeeping in user space).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import chatroom
from chatroom.bench.errors import BenchError
from chatroom.bench.references import REFERENCES
from chatroom.bench.sampling import proc_cpu_seconds, proc_rss_kib, raise_nofile_limit
from chatroom.wiring.cluster import ONLY_CHATROOM
from chatroom.wiring.prefork import ended

#: The checkout (or install prefix) holding the ``chatroom`` package.
PROJECT_ROOT = Path(chatroom.__file__).resolve().parent.parent
BASELINE_SCRIPT = PROJECT_ROOT / "benchmarks" / "baseline_server.py"

#: ``twistd`` run by an interpreter, its first argument the ``twisted/plugins``
#: directory of the tree it serves: put first among Twisted's plugin
#: directories, so ``twistd chatroom`` is that tree's plugin even where an
#: environment holds another (an installed chatroom of another revision).
_TWISTD = (
    "import sys, twisted.plugins; twisted.plugins.__path__.insert(0, sys.argv.pop(1)); "
    "from twisted.scripts.twistd import run; sys.argv[0] = 'twistd'; run()"
)
#: A node as ``chatroom-cluster`` runs it (:data:`chatroom.wiring.cluster.TWISTD`):
#: ``twistd`` offered chatroom's plugin alone, the tree's.
_NODE_TWISTD = (
    "import sys, twisted.plugins; twisted.plugins.__path__.insert(0, sys.argv.pop(1)); "
    f"{ONLY_CHATROOM}sys.argv[0] = 'twistd'; twistd.run()"
)

#: ``twistd chatroom`` options for a server the benchmark starts: no flood
#: limit or per-address cap (all clients come from 127.0.0.1).
SERVER_OPTIONS = [
    "--rate", "0", "--max-per-ip", "0", "--max-clients", "0",
    "--db", ":memory:",  # never a chatroom.sqlite3 in the checkout; --db overrides
]  # fmt: skip

#: The servers the C scenarios can load (``--c-servers``), and the door the
#: generator speaks to each: chatroom through each of its three doors, the
#: bare baseline (line protocol) and the reference IRC servers.
DOORS = {
    "chatroom": "line",
    "chatroom-irc": "irc",
    "chatroom-ws": "ws",
    "chatroom-txn": "txn",  # the line door, every message a /txn KEY TEXT
    "baseline": "line",
    "ngircd": "irc",
    "inspircd": "irc",
    "ergo": "irc",
}

#: The ``twistd chatroom`` option that opens each door besides ``--port``.
_DOOR_OPTIONS = {"irc": "--irc", "ws": "--http"}

#: Seconds a process gets to exit after SIGTERM before it is killed.
STOP_GRACE = 10.0

#: What marks a problem in a ``twistd`` log (its level) or a Python error.
LOG_PROBLEMS = ("#warn]", "#error]", "#critical]", "Traceback", "Unhandled")


NO_REDIS = (
    "--nodes and --hold-nodes need a redis-server: none on the PATH or at "
    "/usr/bin/redis-server (install Debian's redis-server, or give "
    "--redis-server PATH)"
)


def find_redis_server() -> str | None:
    """The ``redis-server`` binary, found as the cluster tests find it."""
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None


#: The ports :func:`free_port` handed out: none is handed out twice.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now, and that this
    process was not given before: two asked back to back for one server
    (its chat port and its ``--http``) may otherwise be the same port,
    as nothing listens on the first yet, and that server then fails to
    start (it did, now and then, in the suite)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def child_env(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """The environment for our children: the project at ``root`` importable first."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{root}{os.pathsep}{path}" if path else str(root)
    return env


@dataclass(frozen=True)
class ServerCode:
    """The chatroom a started server runs: an interpreter, and the tree it
    imports ``chatroom`` and its ``twistd`` plugin from (``PYTHONPATH`` and
    working directory). The checkout on ``--server-python`` unless the run
    compares it with another revision (``--against``,
    :mod:`chatroom.bench.revisions`)."""

    python: str
    root: Path = PROJECT_ROOT

    @classmethod
    def of(cls, options: argparse.Namespace) -> ServerCode:
        """What this run's servers start from: the side of ``--against``
        being measured, else the checkout on ``--server-python``."""
        side: ServerCode | None = getattr(options, "server_code", None)
        return side or cls(options.server_python or sys.executable)


@dataclass
class LoadTarget:
    """Where the load goes, and (if known) the process serving it."""

    host: str
    port: int
    pid: int | None = None
    label: str = "chatroom"
    #: The door the generator speaks here: line, irc or ws (see cgen_doors.h).
    door: str = "line"

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process so far."""
        return proc_cpu_seconds(self.pid)

    def rss_kib(self) -> int | None:
        """Resident memory of the server process, in KiB."""
        return proc_rss_kib(self.pid)


class ForkedNodeProcess:
    """A node a :class:`NodeLauncher` forked: not the benchmark's child, so
    what :class:`ServerProcess` asks of a ``Popen`` is answered by signals
    and ``/proc`` (its exit status is its launcher's to reap: an ended
    node answers 0)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        return 0 if ended(self.pid) else None

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.05)
        return 0

    def _signal(self, number: int) -> None:
        if not ended(self.pid):
            with suppress(ProcessLookupError):
                os.kill(self.pid, number)


@dataclass
class ServerProcess:
    """A server the benchmark started; ``stop`` ends it (and only it)."""

    process: subprocess.Popen[bytes] | ForkedNodeProcess
    target: LoadTarget
    log_path: str
    extra: dict[str, str] = field(default_factory=dict)
    log_read: int = 0  # how far :meth:`log_problems` has read

    def log_problems(self) -> list[str]:
        """Warnings, errors and tracebacks logged since the last call.

        A node that lost Redis or failed a script says so only in its log,
        and the run should not look clean when it did.
        """
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_read)
                data = log.read()
        except OSError:
            return []
        end = data.rfind(b"\n") + 1  # a half-written line waits for next time
        self.log_read += end
        return [
            line
            for line in data[:end].decode(errors="replace").splitlines()
            if any(mark in line for mark in LOG_PROBLEMS)
        ]

    def stop(self) -> None:
        stop_all([self])

    def log_tail(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float) -> None:
        """Return once ``ready()``; stop the process and raise if it never is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.target.label} exited before {what}:\n{self.log_tail()}"
                )
            if ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"{self.target.label} did not {what} within {timeout:.0f} s:\n"
            f"{self.log_tail()}"
        )

    def listening(self) -> bool:
        """True once the server accepts a TCP connection on its port."""
        try:
            with socket.create_connection((self.target.host, self.target.port), 1):
                return True
        except OSError:
            return False

    def logged(self, text: str) -> Callable[[], bool]:
        """A readiness check: has the process's log shown ``text`` yet?"""

        def seen() -> bool:
            try:
                return text in Path(self.log_path).read_text(errors="replace")
            except OSError:
                return False

        return seen


def stop_all(servers: list[ServerProcess]) -> None:
    """SIGTERM to every process still running, then SIGKILL to the stragglers.

    All are signalled first and waited for together, so stopping a cluster
    takes one grace period, not one per process.
    """
    running = [s.process for s in servers if s.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE)


def _spawn(
    argv: list[str],
    label: str,
    port: int,
    door: str = "line",
    root: Path = PROJECT_ROOT,
) -> ServerProcess:
    """Start one server process, its output in a log file kept after the run."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept until the run ends)
        prefix=f"chatroom-bench-{label}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=child_env(root),
        preexec_fn=raise_nofile_limit,
        cwd=str(root),
    )
    log.close()
    return ServerProcess(
        process, LoadTarget("127.0.0.1", port, process.pid, label, door), log.name
    )


def _endpoint(port: int) -> str:
    """A loopback endpoint with a listen backlog of 1024, so a burst of
    connects is not turned into SYN retransmits (a second each)."""
    return f"tcp:{port}:interface=127.0.0.1:backlog=1024"


def twistd_argv(code: ServerCode, *arguments: str, node: bool = False) -> list[str]:
    """``twistd ARGUMENTS`` on ``code``'s interpreter, with its tree's plugins
    (a ``node`` as ``chatroom-cluster`` starts it: chatroom's plugin alone)."""
    return [
        code.python,
        "-c",
        _NODE_TWISTD if node else _TWISTD,
        str(code.root / "twisted" / "plugins"),
        *arguments,
    ]


def _chatroom_argv(
    code: ServerCode, port: int, options: list[str], node: bool = False
) -> list[str]:
    """``twistd chatroom`` of ``code`` on ``port`` (see :func:`_endpoint`);
    a ``node`` as ``chatroom-cluster`` starts it."""
    return twistd_argv(
        code,
        "-n",
        "--pidfile=",
        "chatroom",
        "--port",
        _endpoint(port),
        *options,
        node=node,
    )


def start_server(
    kind: str, code: ServerCode, options: list[str] | None = None
) -> ServerProcess:
    """Start a server of ``kind`` (one of :data:`DOORS`) and wait for it.

    ``chatroom-irc`` and ``chatroom-ws`` are ``twistd chatroom`` with its
    IRC or web door open too, loaded through that door. ``code`` picks the
    interpreter (e.g. PyPy) and the tree; ``options`` are extra ``twistd
    chatroom`` options. The baseline runs on ``code``'s interpreter.
    """
    port = free_port()
    door = DOORS.get(kind)
    if door is None:
        raise RuntimeError(f"no server kind {kind!r} (one of {', '.join(DOORS)})")
    if kind == "baseline":
        argv = [code.python, str(BASELINE_SCRIPT), "--port", str(port)]
    elif kind in REFERENCES:
        reference = REFERENCES[kind]
        binary = reference.find()
        if binary is None:
            raise RuntimeError(reference.missing())
        argv = reference.argv(binary, port)
    else:
        extra = list(options or [])
        if door in _DOOR_OPTIONS:  # --port elsewhere; the load goes to the door
            extra += [_DOOR_OPTIONS[door], _endpoint(port)]
            argv = _chatroom_argv(code, free_port(), extra)
        else:
            argv = _chatroom_argv(code, port, extra)
    server = _spawn(argv, kind, port, door, code.root)
    server.wait_until(server.listening, "listen", 60)
    return server


@contextmanager
def serving(kind: str, code: ServerCode, extra: list[str]) -> Iterator[LoadTarget]:
    """A fresh ``chatroom`` (with :data:`SERVER_OPTIONS` + ``extra``) or
    ``baseline`` server of ``code`` for the ``with`` block; stopped after
    it, whatever happens. A failed run's error gets the server's log tail.
    """
    if kind == "baseline" and not BASELINE_SCRIPT.exists():
        raise BenchError(f"no baseline server at {BASELINE_SCRIPT}")
    options = SERVER_OPTIONS + extra if kind.startswith("chatroom") else None
    try:
        started = start_server(kind, code, options)
    except RuntimeError as error:
        raise BenchError(f"cannot start the {kind} server: {error}") from None
    try:
        yield started.target
    except BenchError as error:
        raise BenchError(f"{error}\nserver log tail:\n{started.log_tail()}") from None
    finally:
        started.stop()


@dataclass
class Cluster:
    """One ``redis-server`` and the chat nodes sharing it, all started by us."""

    redis: ServerProcess
    nodes: list[ServerProcess] = field(default_factory=list)
    #: What forked the nodes, if they were forked.
    launcher: NodeLauncher | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.target.port}/0"

    def stop(self) -> None:
        """Nodes first (each leaves the cluster through Redis), then their
        launcher, then Redis."""
        stop_all(self.nodes)
        if self.launcher is not None:
            self.launcher.stop()
        stop_all([self.redis])

    def log_tails(self) -> str:
        return "\n".join(
            f"--- {s.target.label} ({s.log_path}):\n{s.log_tail()}"
            for s in [*self.nodes, self.redis]
        )


def start_redis(redis_server: str) -> ServerProcess:
    """A private, empty ``redis-server`` on a free loopback port.

    No persistence: nothing of a run should outlive it, and a fork for a
    background save would take CPU from the processes being measured.
    """
    port = free_port()
    argv = [
        redis_server,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--logfile", "",
    ]  # fmt: skip
    server = _spawn(argv, "redis", port)
    server.wait_until(server.logged("Ready to accept connections"), "start", 30)
    return server


def _wait_until_joined(cluster: Cluster) -> None:
    """Every node has logged "node NAME: in the cluster" (a node listens
    before it has joined, answering ``ERR UNAVAILABLE`` until then)."""
    for node in cluster.nodes:
        node.wait_until(
            node.logged(f"node {node.target.label}: in the cluster"),
            "join the cluster",
            60,
        )


def start_cluster(
    count: int,
    redis_server: str,
    code: ServerCode,
    options: list[str] | None = None,
) -> Cluster:
    """Redis plus ``count`` nodes ``bench1`` .. ``benchN``; returns once all serve.

    A node listens before it has joined the cluster (and answers
    ``ERR UNAVAILABLE`` until then), so readiness is its log line
    "node NAME: in the cluster", not an open port. The nodes start side by
    side; if any fails, everything started so far is stopped again.
    """
    cluster = Cluster(start_redis(redis_server))
    try:
        for number in range(1, count + 1):
            name = f"bench{number}"
            port = free_port()
            argv = _chatroom_argv(
                code,
                port,
                [*(options or []), "--redis", cluster.url, "--node-id", name],
                node=True,
            )
            cluster.nodes.append(_spawn(argv, name, port, root=code.root))
        _wait_until_joined(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@dataclass
class SharedNodes:
    """Nodes of one cluster sharing one load port (``--reuse-port``), each
    with ``/metrics`` on a port of its own, and their ``redis-server``."""

    cluster: Cluster
    target: LoadTarget
    metrics_ports: list[int]


class NodesTarget(LoadTarget):
    """A load port served by several processes: CPU and memory are their sum."""

    def __init__(self, host: str, port: int, pids: list[int], label: str, door: str):
        super().__init__(host, port, pids[0], label, door)
        self.pids = pids

    def cpu_seconds(self) -> float | None:
        values = [proc_cpu_seconds(pid) for pid in self.pids]
        return None if None in values else sum(v or 0.0 for v in values)

    def rss_kib(self) -> int | None:
        values = [proc_rss_kib(pid) for pid in self.pids]
        return None if None in values else sum(v or 0 for v in values)


def _start_sharing(
    count: int,
    redis_server: str,
    options: list[str] | None,
    spawn: Callable[[str, list[str], int], ServerProcess],
) -> tuple[Cluster, list[int]]:
    """Redis plus ``count`` nodes sharing their load ports (``--reuse-port``),
    each with ``/metrics`` on a port of its own: ``spawn(name, its options,
    its metrics port)`` adds the doors and starts it. Returns once every node
    is in the cluster; if one fails, all started so far are stopped."""
    metrics = [free_port() for _ in range(count)]
    cluster = Cluster(start_redis(redis_server))
    try:
        for number, port in enumerate(metrics, 1):
            name = f"bench{number}"
            extra = [
                *(options or []), "--reuse-port", "--redis", cluster.url,
                "--node-id", name, "--http", _endpoint(port),
            ]  # fmt: skip
            cluster.nodes.append(spawn(name, extra, port))
        _wait_until_joined(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster, metrics


def start_shared_nodes(
    count: int,
    redis_server: str,
    kind: str,
    code: ServerCode,
    options: list[str] | None = None,
) -> SharedNodes:
    """Redis plus ``count`` nodes listening on one port with ``--reuse-port``
    (as ``chatroom-cluster`` runs them), loaded through ``kind``'s door;
    returns once every node is in the cluster."""
    door, port = DOORS[kind], free_port()

    def spawn(name: str, extra: list[str], metrics: int) -> ServerProcess:
        line_port = port
        if door in _DOOR_OPTIONS:
            extra += [_DOOR_OPTIONS[door], _endpoint(port)]
            line_port = free_port()
        argv = _chatroom_argv(code, line_port, extra, node=True)
        return _spawn(argv, name, port, door, code.root)

    cluster, metrics = _start_sharing(count, redis_server, options, spawn)
    pids = [node.process.pid for node in cluster.nodes]
    target = NodesTarget("127.0.0.1", port, pids, f"{kind}x{count}", door)
    return SharedNodes(cluster, target, metrics)


@dataclass
class DoorNodes:
    """Nodes of one cluster sharing all three doors' ports (``--reuse-port``),
    each with ``/metrics`` on a port of its own, and their ``redis-server``."""

    cluster: Cluster
    #: door (line, irc, ws) → the port every node listens on for it.
    ports: dict[str, int]
    metrics_ports: list[int]
    #: The line door, the nodes' CPU and memory summed.
    target: NodesTarget


class NodeLauncher:
    """``python -m chatroom.wiring.prefork`` of ``code``'s tree: imports once
    what nodes with ``options`` import, then forks each node :meth:`start`
    asks for, so the nodes share those pages as ``chatroom-cluster``'s do
    (each still with options of its own: a ``/metrics`` port)."""

    def __init__(self, code: ServerCode, options: list[str]) -> None:
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept until the run ends)
            prefix="chatroom-bench-launcher-", suffix=".log", delete=False
        )
        self.log_path = log.name
        self.process = subprocess.Popen(
            [code.python, "-m", "chatroom.wiring.prefork", *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=child_env(code.root),
            preexec_fn=raise_nofile_limit,
            cwd=str(code.root),
        )
        log.close()

    @staticmethod
    def available(code: ServerCode) -> bool:
        """Whether ``code``'s tree can fork its nodes (an older one cannot)."""
        return (code.root / "chatroom" / "wiring" / "prefork.py").exists()

    def start(
        self, arguments: list[str], label: str, port: int, door: str = "line"
    ) -> ServerProcess:
        """A node running ``twistd ARGUMENTS``, its output in a log file."""
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept until the run ends)
            prefix=f"chatroom-bench-{label}-", suffix=".log", delete=False
        )
        log.close()
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"argv": arguments, "log": log.name}
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        except OSError:
            answer = b""
        if not answer.strip():
            tail = Path(self.log_path).read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the node launcher ended:\n{tail}")
        pid = int(answer)
        return ServerProcess(
            ForkedNodeProcess(pid),
            LoadTarget("127.0.0.1", port, pid, label, door),
            log.name,
        )

    def stop(self) -> None:
        """End of its input: it ends (after its nodes, stopped first)."""
        if self.process.stdin is not None:
            with suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_door_nodes(
    count: int,
    redis_server: str,
    code: ServerCode,
    options: list[str] | None = None,
) -> DoorNodes:
    """Redis plus ``count`` nodes sharing a line, an IRC and a web port with
    ``--reuse-port`` (as ``chatroom-cluster`` runs them); returns once every
    node is in the cluster. Each node's own ``--http`` port (unshared) is the
    one its ``/metrics`` and ``/healthz`` are read from. Where ``code``'s
    tree can, the nodes are forked by a :class:`NodeLauncher`, as
    ``chatroom-cluster`` forks its own."""
    ports = {door: free_port() for door in ("line", "irc", "ws")}
    doors = ["--irc", _endpoint(ports["irc"]), "--http", _endpoint(ports["ws"])]
    launcher = None
    if NodeLauncher.available(code):
        launcher = NodeLauncher(code, [*(options or []), *doors, "--redis"])

    def spawn(name: str, extra: list[str], metrics: int) -> ServerProcess:
        extra += doors
        if launcher is not None:
            arguments = ["-n", "--pidfile=", "chatroom"]
            arguments += ["--port", _endpoint(ports["line"]), *extra]
            return launcher.start(arguments, name, metrics)
        argv = _chatroom_argv(code, ports["line"], extra, node=True)
        return _spawn(argv, name, metrics, "line", code.root)

    try:
        cluster, metrics = _start_sharing(count, redis_server, options, spawn)
    except BaseException:
        if launcher is not None:
            launcher.stop()
        raise
    cluster.launcher = launcher
    pids = [node.process.pid for node in cluster.nodes]
    target = NodesTarget("127.0.0.1", ports["line"], pids, f"chatroomx{count}", "line")
    return DoorNodes(cluster, ports, metrics, target)
