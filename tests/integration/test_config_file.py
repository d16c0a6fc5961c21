"""The real ``twistd chatroom`` plugin started with ``--config FILE`` only.

The file opens all three doors on port 0 of the loopback interface, names
the server, sets a MOTD and the JSON log; each door is then reached over a
real socket (the line protocol, IRC, the web page's ``/ws``) and must serve
as the file says. A bad file is one line on stderr naming its line, and
exit status 1 before anything listens. ``chatroom config check`` runs as a
process, as an operator runs it.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import tempfile

from twisted.internet import defer, error, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.python.filepath import FilePath
from twisted.trial import unittest
from twisted.web.client import Agent, readBody
from twisted.web.websocket import WebSocketClientEndpoint

from tests.integration.test_doors import WebSocketClient
from tests.integration.test_irc_scram_sockets import start_sasl
from tests.integration.test_operator import spawn, twistd
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import LineClient, connect_client

LISTENING = re.compile(
    r"listening on IPv4Address\(type='TCP', host='127.0.0.1', port=(\d+)\)"
)
HERE = "tcp:0:interface=127.0.0.1"
MOTD = "Tea at five.\n\nBe kind.\n"
#: Passwords sent during the session: none may be in the log.
PASSWORDS = ("Tea-Secret-One", "Tea-Secret-Two", "Wrong-Secret-3")


def config_file(directory: FilePath, extra: str = "") -> str:
    """A file opening every door here, with a name, a MOTD and JSON logs."""
    directory.makedirs(ignoreExistingDirectory=True)
    motd = directory.child("motd.txt")
    motd.setContent(MOTD.encode())
    path = directory.child("chatroom.toml")
    path.setContent(
        (
            f'[doors]\nport = "{HERE}"\nirc = "{HERE}"\nhttp = "{HERE}"\n\n'
            f'[server]\nname = "teahouse"\ndb = ":memory:"\n'
            f'motd = "{motd.path}"\nlog-format = "json"\n'
            'rooms = ["lobby", "tea"]\n\n[limits]\nrate = 0\n' + extra
        ).encode()
    )
    return path.path


class ConfigFileServerTests(unittest.TestCase):
    """``twistd -n chatroom --config FILE``, nothing else."""

    timeout = 60

    @defer.inlineCallbacks
    def started(self):
        """The server of :func:`config_file`; fires with its process and its
        three ports (line, IRC, HTTP: the order it opens them)."""
        directory = FilePath(tempfile.mkdtemp())
        self.addCleanup(directory.remove)
        process: TwistdProcess = spawn_twistd(self, "--config", config_file(directory))
        ports = yield listening_ports(process, 3)
        return process, ports

    @defer.inlineCallbacks
    def stopped(self, process: TwistdProcess):
        """SIGTERM; fires with the log once the process exited 0."""
        assert process.transport is not None
        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone)
        return process.output.decode()

    @defer.inlineCallbacks
    def test_three_doors_as_the_file_says(self):
        """The name, the rooms and the MOTD at every door; the log is NDJSON."""
        process, (line_port, irc_port, http_port) = yield self.started()
        line = yield connect_client(reactor, line_port)
        self.assertTrue(line.lines[0].startswith("HELLO teahouse 1 "), line.lines)
        line.say("lina")
        yield line.expect_line("ROOMS ")
        self.assertEqual(
            line.lines[1:5],
            ["WELCOME lina", "MOTD Tea at five.", "MOTD", "MOTD Be kind."],
        )
        self.assertEqual(line.lines[5], "ROOMS 2")

        irc = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", irc_port), LineClient()
        )
        irc.say("NICK ivy")
        irc.say("USER ivy 0 * :Ivy")
        yield irc.expect(lambda said: " 376 " in said)
        self.assertIn(":teahouse 372 ivy :- Tea at five.", irc.lines)
        self.assertIn(":teahouse 372 ivy :- Be kind.", irc.lines)

        web = WebSocketClient()

        class Browser:
            def buildProtocol(self, url: str) -> WebSocketClient:
                return web

        endpoint = WebSocketClientEndpoint.new(
            reactor, f"ws://127.0.0.1:{http_port}/ws"
        )
        yield defer.ensureDeferred(endpoint.connect(Browser()))
        yield web.expect_line("HELLO teahouse ")
        web.say("wes")
        yield web.expect_line("MOTD Be kind.")
        response = yield Agent(reactor).request(
            b"GET", f"http://127.0.0.1:{http_port}/".encode()
        )
        page = yield readBody(response)
        self.assertEqual(response.code, 200)
        self.assertIn(b'id="motd"', page)

        for client in (line, irc):
            assert client.transport is not None
            client.transport.loseConnection()
        web.transport.loseConnection()
        yield defer.gatherResults([line.closed, irc.closed, web.closed])
        log = yield self.stopped(process)
        records = [json.loads(text) for text in log.splitlines()]
        self.assertNotIn("\x1e", log)
        self.assertIn("lina", {r["fields"].get("user") for r in records})
        self.assertTrue(all({"time", "level", "event"} <= set(r) for r in records))

    @defer.inlineCallbacks
    def test_no_password_in_the_log(self):
        """Passwords sent by /register, /password, /login (a wrong one too)
        and IRC's SASL PLAIN never reach the JSON log."""
        process, (line_port, irc_port, _) = yield self.started()
        alice = yield connect_client(reactor, line_port, "alice")
        alice.say(f"/register {PASSWORDS[0]}")
        yield alice.expect_line("REGISTERED alice")
        alice.say(f"/password {PASSWORDS[0]} {PASSWORDS[1]}")
        yield alice.expect_line("PASSWORD_CHANGED alice")
        phone = yield connect_client(reactor, line_port)
        phone.say(f"/login alice {PASSWORDS[2]}")
        yield phone.expect_line("ERR BAD_PASSWORD")
        phone.say(f"/login alice {PASSWORDS[1]}")
        yield phone.expect_line("WELCOME alice")
        irc = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", irc_port), LineClient()
        )
        yield start_sasl(irc, "alice", "PLAIN")
        plain = base64.b64encode(f"\0alice\0{PASSWORDS[1]}".encode()).decode()
        irc.say(f"AUTHENTICATE {plain}")
        yield irc.expect(lambda said: " 903 " in said)
        irc.say("CAP END")
        yield irc.expect(lambda said: " 376 " in said)
        for client in (alice, phone, irc):
            assert client.transport is not None
            client.transport.loseConnection()
        yield defer.gatherResults([alice.closed, phone.closed, irc.closed])
        log = yield self.stopped(process)
        self.assertIn('"alice"', log)  # the session was logged
        for secret in (*PASSWORDS, plain):
            self.assertNotIn(secret, log)


