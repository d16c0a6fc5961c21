"""``chatroom-cluster``: several nodes on one machine's ports, one command.

    chatroom-cluster --workers 4 --redis redis://127.0.0.1:6379/0 --port 8080 --irc 6667

starts ``--workers`` (default: one per core) ``twistd -n chatroom``
processes with the other options as given, plus ``--reuse-port`` (so all
listen on the same ports, and the kernel spreads connections over them,
:mod:`chatroom.wiring.reuseport`) and ``--node-id NAME-K``. Each is a node
of the cluster that ``--redis`` names (required), so a user on one chats
with users on every other, as in docs/scaling.md. Each node's log lines
come out on standard output prefixed by its node id.

The launcher imports the nodes' code once and forks each node from itself
(:mod:`chatroom.wiring.prefork`): the nodes share those pages with it and
with each other instead of each holding a copy.

Why processes: a Python process runs on one core, and its descriptor limit
(``ulimit -n``) caps the connections it can hold; N nodes use N cores and
N times the descriptors.

SIGTERM or SIGINT stops every node cleanly (each says ``BYE`` to its users
and leaves the cluster) and exits 0 once all have. A node that fails (a
crash, a port it cannot get) stops the others, and the launcher exits 1: a
set with a node missing is not what was asked for. There is no restarting:
leave that to the service manager that runs the launcher.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, BinaryIO

from twisted.internet import defer, protocol
from twisted.internet.error import ProcessDone, ProcessExitedAlready
from twisted.python.failure import Failure

from chatroom.wiring.cli import default_node_id
from chatroom.wiring.prefork import ForkedNode, preload

#: Offers ``twistd`` chatroom's plugin alone, where it would search every
#: installed one: reading Twisted's plugin cache imports the interfaces it
#: names, trial's among them and with it ``unittest`` and ``difflib``, and
#: every Twisted plugin that makes a service (about 1.2 MiB of each node's
#: memory, never used). Options, logging and the service are twistd's own.
ONLY_CHATROOM = (
    "from twisted.scripts import twistd; from twisted.plugins import chatroom_plugin; "
    "twistd.ServerOptions._getPlugins = "
    "staticmethod(lambda *_: [chatroom_plugin.chatroom]); "
)

#: Seconds the nodes get to stop after SIGTERM before they are killed.
STOP_GRACE = 30.0


class NodeProcess(protocol.ProcessProtocol):
    """One node: its output, line by line, prefixed with its id."""

    def __init__(self, node_id: str, out: Any, on_end: Any) -> None:
        self.node_id = node_id
        self._out = out
        self._partial = b""
        self._on_end = on_end
        self.ended: defer.Deferred[int] = defer.Deferred()

    def outReceived(self, data: bytes) -> None:
        *lines, self._partial = (self._partial + data).split(b"\n")
        prefix = self.node_id.encode() + b" "
        self._out.write(b"".join(prefix + line + b"\n" for line in lines))
        self._out.flush()

    errReceived = outReceived

    def processEnded(self, reason: Failure) -> None:
        if self._partial:
            self.outReceived(b"\n")
        code = 0 if reason.check(ProcessDone) else getattr(reason.value, "exitCode", 1)
        self.ended.callback(code if code is not None else 1)
        self._on_end(self, code)


class Launcher:
    """Starts the nodes, stops them together, and decides the exit status."""

    def __init__(self, reactor: Any, workers: int, options: list[str]) -> None:
        self.reactor = reactor
        self.workers = workers
        self.options, base = _without_node_id(options)
        self.base = (base or default_node_id())[:28]
        self.nodes: list[NodeProcess] = []
        self.status = 0
        self.stopping = False
        self._out: BinaryIO = sys.stdout.buffer

    def say(self, text: str) -> None:
        self._out.write(f"chatroom-cluster {text}\n".encode())
        self._out.flush()

    def start(self) -> None:
        raise_nofile_limit()
        for number in range(1, self.workers + 1):
            node_id = f"{self.base}-{number}"
            node = NodeProcess(node_id, self._out, self._node_ended)
            argv = [
                "twistd", "-n", "--pidfile=", "chatroom",
                *self.options, "--reuse-port", "--node-id", node_id,
            ]  # fmt: skip
            ForkedNode(self.reactor, sys.executable, argv, _node_env(), None, node)
            self.nodes.append(node)
        self.say(
            f"started {self.workers} nodes: {', '.join(n.node_id for n in self.nodes)}"
        )
        self.reactor.addSystemEventTrigger("before", "shutdown", self.stop)
        signal.signal(signal.SIGHUP, self._on_hangup)

    def _on_hangup(self, number: int, frame: FrameType | None) -> None:
        """``SIGHUP`` to the launcher reloads every node (each its own
        configuration: chatroom.wiring.reload), on the reactor's loop."""
        self.reactor.callFromThread(self.reload)

    def reload(self) -> None:
        """``SIGHUP`` to every node still running."""
        self.say("reloading every node (SIGHUP)")
        for node in self.nodes:
            if not node.ended.called:
                _signal(node, signal.SIGHUP)

    def _node_ended(self, node: NodeProcess, code: int) -> None:
        """A node ended before we stopped it: stop the rest (exit 1 if it failed).

        A node that exited 0 was stopped cleanly by a signal of its own (a
        Ctrl-C reaches the whole process group), which is not a failure.
        """
        if self.stopping:
            return
        if code:
            self.status = 1
            self.say(f"node {node.node_id} failed (exit {code}): stopping the others")
        else:
            self.say(f"node {node.node_id} stopped: stopping the others")
        if self.reactor.running:
            self.reactor.stop()

    def stop(self) -> defer.Deferred[Any]:
        """SIGTERM to every node still running; SIGKILL after :data:`STOP_GRACE`."""
        self.stopping = True
        running = [n for n in self.nodes if not n.ended.called]
        for node in running:
            _signal(node, signal.SIGTERM)
        kill = self.reactor.callLater(STOP_GRACE, self._kill, running)
        ended = defer.gatherResults([n.ended for n in self.nodes])

        def done(codes: list[int]) -> None:
            if kill.active():
                kill.cancel()
            if any(codes):
                self.status = self.status or 1
            self.say(f"stopped (exit {self.status})")

        return ended.addCallback(done)

    def _kill(self, nodes: list[NodeProcess]) -> None:
        for node in nodes:
            if not node.ended.called:
                _signal(node, signal.SIGKILL)


