"""What an operator sees: ``make run``, a bad option, a failed start.

Each runs the real ``twistd chatroom`` plugin (``make run`` runs it through
the Makefile) and reads its stdout and stderr apart.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import tempfile

from twisted.internet import defer, error, protocol, reactor
from twisted.python.filepath import FilePath
from twisted.trial import unittest
from twisted.web.client import Agent, readBody

from tests.integration.test_twistd import _IGNORING, REPO_ROOT, TWISTD
from tests.support import connect_client, port_of

LISTENING_HOST = re.compile(rb"listening on IPv4Address\(type='TCP', host='([^']+)'")


class Process(protocol.ProcessProtocol):
    """A process's stdout and stderr, kept apart; fires when it ends."""

    def __init__(self) -> None:
        self.out = b""
        self.err = b""
        self.ended: defer.Deferred[tuple[object]] = defer.Deferred()
        self._waiting: list[tuple[bytes, defer.Deferred[None]]] = []

    def outReceived(self, data: bytes) -> None:
        self.out += data
        for entry in list(self._waiting):
            if entry[0] in self.out:
                self._waiting.remove(entry)
                entry[1].callback(None)

    def errReceived(self, data: bytes) -> None:
        self.err += data

    def when_out(self, text: bytes) -> defer.Deferred[None]:
        """Fires once stdout has shown ``text``."""
        waiter: defer.Deferred[None] = defer.Deferred()
        self._waiting.append((text, waiter))
        self.outReceived(b"")
        return waiter

    def processEnded(self, reason: object) -> None:
        for _, waiter in self._waiting:
            waiter.errback(Exception(f"ended:\n{self.out.decode()}{self.err.decode()}"))
        self._waiting = []
        self.ended.callback((reason,))


def spawn(case: unittest.TestCase, executable: str, *args: str) -> Process:
    """Run ``executable ARGS`` in a fresh directory with this checkout on the
    path; killed at the end of ``case`` if still running."""
    process = Process()
    workdir = FilePath(tempfile.mkdtemp())
    case.addCleanup(workdir.remove)
    transport = reactor.spawnProcess(
        process,
        executable,
        [executable, *args],
        env=dict(os.environ, PYTHONPATH=REPO_ROOT.path),
        path=workdir.path,
    )
    process.transport = transport

    def kill_if_running():
        if not process.ended.called:
            transport.signalProcess("KILL")
        return process.ended

    case.addCleanup(kill_if_running)
    return process


def twistd(case: unittest.TestCase, *args: str) -> Process:
    """``twistd -n --pidfile= chatroom ARGS`` (logging to stdout)."""
    return spawn(
        case, sys.executable, "-c", TWISTD, "-n", "--pidfile=", "chatroom", *args
    )


class FailedStartTests(unittest.TestCase):
    """A start that cannot work is one line on stderr and exit status 1."""

    timeout = 20

    @defer.inlineCallbacks
    def failed(self, *args: str):
        """Run twistd with ``args``; fires with its stdout and stderr lines."""
        process = twistd(self, *args)
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        self.assertEqual(ended.value.exitCode, 1)
        return process.out.decode().splitlines(), process.err.decode().splitlines()

    @defer.inlineCallbacks
    def test_bad_value_is_one_line(self):
        """``--rate -1``: one line naming the option and --help, no usage."""
        out, err = yield self.failed("--rate", "-1")
        self.assertEqual(
            err, ["chatroom: --rate: must be at least 0 (see twistd chatroom --help)"]
        )
        self.assertEqual(out, [])

    @defer.inlineCallbacks
    def test_bad_room_is_one_line(self):
        """``--rooms bad!room``: one line, no usage."""
        out, err = yield self.failed("--rooms", "bad!room")
        self.assertEqual(len(err), 1, err)
        self.assertTrue(err[0].startswith("chatroom: --rooms: 'bad!room' is not"))
        self.assertEqual(out, [])

    @defer.inlineCallbacks
    def test_port_out_of_range(self):
        """``--port 99999``: one line on stderr, before anything starts."""
        _, err = yield self.failed("--port", "99999")
        self.assertEqual(
            err,
            [
                "chatroom: --port: 99999 is not a port number (0-65535) "
                "(see twistd chatroom --help)"
            ],
        )

    @defer.inlineCallbacks
    def test_endpoint_that_cannot_listen(self):
        """``--port tcp:99999`` fails only when listening: still one line on
        the process's stderr, not ``[stderr#error]`` in the log."""
        out, err = yield self.failed("--port", "tcp:99999", "--db", ":memory:")
        self.assertEqual(len(err), 1, err)
        self.assertTrue(err[0].startswith("chatroom: cannot listen on tcp:99999: "))
        self.assertNotIn("stderr#error", "\n".join(out))

    @defer.inlineCallbacks
    def test_port_in_use(self):
        """A busy ``--http`` port: one line on stderr naming it."""
        busy = reactor.listenTCP(0, _IGNORING, interface="127.0.0.1")
        self.addCleanup(busy.stopListening)
        http = f"tcp:{port_of(busy)}:interface=127.0.0.1"
        out, err = yield self.failed(
            "--port", "tcp:0:interface=127.0.0.1", "--db", ":memory:", "--http", http
        )
        self.assertEqual(len(err), 1, err)
        self.assertIn(f"chatroom: cannot listen on {http}: ", err[0])
        self.assertIn("Address already in use", err[0])
        self.assertNotIn("stderr#error", "\n".join(out))


