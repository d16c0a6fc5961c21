"""TURN credentials against a real coturn (Debian's ``coturn``).

coturn runs on a free loopback port with ``use-auth-secret`` and a
``static-auth-secret``; the server, given the same secret in
``--turn-secret-file``, hands a caller ``TURN 600 <expiry>:lou <password>
turn:127.0.0.1:PORT``, and coturn's own client (``turnutils_uclient``)
allocates a relay with those credentials, which coturn's log shows; with
another secret in the file coturn answers 401 and allocates nothing.
``--turn-uri`` without a secret is refused before anything listens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from twisted.internet import defer, error, utils
from twisted.python import usage
from twisted.trial import unittest

from chatroom.wire.lines import parse_event
from chatroom.wiring.tap import Options
from tests.integration.test_twistd import spawn_twistd
from tests.support import ServerTestCase, free_port, require, until

SECRET = "a-shared-secret-for-tests"


class Coturn:
    """A turnserver on 127.0.0.1:``port``, logging to ``log``."""

    def __init__(self, case: unittest.TestCase, secret: str) -> None:
        require(shutil.which("turnserver"), "coturn", "TURN credentials")
        folder = case.mktemp()
        os.makedirs(folder)
        self.port = free_port()
        self.log = os.path.join(folder, "turn.log")
        relays = free_port()
        self.process = subprocess.Popen(
            [
                "turnserver",
                "-n",
                "-v",
                f"--listening-port={self.port}",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                "--use-auth-secret",
                f"--static-auth-secret={secret}",
                "--realm=chat.test",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                f"--min-port={relays}",
                f"--max-port={relays + 20}",
                "--allow-loopback-peers",
                f"--pidfile={os.path.join(folder, 'turn.pid')}",
                "--log-file=stdout",
            ],
            stdout=open(self.log, "wb"),  # noqa: SIM115 (the process keeps it)
            stderr=subprocess.STDOUT,
        )
        case.addCleanup(self.stop)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def said(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as log:
            return log.read()

    def ready(self) -> defer.Deferred[object]:
        return until(lambda: "turn server id=0 created" in self.said(), 20, "coturn")

    def allocate(self, username: str, password: str) -> defer.Deferred[object]:
        """coturn's own client, allocating with these credentials: its exit
        status (0: it relayed its packets)."""
        return utils.getProcessValue(
            shutil.which("turnutils_uclient") or "turnutils_uclient",
            [
                "-p",
                str(self.port),
                "-u",
                username,
                "-w",
                password,
                "-n",
                "1",
                "-y",
                "-c",
                "127.0.0.1",
            ],
            env=os.environ,
        )


class TurnTests(ServerTestCase):
    timeout = 60
    secret_given = SECRET

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]
        self.coturn = Coturn(self, SECRET)
        yield self.coturn.ready()
        secret = self.mktemp()
        with open(secret, "w") as kept:
            kept.write(f"  {self.secret_given}  \nnot this line\n")
        self.options = (
            "--rate",
            "0",
            "--turn-uri",
            f"turn:127.0.0.1:{self.coturn.port}",
            "--turn-secret-file",
            secret,
            "--turn-ttl",
            "600",
        )
        yield super().setUp()

    @defer.inlineCallbacks
    def turn_line(self):
        lou = yield self.client("lou")
        lou.say("/create relay")
        yield lou.expect_line("MEMBERS relay")
        lou.say("/call start")
        line = yield lou.expect_line("TURN ")
        yield lou.expect_line("CALL_MEMBERS relay ")
        return parse_event(line)

    @defer.inlineCallbacks
    def test_coturn_accepts_the_credentials(self):
        turn = yield self.turn_line()
        self.assertEqual(turn.field("seconds"), "600")
        self.assertEqual(turn.listed, (f"turn:127.0.0.1:{self.coturn.port}",))
        expiry, _, name = turn.field("username").partition(":")
        self.assertEqual(name, "lou")
        self.assertLess(abs(int(expiry) - (time.time() + 600)), 30)
        status = yield self.coturn.allocate(
            turn.field("username"), turn.field("password")
        )
        self.assertEqual(status, 0, self.coturn.said()[-2000:])
        user = turn.field("username")
        self.assertIn(
            f"user <{user}>: incoming packet ALLOCATE processed, success",
            self.coturn.said(),
        )


class WrongSecretTests(TurnTests):
    secret_given = "not-the-secret"

    @defer.inlineCallbacks
    def test_coturn_accepts_the_credentials(self):
        """Credentials made with another secret: 401, no allocation."""
        turn = yield self.turn_line()
        status = yield self.coturn.allocate(
            turn.field("username"), turn.field("password")
        )
        self.assertNotEqual(status, 0)
        said = self.coturn.said()
        self.assertIn("error 401", said)
        self.assertNotIn("ALLOCATE processed, success", said)


class TurnOptionTests(unittest.TestCase):
    timeout = 30

    @defer.inlineCallbacks
    def test_twistd_exits_naming_the_secret_file(self):
        """``--turn-uri`` alone: twistd exits non-zero, naming
        ``--turn-secret-file``, and nothing listens."""
        process = spawn_twistd(self, "--turn-uri", "turn:127.0.0.1:3478")
        process.listening.addErrback(lambda _: None)
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        self.assertNotEqual(ended.value.exitCode, 0)
        self.assertIn(b"--turn-secret-file", process.output)
        self.assertNotIn(b"Traceback", process.output)

    def test_uri_without_secret_refused(self):
        with self.assertRaises(usage.UsageError) as refused:
            Options().parseOptions(["--turn-uri", "turn:127.0.0.1:3478"])
        self.assertIn("--turn-secret-file", str(refused.exception))

    def test_uris_repeat(self):
        secret = self.mktemp()
        with open(secret, "w") as kept:
            kept.write("s3\n")
        options = Options()
        options.parseOptions(
            [
                "--turn-uri",
                "turn:a.example:3478",
                "--turn-uri",
                "turns:b.example:5349",
                "--turn-secret-file",
                secret,
            ]
        )
        config = options.server_config()
        self.assertEqual(
            config.turn_uri, ("turn:a.example:3478", "turns:b.example:5349")
        )
        self.assertEqual(config.turn_secret, "s3")
        self.assertNotIn("s3", repr(config))
