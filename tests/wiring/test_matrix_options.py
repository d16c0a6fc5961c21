"""Turning the Matrix bridge on: ``chatroom-admin matrix registration``'s
file, and ``--matrix-registration``, ``--matrix-homeserver`` and
``--matrix-server-name`` with their one-line refusals at start."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from twisted.python import usage
from twisted.trial import unittest

from chatroom.wiring.admintool import main as admin_main
from chatroom.wiring.matrix import registration_text
from chatroom.wiring.tap import Options
from tests.wiring.test_tap import parse

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"[A-Za-z0-9\-_.~+/=]{32,}")


def printed(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = admin_main(["matrix", "registration", *args])
    assert status == 0
    return out.getvalue()


class RegistrationTests(unittest.TestCase):
    def test_the_printed_file(self) -> None:
        """The YAML has the spec's fields: the id (chatroom unless --id),
        the url as given, two fresh tokens, the sender and the namespaces;
        a second run's tokens differ from the first's."""
        first = yaml.safe_load(printed("--url", "http://chat.internal:8000"))
        self.assertEqual(first["id"], "chatroom")
        self.assertEqual(first["url"], "http://chat.internal:8000")
        self.assertEqual(first["sender_localpart"], "chatroom")
        self.assertIs(first["rate_limited"], False)
        self.assertEqual(
            first["namespaces"],
            {
                "users": [{"exclusive": True, "regex": "@chatroom_.*"}],
                "aliases": [{"exclusive": True, "regex": "#chatroom_.*"}],
                "rooms": [],
            },
        )
        for field in ("as_token", "hs_token"):
            self.assertRegex(first[field], TOKEN)
        self.assertNotEqual(first["as_token"], first["hs_token"])
        second = yaml.safe_load(printed("--url", "http://x:1", "--id", "bridge"))
        self.assertEqual(second["id"], "bridge")
        self.assertNotEqual(first["as_token"], second["as_token"])
        self.assertNotEqual(first["hs_token"], second["hs_token"])

    def test_the_command_needs_no_server(self) -> None:
        """``chatroom-admin matrix registration`` runs as a command, with no
        --token-file and no server, and exits 0."""
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "chatroom.wiring.admintool",
                "matrix",
                "registration",
                "--url",
                "http://127.0.0.1:8000",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(yaml.safe_load(done.stdout)["url"], "http://127.0.0.1:8000")


class MatrixOptionsTests(unittest.TestCase):
    def registration(self, text: str | None = None) -> str:
        path = Path(self.mktemp())
        path.write_text(text or registration_text("http://127.0.0.1:8000"))
        return str(path)

    def refusal(self, *args: str) -> str:
        with self.assertRaises(usage.UsageError) as refused:
            parse(*args)
        return str(refused.exception)

    def bridge(self, registration: str, *more: str) -> list[str]:
        return [
            "--matrix-registration",
            registration,
            "--matrix-homeserver",
            "http://127.0.0.1:8008",
            "--matrix-server-name",
            "localhost",
            *more,
        ]

    def test_the_bridge_is_off_without_them(self) -> None:
        self.assertIsNone(parse().matrix)

    def test_the_settings(self) -> None:
        """With the three options and --http, the bridge reads the file."""
        path = self.registration()
        data = yaml.safe_load(Path(path).read_text())
        options = parse(*self.bridge(path, "--http", "0"))
        assert options.matrix is not None
        self.assertEqual(options.matrix.as_token, data["as_token"])
        self.assertEqual(options.matrix.hs_token, data["hs_token"])
        self.assertEqual(options.matrix.bridge_user, "@chatroom:localhost")
        self.assertEqual(options.matrix.homeserver, "http://127.0.0.1:8008")

    def test_they_go_together(self) -> None:
        """Each without the others is refused, naming what is missing."""
        path = self.registration()
        self.assertIn(
            "needs --matrix-homeserver and --matrix-server-name",
            self.refusal("--matrix-registration", path, "--http", "0"),
        )
        self.assertIn(
            "needs --matrix-registration",
            self.refusal(
                "--matrix-homeserver",
                "http://h:8008",
                "--matrix-server-name",
                "h",
                "--http",
                "0",
            ),
        )

    def test_they_need_http(self) -> None:
        self.assertIn("needs --http", self.refusal(*self.bridge(self.registration())))

    def test_a_bad_registration(self) -> None:
        """A file that is missing, no YAML, without a token, or whose
        namespaces leave the bridge's users or aliases out, is refused."""
        good = yaml.safe_load(registration_text("http://127.0.0.1:8000"))
        self.assertIn(
            "No such file", self.refusal(*self.bridge("/nonexistent", "--http", "0"))
        )
        self.assertIn(
            "no YAML",
            self.refusal(*self.bridge(self.registration("a: [b"), "--http", "0")),
        )
        for field in ("as_token", "hs_token"):
            lacking = {k: v for k, v in good.items() if k != field}
            path = self.registration(yaml.safe_dump(lacking))
            self.assertIn(
                f"no {field}", self.refusal(*self.bridge(path, "--http", "0"))
            )
        for kind, regex, said in (
            ("users", "@other_.*", "users namespace"),
            ("aliases", "#other_.*", "aliases namespace"),
        ):
            narrow = {
                **good,
                "namespaces": {
                    **good["namespaces"],
                    kind: [{"exclusive": True, "regex": regex}],
                },
            }
            path = self.registration(yaml.safe_dump(narrow))
            self.assertIn(said, self.refusal(*self.bridge(path, "--http", "0")))

    def test_a_bad_homeserver(self) -> None:
        path = self.registration()
        args = self.bridge(path, "--http", "0")
        args[3] = "127.0.0.1:8008"
        self.assertIn("--matrix-homeserver", self.refusal(*args))

    def test_in_the_config_file(self) -> None:
        """The three are keys of --config's TOML, as every option."""
        path = self.registration()
        config = Path(self.mktemp())
        config.write_text(
            f'matrix-registration = "{path}"\n'
            'matrix-homeserver = "http://127.0.0.1:8008"\n'
            'matrix-server-name = "localhost"\n'
            "http = 0\n"
        )
        options = parse("--config", str(config))
        assert options.matrix is not None
        self.assertEqual(options.matrix.server_name, "localhost")

    def test_help_lists_them(self) -> None:
        """twistd chatroom --help lists the three."""
        shown = Options().getUsage()
        for option in (
            "matrix-registration",
            "matrix-homeserver",
            "matrix-server-name",
        ):
            self.assertIn(f"--{option}", shown)