class MakeRunTests(unittest.TestCase):
    """``make run`` as a newcomer types it."""

    timeout = 30

    def setUp(self) -> None:
        if shutil.which("make") is None:
            raise unittest.SkipTest("make is not installed")

    @defer.inlineCallbacks
    def test_loopback_and_addresses(self):
        """Every door listens on 127.0.0.1 only; the addresses to open are
        printed, and the server logs where the web client is."""
        bin_dir = os.path.dirname(sys.executable)
        process = spawn(
            self,
            shutil.which("make") or "make",
            "-s",
            "-f", REPO_ROOT.child("Makefile").path,
            "-o", ".venv/.installed-stamp",
            f"BIN={bin_dir}",
            "PORT=0", "IRC_PORT=0", "HTTP_PORT=0",
            "run",
        )  # fmt: skip
        yield process.when_out(b"web client: open http://localhost:")
        hosts = LISTENING_HOST.findall(process.out)
        self.assertEqual(hosts, [b"127.0.0.1"] * 3)
        self.assertIn(b"open http://localhost:", process.out.split(b"\n", 2)[1])
        self.assertRegex(process.out, rb"web client: open http://localhost:[1-9]\d*/")
        # The reactor runs (so SIGTERM is handled) once a client gets HELLO.
        line_port = re.search(rb"LineFactory starting on (\d+)", process.out)
        assert line_port is not None
        client = yield connect_client(reactor, int(line_port.group(1)))
        client.transport.loseConnection()
        yield client.closed
        yield self.stopped(process)

    @defer.inlineCallbacks
    def stopped(self, process: Process):
        """make does not pass signals on: its twistd child is stopped, then
        make ends."""
        assert process.transport is not None
        pid = process.transport.pid
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            for child in children.read().split():
                os.kill(int(child), signal.SIGTERM)
        (ended,) = yield process.ended
        self.assertIsInstance(ended.value, error.ProcessDone, process.out.decode())

    @defer.inlineCallbacks
    def test_uploads_are_on(self):
        """The page's Attach button and avatars work out of the box:
        ``HEAD /upload`` answers 200 (uploads on), the files kept in
        ``chatroom-files`` beside the store; no ``--smtp``, so the page is
        told no mail is sent (``/email/mailer`` 404)."""
        bin_dir = os.path.dirname(sys.executable)
        process = spawn(
            self,
            shutil.which("make") or "make",
            "-s",
            "-f", REPO_ROOT.child("Makefile").path,
            "-o", ".venv/.installed-stamp",
            f"BIN={bin_dir}",
            "PORT=0", "IRC_PORT=0", "HTTP_PORT=0",
            "run",
        )  # fmt: skip
        yield process.when_out(b"web client: open http://localhost:")
        found = re.search(rb"web client: open http://localhost:(\d+)/", process.out)
        assert found is not None
        base = f"http://127.0.0.1:{int(found.group(1))}"
        agent = Agent(reactor)
        upload = yield agent.request(b"HEAD", f"{base}/upload".encode())
        self.assertEqual(upload.code, 200)
        mailer = yield agent.request(b"GET", f"{base}/email/mailer".encode())
        yield readBody(mailer)
        self.assertEqual(mailer.code, 404)
        assert process.transport is not None
        pid = process.transport.pid
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            (twistd,) = children.read().split()
        where = os.readlink(f"/proc/{twistd}/cwd")
        self.assertTrue(os.path.isdir(os.path.join(where, "chatroom-files")))
        yield self.stopped(process)
