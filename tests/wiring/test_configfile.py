"""``--config FILE``: options from TOML, checked as the command line's are.

Parsed with the real :class:`chatroom.wiring.tap.Options` (as twistd
parses them), from files in the test's own directory; the command
``chatroom config check`` through its ``main``. The integration tests
(tests/integration/test_config_file.py) start the real plugin with a file.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from twisted.python import usage
from twisted.trial import unittest

from chatroom.wiring.command import main
from chatroom.wiring.configfile import ConfigFileError, line_of, option_table
from chatroom.wiring.tap import Options

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "chatroom.example.toml"


class ConfigFileTestCase(unittest.TestCase):
    """Writes TOML files and parses options with them."""

    def write(self, text: str) -> str:
        path = Path(self.mktemp())
        path.write_text(text, encoding="utf-8")
        return str(path)

    def parsed(self, text: str, *command_line: str) -> Options:
        options = Options()
        options.parseOptions(["--config", self.write(text), *command_line])
        return options

    def refused(self, text: str, *command_line: str) -> str:
        """The one line a bad file is refused with, its path as FILE."""
        path = self.write(text)
        with self.assertRaises(usage.UsageError) as caught:
            Options().parseOptions(["--config", path, *command_line])
        return str(caught.exception).replace(path, "FILE")


class ConfigFileValuesTests(ConfigFileTestCase):
    """What a good file sets."""

    def test_keys_are_long_option_names(self) -> None:
        """Top-level keys and keys in any table set their options."""
        options = self.parsed(
            'port = "tcp:9000"\nname = "teahouse"\n'
            "[limits]\nmax-line = 512\nrate = 2.5\n"
            "[anything.nested]\nburst = 3\n"
        )
        self.assertEqual(options["port"], ("tcp:9000",))
        self.assertEqual(options["name"], "teahouse")
        self.assertEqual(options["max-line"], 512)
        self.assertEqual(options["rate"], 2.5)
        self.assertEqual(options["burst"], 3)
        self.assertEqual(options["history"], 50)  # not in the file: its default

    def test_values_as_toml_types(self) -> None:
        """Flags are booleans, lists arrays, a door's port a number."""
        options = self.parsed(
            "require-account = true\nreuse-port = false\n"
            'rooms = ["tea", "coffee"]\nadmins = "root, ops"\n'
            "irc = 6667\nrate = 2\n"
        )
        self.assertTrue(options["require-account"])
        self.assertFalse(options["reuse-port"])
        self.assertEqual(options["rooms"], ("tea", "coffee"))
        self.assertEqual(options["admins"], ("root", "ops"))
        self.assertEqual(options["irc"], ("tcp:6667",))
        self.assertEqual(options["rate"], 2.0)

    def test_turn_servers_as_an_array(self) -> None:
        """``turn-uri`` is one TURN server or an array of them, each as
        ``--turn-uri`` again; the secret is read from its file."""
        secret = self.write("s3cret\n")
        options = self.parsed(
            'turn-uri = ["turn:turn.example.org:3478", "turns:turn.example.org"]\n'
            f"turn-secret-file = {secret!r}\nturn-ttl = 600\n"
        )
        self.assertEqual(
            options["turn-uri"],
            ("turn:turn.example.org:3478", "turns:turn.example.org"),
        )
        self.assertEqual(options["turn-secret"], "s3cret")
        self.assertEqual(options["turn-ttl"], 600)
        one = self.parsed(
            f'turn-uri = "turn:t.example"\nturn-secret-file = {secret!r}\n'
        )
        self.assertEqual(one["turn-uri"], ("turn:t.example",))

    def test_command_line_overrides_the_file(self) -> None:
        """An option on the command line wins, wherever ``--config`` is."""
        text = 'name = "teahouse"\nmax-line = 512\nport = 9000\n'
        path = self.write(text)
        options = Options()
        options.parseOptions(["--max-line", "1024", "--config", path, "-p", "9001"])
        self.assertEqual(options["max-line"], 1024)
        self.assertEqual(options["port"], ("tcp:9001",))
        self.assertEqual(options["name"], "teahouse")

    def test_server_config_from_the_file(self) -> None:
        """The file reaches the server's configuration as options do."""
        motd = self.write("Tea at five.\n")
        config = self.parsed(f"motd = {motd!r}\nmax-clients = 7\n").server_config()
        self.assertEqual(config.motd, ("Tea at five.",))
        self.assertEqual(config.max_clients, 7)