def _signal(node: NodeProcess, number: int) -> None:
    if node.transport is not None:
        with contextlib.suppress(ProcessExitedAlready, OSError):
            node.transport.signalProcess(number)


def _node_env() -> dict[str, str]:
    """This environment, with this checkout importable first (as for twistd)."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _without_node_id(options: list[str]) -> tuple[list[str], str | None]:
    """The options without ``--node-id X`` (the launcher numbers the nodes)."""
    kept, base, skip = [], None, False
    for position, option in enumerate(options):
        if skip:
            skip = False
        elif option == "--node-id" and position + 1 < len(options):
            base, skip = options[position + 1], True
        elif option.startswith("--node-id="):
            base = option.split("=", 1)[1]
        else:
            kept.append(option)
    return kept, base


def raise_nofile_limit() -> None:
    """Let the nodes (who inherit it) hold as many sockets as the hard limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def parse(argv: Sequence[str]) -> tuple[int, list[str]]:
    """``--workers N`` and the options every node gets; ``--redis`` is required."""
    parser = argparse.ArgumentParser(
        prog="chatroom-cluster",
        description="Run several chatroom nodes of one cluster on the same ports "
        "(SO_REUSEPORT). Every other option is passed to each `twistd chatroom`.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="node processes to run (default: one per core)",
    )
    known, rest = parser.parse_known_args(argv)
    if known.workers < 1:
        parser.error("--workers must be at least 1")
    if not any(o == "--redis" or o.startswith("--redis=") for o in rest):
        parser.error("--redis is required: the nodes share their rooms through it")
    return known.workers, [o for o in rest if o != "--"]


def main(argv: Sequence[str] | None = None) -> None:
    """The ``chatroom-cluster`` command."""
    workers, options = parse(sys.argv[1:] if argv is None else argv)
    preload(options)  # before the reactor: the nodes must not inherit it
    from twisted.internet import reactor

    launcher = Launcher(reactor, workers, options)
    reactor.callWhenRunning(launcher.start)
    reactor.run()
    sys.exit(launcher.status)


if __name__ == "__main__":
    main()
