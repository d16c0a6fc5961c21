"""The command line: arguments, and an unreachable server."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from twisted.trial import unittest

from chatroom.client.main import parse_arguments

CHECKOUT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ArgumentTests(unittest.TestCase):
    """What ``chatroom-urwid`` accepts."""

    def test_host_port_username(self) -> None:
        """HOST PORT and --username are read as given."""
        arguments = parse_arguments(["example.org", "8080", "--username", "alice"])
        self.assertEqual(
            (arguments.host, arguments.port, arguments.username, arguments.tls),
            ("example.org", 8080, "alice", False),
        )

    def test_trust_options_need_tls(self) -> None:
        """--insecure without --tls is a usage error, not a silent plain connection."""
        self.assertRaises(SystemExit, parse_arguments, ["h", "1", "--insecure"])

    def test_ca_and_insecure_exclusive(self) -> None:
        """--ca and --insecure cannot both be given."""
        self.assertRaises(
            SystemExit, parse_arguments, ["h", "1", "--tls", "--ca", "x", "--insecure"]
        )


class UnreachableTests(unittest.TestCase):
    """A refused connection is one line on stderr and exit status 1."""

    def test_refused(self) -> None:
        """No traceback, just the reason, and status 1; the terminal is untouched."""
        port = closed_port()
        finished = subprocess.run(
            [sys.executable, "-m", "chatroom.client.main", "127.0.0.1", str(port)],
            cwd=CHECKOUT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        self.assertEqual(finished.returncode, 1)
        self.assertEqual(finished.stdout, "")
        lines = finished.stderr.splitlines()
        self.assertEqual(len(lines), 1, finished.stderr)
        self.assertIn(f"cannot connect to 127.0.0.1:{port}", lines[0])
        self.assertIn("refused", lines[0].lower())
