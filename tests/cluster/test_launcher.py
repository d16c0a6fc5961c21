"""``chatroom-cluster``: several nodes on one port, one command.

The real launcher runs two real ``twistd chatroom`` nodes sharing one
loopback port (``SO_REUSEPORT``) and a real ``redis-server``; users whom
the kernel hands to different nodes chat with each other.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
from collections.abc import Callable

from twisted.internet import defer, protocol, reactor
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.wiring.cluster import Launcher, parse
from tests.cluster.support import RedisTestCase
from tests.support import LineClient, connect_client, free_port


def saying(text: str) -> Callable[[str], bool]:
    """A line predicate: the line contains ``text``."""
    return lambda line: text in line


def reloaded(node: str) -> Callable[[str], bool]:
    """A line predicate: ``node`` logged a reload that changed nothing."""
    return lambda line: (
        line.startswith(f"{node} ")
        and ("configuration reloaded: nothing to apply" in line)
    )


class LauncherProcess(protocol.ProcessProtocol):
    """The launcher's output, line by line (each ending in NUL, so a wait
    can ask for a line's end), with waits on what it says."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial = b""
        self._waiting: list[tuple[Callable[[str], bool], defer.Deferred[str]]] = []
        self.ended: defer.Deferred[int] = defer.Deferred()

    def outReceived(self, data: bytes) -> None:
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            self.lines.append(line.decode(errors="replace") + "\x00")
        self._match()

    errReceived = outReceived

    def expect(self, predicate: Callable[[str], bool]) -> defer.Deferred[str]:
        """Fires with the first line (said so far or later) ``predicate`` likes."""
        waiter: defer.Deferred[str] = defer.Deferred()
        self._waiting.append((predicate, waiter))
        self._match()
        return waiter

    def _match(self) -> None:
        for entry in list(self._waiting):
            predicate, waiter = entry
            found = next((line for line in self.lines if predicate(line)), None)
            if found is not None:
                self._waiting.remove(entry)
                waiter.callback(found)

    def processEnded(self, reason: Failure) -> None:
        self.ended.callback(getattr(reason.value, "exitCode", -1))


class LauncherTests(RedisTestCase):
    """Two nodes on one port: one chat."""

    timeout = 120

    @defer.inlineCallbacks
    def test_users_on_both_nodes_chat(self):
        """Users land on both nodes of one port and hear each other; SIGHUP
        reloads both nodes, dropping nobody; SIGTERM says BYE to them and
        the launcher exits 0."""
        port = free_port()
        launcher = LauncherProcess()
        argv = [
            sys.executable, "-m", "chatroom.wiring.cluster", "--workers", "2",
            "--redis", self.redis_url, "--node-id", "w",
            "--port", f"tcp:{port}:interface=127.0.0.1",
            "--db", ":memory:", "--gc-freeze", "0",
        ]  # fmt: skip
        process = reactor.spawnProcess(launcher, sys.executable, argv, env=os.environ)
        clients: list[LineClient] = []

        @defer.inlineCallbacks
        def stop():
            if not launcher.ended.called:
                process.signalProcess(signal.SIGTERM)
            code = yield launcher.ended
            for client in clients:
                if not client.is_closed and client.transport is not None:
                    client.transport.loseConnection()
            yield defer.gatherResults([client.closed for client in clients])
            return code

        self.addCleanup(stop)
        for node in ("w-1", "w-2"):
            yield launcher.expect(saying(f"node {node}: in the cluster"))
        on_node: dict[str, LineClient] = {}
        for number in range(40):
            name = f"user{number}"
            client = yield connect_client(reactor, port, name)
            clients.append(client)
            said = yield launcher.expect(saying(f" is now {name}\x00"))
            on_node.setdefault(said.split(" ", 1)[0], client)
            if len(on_node) == 2:
                break
        self.assertEqual(sorted(on_node), ["w-1", "w-2"])
        first, second = on_node["w-1"], on_node["w-2"]
        first.say("/join general")
        yield first.expect_line("JOINED general ")
        second.say("/join general")
        yield second.expect_line("JOINED general ")
        first.say("hello from the first node")
        line = yield second.expect_line("MSG general ")
        self.assertTrue(line.endswith(" hello from the first node"), line)
        second.say("and back from the second")
        line = yield first.expect(
            lambda text: text.endswith(" and back from the second")
        )
        self.assertTrue(line.startswith("MSG general "), line)
        process.signalProcess(signal.SIGHUP)  # reloads each node, drops nobody
        for node in ("w-1", "w-2"):
            yield launcher.expect(reloaded(node))
        second.say("still here")
        yield first.expect(lambda text: text.endswith(" still here"))
        code = yield stop()
        self.assertEqual(code, 0)
        for client in (first, second):
            self.assertTrue(any(text.startswith("BYE ") for text in client.lines))

    @defer.inlineCallbacks
    def test_a_node_that_cannot_listen_stops_the_launcher(self):
        """A port another program holds: the forked node says why and exits
        1, the launcher stops the other node and exits 1 too."""
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        launcher = LauncherProcess()
        argv = [
            sys.executable, "-m", "chatroom.wiring.cluster", "--workers", "2",
            "--redis", self.redis_url, "--node-id", "t",
            "--port", f"tcp:{port}:interface=127.0.0.1", "--db", ":memory:",
        ]  # fmt: skip
        process = reactor.spawnProcess(launcher, sys.executable, argv, env=os.environ)

        def kill() -> None:
            if not launcher.ended.called:
                process.signalProcess(signal.SIGKILL)

        self.addCleanup(kill)
        code = yield launcher.ended
        self.assertEqual(code, 1)
        said = "".join(launcher.lines)
        self.assertIn("cannot listen", said)
        self.assertRegex(said, r"node t-\d failed \(exit 1\): stopping the others")


class LauncherOptionsTests(unittest.TestCase):
    """What ``chatroom-cluster`` accepts, before it starts anything."""

    def test_redis_is_required(self) -> None:
        """Without --redis the nodes could not share rooms: refused, with why."""
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit):
            parse(["--workers", "2", "--port", "8080"])
        self.assertIn("--redis is required", stderr.getvalue())

    def test_workers_and_the_rest(self) -> None:
        """--workers is the launcher's; every other option goes to each node."""
        workers, options = parse(["--workers", "3", "--redis", "redis://x", "-p", "1"])
        self.assertEqual((workers, options), (3, ["--redis", "redis://x", "-p", "1"]))

    def test_nodes_numbered_from_the_given_id(self) -> None:
        """--node-id names the set; the nodes are NAME-1, NAME-2, ..."""
        launcher = Launcher(reactor, 2, ["--redis", "redis://x", "--node-id", "web"])
        self.assertEqual(launcher.base, "web")
        self.assertNotIn("--node-id", launcher.options)
