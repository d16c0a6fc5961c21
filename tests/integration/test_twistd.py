"""The real ``twistd chatroom`` plugin, run as a separate process.

This is how an operator runs the server, so it checks what only a real
process shows: the plugin is found, it logs where it listens, SIGTERM makes
it say BYE to clients and exit 0, and a bad option is a usage message.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import tempfile

from twisted.internet import defer, error, protocol, reactor, task
from twisted.python.failure import Failure
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from tests.support import connect_client, port_of

REPO_ROOT = FilePath(__file__).parent().parent().parent()
TWISTD = "from twisted.scripts.twistd import run; run()"
#: Holds a port busy; a stray connection to it (another test process on
#: this machine picking the same ephemeral port) is accepted and ignored.
_IGNORING = protocol.ServerFactory()
_IGNORING.protocol = protocol.Protocol
LISTENING = re.compile(rb"listening on IPv4Address\(.*?port=(\d+)\)")


class TwistdProcess(protocol.ProcessProtocol):
    """Collects a twistd process's output; fires when it listens and when it ends."""

    def __init__(self) -> None:
        self.output = b""
        self.listening: defer.Deferred[int] = defer.Deferred()
        #: Fires with a one-tuple holding the end reason (a Failure, which
        #: would otherwise turn the callback into an errback).
        self.ended: defer.Deferred[tuple[Failure]] = defer.Deferred()
        self._watching: list[tuple[bytes, defer.Deferred[None]]] = []

    def when_output(self, text: bytes) -> defer.Deferred[None]:
        """Fires once the process has printed ``text``."""
        waiter: defer.Deferred[None] = defer.Deferred()
        self._watching.append((text, waiter))
        self._check_output()
        return waiter

    def outReceived(self, data: bytes) -> None:
        self.output += data
        match = LISTENING.search(self.output)
        if match and not self.listening.called:
            self.listening.callback(int(match.group(1)))
        self._check_output()

    def _check_output(self) -> None:
        for entry in list(self._watching):
            if entry[0] in self.output:
                self._watching.remove(entry)
                entry[1].callback(None)

    errReceived = outReceived

    def processEnded(self, reason: Failure) -> None:
        if not self.listening.called:
            self.listening.errback(
                Exception(f"twistd ended before listening:\n{self.output.decode()}")
            )
        self.ended.callback((reason,))


@defer.inlineCallbacks
def _until(check, bound: float = 20.0):
    """Wait until ``check()`` is true, polling every 50 ms, for ``bound`` s."""
    waited = 0.0
    while not check():
        if waited > bound:
            raise AssertionError(f"not within {bound} s: {check}")
        yield task.deferLater(reactor, 0.05, lambda: None)
        waited += 0.05


def spawn_twistd(case: unittest.TestCase, *args: str) -> TwistdProcess:
    """Run ``twistd -n --pidfile= --logfile=- chatroom ARGS`` from this checkout.

    The process is killed, if still running, when ``case`` ends.
    """
    process = TwistdProcess()
    env = dict(os.environ, PYTHONPATH=REPO_ROOT.path)
    workdir = FilePath(tempfile.mkdtemp())
    case.addCleanup(workdir.remove)
    transport = reactor.spawnProcess(
        process,
        sys.executable,
        [
            sys.executable,
            "-c",
            TWISTD,
            "-n",
            "--pidfile=",
            "--logfile=-",
            "chatroom",
            *args,
        ],
        env=env,
        path=workdir.path,
    )

    def kill_if_running() -> defer.Deferred[tuple[Failure]]:
        if not process.ended.called:
            transport.signalProcess("KILL")
        return process.ended

    case.addCleanup(kill_if_running)
    return process


