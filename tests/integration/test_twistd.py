"""The real ``twistd chatroom`` plugin, run as a separate process.

This is how an operator runs the server, so it checks what only a real
process shows: the plugin is found, it logs where it listens, SIGTERM makes
it say BYE to clients and exit 0, and a bad option is a usage message.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

from twisted.internet import defer, error, protocol, reactor
from twisted.python.failure import Failure
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from tests.support import connect_client

REPO_ROOT = FilePath(__file__).parent().parent().parent()
TWISTD = "from twisted.scripts.twistd import run; run()"
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

    timeout = 10

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
        process.transport.signalProcess("TERM")
        self.assertEqual((yield bye), "BYE server shutting down")
        yield alice.closed
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone)
        self.assertEqual(ended.value.exitCode, 0)
        self.assertNotIn(b"Traceback", process.output)
        self.assertNotIn(b"brewing", process.output)  # message text is not logged

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