class ConfigFileMistakeTests(ConfigFileTestCase):
    """A bad file: one line naming the file, the line and the key."""

    def assertRefused(self, cases: dict[str, str]) -> None:
        """Each file's text is refused with its line."""
        for text, expected in cases.items():
            self.assertEqual(self.refused(text), expected, text)

    def test_unknown_key(self) -> None:
        """A key that is no option, in a table."""
        self.assertRefused(
            {
                'port = "tcp:0"\n\n[limits]\nmax-lines = 10\n': "FILE:4: max-lines: "
                "unknown key (not a twistd chatroom option)"
            }
        )

    def test_bad_value_checked_as_on_the_command_line(self) -> None:
        """The option's own check, its message without the ``--``."""
        self.assertRefused(
            {
                "[limits]\nrate = 1\nmax-line = 10\n": "FILE:3: max-line: "
                "must be at least 64",
                "port = 99999\n": "FILE:1: port: 99999 is not a port number (0-65535)",
            }
        )

    def test_wrong_types(self) -> None:
        """A string for a number, a number for a flag, a float for an integer."""
        self.assertRefused(
            {
                'rate = "fast"\n': "FILE:1: rate: must be a number",
                "reuse-port = 1\n": "FILE:1: reuse-port: must be true or false",
                "burst = 2.5\n": "FILE:1: burst: must be an integer",
                "burst = true\n": "FILE:1: burst: must be an integer, not a boolean",
                "name = [1]\n": "FILE:1: name: must be a string",
            }
        )

    def test_rule_across_options(self) -> None:
        """A rule that needs another option (``postOptions``) names its line."""
        self.assertRefused(
            {
                'name = "a"\nnode-id = "b"\n': "FILE:2: node-id: needs --redis",
                'rooms = ["tea", "bad room"]\n': "FILE:1: rooms: 'bad room' is not "
                "a valid room name (1-32 letters, digits, '_', '-', '.')",
            }
        )

    def test_same_key_in_two_tables(self) -> None:
        """Tables only group keys: one key twice is a mistake (the second)."""
        self.assertRefused(
            {
                "rate = 1\n[limits]\nrate = 2\n": "FILE:3: rate: given twice "
                "(tables only group keys)"
            }
        )

    def test_not_toml(self) -> None:
        """tomllib's own complaint, at its line."""
        self.assertRefused({'name = "a"\nrate = \n': "FILE:2: not TOML: Invalid value"})

    def test_unreadable(self) -> None:
        """A missing file is named."""
        with self.assertRaises(ConfigFileError) as caught:
            Options().parseOptions(["--config", "/nonexistent/chatroom.toml"])
        self.assertEqual(
            str(caught.exception),
            "/nonexistent/chatroom.toml: No such file or directory",
        )

    def test_is_a_usage_error_of_one_line(self) -> None:
        """A file's mistake is a usage error (twistd's one line, exit 1)."""
        message = self.refused("[limits]\nmax-line = 10\n")
        self.assertNotIn("\n", message)


class LineOfTests(unittest.TestCase):
    """Finding a key's line in a file tomllib has parsed."""

    def test_not_fooled_by_a_multiline_string(self) -> None:
        """A key's name inside a multi-line string is not the key."""
        text = 'description = """\nrate = 5\n"""\n[limits]\nrate = 1\n'
        self.assertEqual(line_of(text, ("limits", "rate")), 5)
        self.assertEqual(line_of(text, ("description",)), 1)

    def test_dotted_keys_and_inline_tables(self) -> None:
        """``limits.rate = 1`` and ``limits = { rate = 1 }`` are on their line."""
        self.assertEqual(
            line_of('name = "a"\nlimits.rate = 1\n', ("limits", "rate")), 2
        )
        self.assertEqual(
            line_of('name = "a"\n\nlimits = { rate = 1 }\n', ("limits", "rate")), 3
        )

    def test_value_of_several_lines(self) -> None:
        """An array over several lines: the line of its key."""
        text = 'name = "a"\nrooms = [\n  "tea",\n  "coffee",\n]\n'
        self.assertEqual(line_of(text, ("rooms",)), 2)


class ExampleFileTests(unittest.TestCase):
    """``chatroom.example.toml`` documents every option, at its default."""

    def test_every_option_is_in_the_example(self) -> None:
        """Each long option is a key, set or commented out, with a comment
        line above it: adding an option to Options means documenting it."""
        lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
        keys = {}
        for number, line in enumerate(lines):
            found = re.match(r"^(?:# )?([a-z][a-z-]*) = ", line)
            if found:
                keys[found[1]] = number
        missing = sorted(set(option_table(Options)) - set(keys))
        self.assertEqual(missing, [], "options missing from chatroom.example.toml")
        for key, number in keys.items():
            self.assertTrue(lines[number - 1].startswith("# "), f"{key}: no comment")

    def test_example_sets_the_defaults(self) -> None:
        """Parsed, the example gives exactly the options' defaults."""
        from_file = Options()
        from_file.parseOptions(["--config", str(EXAMPLE)])
        defaults = Options()
        defaults.parseOptions([])
        for key in option_table(Options):
            self.assertEqual(from_file[key], defaults[key], key)

    def test_config_check_accepts_it(self) -> None:
        """``chatroom config check`` says it is ok."""
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(main(["config", "check", str(EXAMPLE)]), 0)
        self.assertEqual(out.getvalue(), f"{EXAMPLE}: ok\n")


class ConfigCheckTests(ConfigFileTestCase):
    """``chatroom config check PATH``."""

    def check(self, *arguments: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = main(list(arguments))
        return status, out.getvalue(), err.getvalue()

    def test_bad_file(self) -> None:
        """One line on stderr naming the line, exit status 1."""
        path = self.write("[limits]\nrate = -1\n")
        self.assertEqual(
            self.check("config", "check", path),
            (1, "", f"chatroom: {path}:2: rate: must be at least 0\n"),
        )

    def test_endpoint_checked(self) -> None:
        """An endpoint the server could not build is named at its line,
        an ``ssl:`` one's missing key included."""
        path = self.write('name = "a"\nirc = "ssl:6697:privateKey=/nonexistent.pem"\n')
        status, _, err = self.check("config", "check", path)
        self.assertEqual(status, 1)
        self.assertTrue(
            err.startswith(f"chatroom: {path}:2: irc: ssl:6697:privateKey="), err
        )
        self.assertIn("No such file or directory", err)

    def test_usage(self) -> None:
        """Anything else is its usage, exit status 2."""
        self.assertEqual(
            self.check("config"), (2, "", "usage: chatroom config check PATH\n")
        )
