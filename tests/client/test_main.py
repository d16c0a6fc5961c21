"""The command line: arguments, and an unreachable server."""

from __future__ import annotations

import argparse
import os
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

    def setUp(self) -> None:
        self.config_home = Path(self.mktemp())
        self.settings_file = self.config_home / "chatroom" / "client.toml"
        self.settings_file.parent.mkdir(parents=True)

    def parse(self, *argv: str) -> argparse.Namespace:
        """Parse as the client would, with a settings folder of the test's own."""
        environ = {"XDG_CONFIG_HOME": str(self.config_home)}
        arguments, _settings = parse_arguments(argv, environ)
        return arguments

    def test_host_port_username(self) -> None:
        """HOST PORT and --username are read as given."""
        arguments = self.parse("example.org", "8080", "--username", "alice")
        self.assertEqual(
            (arguments.host, arguments.port, arguments.username, arguments.tls),
            ("example.org", 8080, "alice", False),
        )

    def test_trust_options_need_tls(self) -> None:
        """--insecure without --tls is a usage error, not a silent plain connection."""
        self.assertRaises(SystemExit, self.parse, "h", "1", "--insecure")

    def test_ca_and_insecure_exclusive(self) -> None:
        """--ca and --insecure cannot both be given."""
        self.assertRaises(
            SystemExit, self.parse, "h", "1", "--tls", "--ca", "x", "--insecure"
        )

    def test_settings_file_supplies_the_server(self) -> None:
        """The XDG settings file names the daily server; the command line wins."""
        self.settings_file.write_text(
            '[server]\nhost = "chat.example.org"\nport = 8443\ntls = true\n'
            'username = "alice"\n[logging]\ndir = "/tmp/chatlogs"\n'
        )
        arguments = self.parse()
        self.assertEqual(
            (arguments.host, arguments.port, arguments.tls, arguments.username),
            ("chat.example.org", 8443, True, "alice"),
        )
        self.assertEqual(arguments.log_dir, Path("/tmp/chatlogs"))
        arguments = self.parse("localhost", "8080", "--username", "bob")
        self.assertEqual(
            (arguments.host, arguments.port, arguments.username),
            ("localhost", 8080, "bob"),
        )

    def test_other_addresses_of_a_cluster(self) -> None:
        """--also HOST:PORT (repeatable, [V6]:PORT too) names more nodes of the
        same chat to come back through; anything else is a usage error."""
        arguments = self.parse("a", "1", "--also", "b:2", "--also", "[::1]:3")
        self.assertEqual(arguments.also, [("b", 2), ("::1", 3)])
        self.assertEqual(self.parse("a").also, [])
        for wrong in ("b", "b:", ":2", "b:x", "b:70000"):
            self.assertRaises(SystemExit, self.parse, "a", "--also", wrong)

    def test_port_defaults_to_8080(self) -> None:
        """``chatroom-urwid localhost`` connects to port 8080, unless the
        settings file names another."""
        arguments = self.parse("localhost")
        self.assertEqual((arguments.host, arguments.port), ("localhost", 8080))
        self.settings_file.write_text("[server]\nport = 9000\n")
        self.assertEqual(self.parse("localhost").port, 9000)

    def test_without_a_server_is_a_usage_error(self) -> None:
        """No HOST PORT and none in the settings: a usage error naming the file."""
        self.assertRaises(SystemExit, self.parse)

    def test_broken_settings_file_is_a_usage_error(self) -> None:
        """A settings file that is not TOML stops the client before the terminal."""
        self.settings_file.write_text("[server\n")
        self.assertRaises(SystemExit, self.parse, "h", "1")


def run_client(
    *arguments: str, config: str | None = None, home: str
) -> subprocess.CompletedProcess[str]:
    """``chatroom-urwid ARGUMENTS`` with ``config`` as its settings file."""
    folder = Path(home)
    (folder / "chatroom").mkdir(parents=True)
    if config is not None:
        (folder / "chatroom" / "client.toml").write_text(config)
    return subprocess.run(
        [sys.executable, "-m", "chatroom.client.main", *arguments],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        # About 1 s on a quiet machine; a loaded one (the suite in parallel
        # beside irctest) once took 49 s for three.
        timeout=120,
        check=False,
        env={**os.environ, "XDG_CONFIG_HOME": home},
    )


class MistakeTests(unittest.TestCase):
    """A mistake is one line naming it and exit status 2, before any
    connection or screen (the server here is not even listening)."""

    def assert_refused(
        self, finished: subprocess.CompletedProcess[str], *named: str
    ) -> None:
        """Status 2, nothing on stdout, one line on stderr naming the mistake."""
        self.assertEqual(finished.returncode, 2, finished.stderr)
        self.assertEqual(finished.stdout, "")
        lines = finished.stderr.splitlines()
        self.assertEqual(len(lines), 1, finished.stderr)
        self.assertTrue(lines[0].startswith("chatroom-urwid: "), lines[0])
        for words in named:
            self.assertIn(words, lines[0])
        self.assertNotIn("Traceback", finished.stderr)

    def test_bad_colour(self) -> None:
        """``mention = ["pink","black"]`` used to hang on a blank screen."""
        finished = run_client(
            "127.0.0.1",
            str(closed_port()),
            config='[colours]\nmention = ["pink","black"]\n',
            home=self.mktemp(),
        )
        self.assert_refused(finished, "client.toml", "mention", "'pink'")

    def test_bad_toml_has_no_usage_block(self) -> None:
        """Bad TOML is one line, not argparse's usage block first."""
        finished = run_client("127.0.0.1", "1", config="[server\n", home=self.mktemp())
        self.assert_refused(finished, "client.toml")

    def test_unknown_section_key_and_key_name(self) -> None:
        """``[colors]``, an unknown ``[display]`` key and ``f55`` are refused."""
        for config, named in (
            ('[colors]\nmention = ["black","yellow"]\n', "[colors]"),
            ("[display]\nbeep = true\n", "beep"),
            ('[keys]\nretry_now = ["f55"]\n', "'f55'"),
        ):
            finished = run_client("127.0.0.1", "1", config=config, home=self.mktemp())
            self.assert_refused(finished, named)

    def test_log_dir_that_cannot_be_made(self) -> None:
        """``--log-dir /proc/nope`` is one line naming it, no traceback."""
        finished = run_client(
            "127.0.0.1", "1", "--log-dir", "/proc/nope", home=self.mktemp()
        )
        self.assert_refused(finished, "--log-dir /proc/nope")


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
            env={**os.environ, "XDG_CONFIG_HOME": self.mktemp()},
        )
        self.assertEqual(finished.returncode, 1)
        self.assertEqual(finished.stdout, "")
        lines = finished.stderr.splitlines()
        self.assertEqual(len(lines), 1, finished.stderr)
        self.assertIn(f"cannot connect to 127.0.0.1:{port}", lines[0])
        self.assertIn("refused", lines[0].lower())