class TwistdTests(unittest.TestCase):
    """``twistd -n chatroom`` as an operator runs it."""

    #: A bound for a hung test, with room for a loaded machine.
    timeout = 30

    def spawn(self, *args: str) -> TwistdProcess:
        return spawn_twistd(self, *args)

    @defer.inlineCallbacks
    def test_serve_and_sigterm(self):
        """A client chats with the plugin's server; SIGTERM means BYE and exit 0."""
        process = self.spawn("--port", "tcp:0:interface=127.0.0.1")
        port = yield process.listening
        alice = yield connect_client(reactor, port, "alice")
        alice.say("/create tea")
        self.assertEqual((yield alice.expect_line("JOINED ")), "JOINED tea 1 256")
        alice.say("brewing")
        message = yield alice.expect_line("MSG ")
        self.assertTrue(message.startswith("MSG tea alice "))
        self.assertTrue(message.endswith(" brewing"))
        bye = alice.expect_line("BYE ")
        assert process.transport is not None
        process.transport.signalProcess("TERM")
        self.assertEqual((yield bye), "BYE server shutting down")
        yield alice.closed
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone)
        self.assertEqual(ended.value.exitCode, 0)
        self.assertNotIn(b"Traceback", process.output)
        self.assertNotIn(b"brewing", process.output)  # message text is not logged

    @defer.inlineCallbacks
    def test_log_file_rotated_on_sigusr1(self):
        """With ``--logfile`` the log goes to that file, in twistd's text
        lines, and SIGUSR1 rotates it (``chat.log.1``), as twistd's own
        observer does: the server writes on in a fresh ``chat.log``."""
        folder = FilePath(self.mktemp())
        folder.makedirs()
        log = folder.child("chat.log")
        process = TwistdProcess()
        transport = reactor.spawnProcess(
            process,
            sys.executable,
            [sys.executable, "-c", TWISTD, "-n", "--pidfile=",
             f"--logfile={log.path}",
             "chatroom", "--port", "tcp:0:interface=127.0.0.1"],
            env=dict(os.environ, PYTHONPATH=REPO_ROOT.path),
            path=folder.path,
        )  # fmt: skip
        process.listening.addErrback(lambda _: None)  # read from the file instead

        def kill_if_running() -> defer.Deferred[tuple[Failure]]:
            if not process.ended.called:
                transport.signalProcess("KILL")
            return process.ended

        self.addCleanup(kill_if_running)
        yield _until(lambda: log.exists() and LISTENING.search(log.getContent()))
        self.assertRegex(
            log.getContent().decode(),
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \[",
        )
        transport.signalProcess(signal.SIGUSR1)
        rotated = folder.child("chat.log.1")
        yield _until(rotated.exists)
        listening = LISTENING.search(rotated.getContent())
        assert listening is not None, rotated.getContent()
        port = int(listening.group(1))
        client = yield connect_client(reactor, port, "alice")
        yield _until(lambda: b"is now alice" in log.getContent())
        client.transport.loseConnection()
        self.assertEqual(process.output, b"")  # nothing on stdout or stderr

    @defer.inlineCallbacks
    def test_bad_rooms_usage_error(self):
        """An invalid --rooms name exits non-zero with a message, no traceback."""
        process = self.spawn("--rooms", "bad name!")
        process.listening.addErrback(lambda _: None)
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        self.assertNotEqual(ended.value.exitCode, 0)
        self.assertIn(b"--rooms: 'bad name!' is not a valid room name", process.output)
        self.assertNotIn(b"Traceback", process.output)


class StartupFailureTests(unittest.TestCase):
    """A server that cannot start says why in one line and exits non-zero."""

    timeout = 20

    @defer.inlineCallbacks
    def failed_start(self, *args: str):
        """Run twistd with ``args``; fires with its output once it has exited 1."""
        process = spawn_twistd(self, *args)
        process.listening.addErrback(lambda _: None)
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        self.assertEqual(ended.value.exitCode, 1)
        self.assertNotIn(b"Traceback", process.output)
        return process.output.decode()

    def chatroom_lines(self, output: str) -> list[str]:
        return [line for line in output.splitlines() if "chatroom" in line.lower()]

    @defer.inlineCallbacks
    def test_port_in_use(self):
        """A busy port: one line naming the port, exit status 1."""
        busy = reactor.listenTCP(0, _IGNORING, interface="127.0.0.1")
        self.addCleanup(busy.stopListening)
        port = port_of(busy)
        output = yield self.failed_start("--port", f"tcp:{port}:interface=127.0.0.1")
        lines = [line for line in output.splitlines() if "cannot listen" in line]
        self.assertEqual(len(lines), 1, output)
        self.assertIn(f"tcp:{port}:interface=127.0.0.1", lines[0])
        self.assertIn("Address already in use", lines[0])

    @defer.inlineCallbacks
    def test_door_port_in_use(self):
        """A busy --irc port: the line names that door's endpoint, exit 1."""
        busy = reactor.listenTCP(0, _IGNORING, interface="127.0.0.1")
        self.addCleanup(busy.stopListening)
        irc = f"tcp:{port_of(busy)}:interface=127.0.0.1"
        output = yield self.failed_start(
            "--port", "tcp:0:interface=127.0.0.1", "--irc", irc
        )
        lines = [line for line in output.splitlines() if "cannot listen" in line]
        self.assertEqual(len(lines), 1, output)
        self.assertIn(f"cannot listen on {irc}: ", lines[0])

    @defer.inlineCallbacks
    def test_bad_endpoint_description(self):
        """An endpoint Twisted does not know: one line on stderr, exit status 1."""
        output = yield self.failed_start("--port", "bogus:8080")
        self.assertEqual(
            output.strip().splitlines(),
            ["chatroom: --port bogus:8080: Unknown endpoint type: 'bogus'"],
        )

    @defer.inlineCallbacks
    def test_unreachable_redis(self):
        """Nothing at the Redis address: one line once --redis-timeout has
        passed, then a clean exit with status 1."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            nobody = probe.getsockname()[1]
        output = yield self.failed_start(
            "--port", "tcp:0:interface=127.0.0.1",
            "--redis", f"redis://127.0.0.1:{nobody}/0",
            "--redis-timeout", "0.5",
        )  # fmt: skip
        lines = [line for line in output.splitlines() if "cannot reach Redis" in line]
        self.assertEqual(len(lines), 1, output)
        self.assertIn(f"redis://127.0.0.1:{nobody}/0", lines[0])