class BadConfigFileTests(unittest.TestCase):
    """A bad file stops the server before it listens, in one line."""

    timeout = 30

    @defer.inlineCallbacks
    def test_bad_value_named_at_its_line(self):
        """``max-backlog = 0`` on line 16 of the file: exit 1, that one line."""
        directory = FilePath(tempfile.mkdtemp())
        self.addCleanup(directory.remove)
        path = config_file(directory, "burst = 5\nmax-backlog = 0\n")
        process = twistd(self, "--config", path)
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        self.assertEqual(ended.value.exitCode, 1)
        self.assertEqual(
            process.err.decode().splitlines(),
            [f"chatroom: {path}:16: max-backlog: must be at least 1"],
        )
        self.assertNotIn(b"listening", process.out)

    @defer.inlineCallbacks
    def test_config_check(self):
        """``chatroom config check``: ok for a good file (exit 0), the one
        line for a bad one (exit 1), started as a process."""
        directory = FilePath(tempfile.mkdtemp())
        self.addCleanup(directory.remove)
        good = config_file(directory.child("good"))
        bad = config_file(directory.child("bad"), "max-line = 10\n")
        command = ("-m", "chatroom.wiring.command", "config", "check")
        checked = spawn(self, sys.executable, *command, good)
        (ended,) = yield checked.ended
        ended.trap(error.ProcessDone)
        self.assertEqual(checked.out.decode(), f"{good}: ok\n")
        refused = spawn(self, sys.executable, *command, bad)
        (ended,) = yield refused.ended
        ended.trap(error.ProcessTerminated)
        self.assertEqual(ended.value.exitCode, 1)
        self.assertEqual(
            refused.err.decode(), f"chatroom: {bad}:15: max-line: must be at least 64\n"
        )


@defer.inlineCallbacks
def listening_ports(process: TwistdProcess, count: int):
    """Fires with the ports of ``process``'s first ``count`` doors (the
    order it opens them) once it listens on all of them (a bounded poll)."""
    yield process.listening
    ports: list[int] = []
    for _ in range(300):  # the other doors, a moment later
        ports = [int(p) for p in LISTENING.findall(process.output.decode())]
        if len(ports) >= count:
            return ports[:count]
        yield deferLater(0.05)
    raise AssertionError(f"not {count} doors listening:\n{process.output.decode()}")


def deferLater(seconds: float) -> defer.Deferred[None]:
    """Fires after ``seconds`` on the real reactor (a bounded poll's pause)."""
    from twisted.internet import task

    return task.deferLater(reactor, seconds, lambda: None)
