"""The settings file and --log-dir: what a user writes down once."""

from __future__ import annotations

from pathlib import Path

from twisted.trial import unittest

from chatroom.client import keys
from chatroom.client.logfile import RoomLogger, file_name
from chatroom.client.model import SessionModel
from chatroom.client.palette import PALETTE
from chatroom.client.settings import (
    SettingsError,
    apply_keys,
    default_path,
    load,
    palette_with,
)
from chatroom.client.view import ChatScreen
from tests.client.support import IN_TEA, SIZE, RecordedActions, feed

STAMP = "2026-11-21T18:04:05.123Z"


class SettingsFileTests(unittest.TestCase):
    """Reading ``client.toml``."""

    def write(self, text: str) -> Path:
        path = Path(self.mktemp())
        path.write_text(text)
        return path

    def test_xdg_config_home(self) -> None:
        """The file lives in $XDG_CONFIG_HOME, else ~/.config."""
        self.assertEqual(
            default_path({"XDG_CONFIG_HOME": "/x"}), Path("/x/chatroom/client.toml")
        )
        self.assertEqual(
            default_path({}).parts[-3:], (".config", "chatroom", "client.toml")
        )

    def test_missing_file_is_no_settings(self) -> None:
        """No file: the defaults, no complaint."""
        settings = load(Path(self.mktemp()))
        self.assertIsNone(settings.host)
        self.assertEqual(settings.time_format, "%H:%M")

    def test_everything_read(self) -> None:
        """Server, display, colours, keys and log folder are all taken."""
        settings = load(
            self.write(
                '[server]\nhost = "h"\nport = 1\n'
                '[display]\ntime_format = "%H:%M:%S"\nbell = false\n'
                '[colours]\nmention = ["black", "light magenta"]\n'
                '[keys]\nretry_now = ["f5"]\n'
                '[logging]\ndir = "~/logs"\n'
            )
        )
        self.assertEqual((settings.host, settings.port), ("h", 1))
        self.assertEqual(settings.time_format, "%H:%M:%S")
        self.assertFalse(settings.bell)
        self.assertEqual(settings.colours, {"mention": ("black", "light magenta")})
        self.assertEqual(settings.keys, {"RETRY_NOW": ["f5"]})
        self.assertEqual(settings.log_dir, Path("~/logs").expanduser())

    def test_mistakes_named(self) -> None:
        """Bad TOML or a wrong type is one message naming the file and the key."""
        with self.assertRaisesRegex(SettingsError, "client.toml|Expected"):
            load(self.write("[server\n"))
        with self.assertRaisesRegex(SettingsError, "server.port must be a int"):
            load(self.write('[server]\nport = "80"\n'))

    def test_colours_replace_the_palette(self) -> None:
        """A colour in the file replaces its palette entry; unknown ones are refused."""
        palette = palette_with(PALETTE, {"mention": ("black", "light magenta")})
        self.assertIn(
            ("mention", "black", "light magenta", "standout", "black", "h13"), palette
        )
        self.assertRaises(SettingsError, palette_with, PALETTE, {"nope": ("a", "b")})

    def test_each_mistake_is_refused_by_name(self) -> None:
        """What used to hang the client or be silently ignored is refused,
        naming the file and the mistake: a bad colour, an unknown section,
        an unknown key, a key urwid never reports."""
        for text, named in (
            ('[colours]\nmention = ["pink", "black"]\n', "'pink'"),
            ('[colours]\nmention = ["black", "pinkish"]\n', "'pinkish'"),
            ('[colors]\nmention = ["black", "yellow"]\n', "no section [colors]"),
            ("[display]\nbel = false\n", "[display] has no bel"),
            ('[server]\nhots = "h"\n', "[server] has no hots"),
            ('[keys]\nretry_now = ["f55"]\n', "no such key 'f55'"),
            ('[keys]\nretry = ["f5"]\n', "no such key command: 'retry'"),
        ):
            path = self.write(text)
            with self.assertRaises(SettingsError) as caught:
                load(path)
            message = str(caught.exception)
            self.assertIn(named, message)
            self.assertTrue(message.startswith(str(path)), message)
            self.assertNotIn("\n", message)

    def test_high_colours_accepted(self) -> None:
        """256-colour specs are colours too: they replace the high-colour form
        and keep the 16-colour default."""
        settings = load(self.write('[colours]\nmention = ["h208", "g20"]\n'))
        palette = palette_with(PALETTE, settings.colours)
        entry = next(entry for entry in palette if entry[0] == "mention")
        self.assertEqual(
            entry, ("mention", "black", "yellow", "standout", "h208", "g20")
        )

    def test_key_names(self) -> None:
        """Real urwid key names pass, with modifiers; nonsense does not."""
        for good in ("f5", "f20", "ctrl r", "meta >", "page up", "x", "meta shift f5"):
            self.assertTrue(keys.is_key_name(good), good)
        for bad in ("f55", "ctrl", "pageup", "", "ctrl rr"):
            self.assertFalse(keys.is_key_name(bad), bad)

    def test_keys_rebound(self) -> None:
        """[keys] rebinds a command: the screen answers the new key, not the old."""
        self.addCleanup(keys.rebind, "RETRY_NOW", keys.keys_for("RETRY_NOW"))
        apply_keys(load(self.write('[keys]\nretry_now = ["f5"]\n')))
        actions = RecordedActions()
        screen = ChatScreen(SessionModel(), actions, "example:8080")
        screen.keypress(SIZE, "ctrl r")
        screen.keypress(SIZE, "f5")
        self.assertEqual(actions.retries, 1)
        with self.assertRaises(SettingsError):
            apply_keys(load(self.write('[keys]\nfly = ["f6"]\n')))


class LogDirTests(unittest.TestCase):
    """--log-dir keeps a file per room."""

    def test_each_room_to_its_file(self) -> None:
        """Room lines go to tea.log (no ``#``: a shell comment), lobby lines to
        lobby.log, with the date."""
        folder = Path(self.mktemp())
        model = SessionModel()
        logger = RoomLogger(model, folder)
        self.addCleanup(logger.close)
        feed(
            model,
            *IN_TEA,
            f"MSG tea bob {STAMP} hello",
            f"ACTION tea bob {STAMP} waves",
        )
        feed(model, "LEFT tea", f"PRIVMSG carol alice {STAMP} psst")
        tea = (folder / "tea.log").read_text().splitlines()
        self.assertRegex(tea[-2], r"^2026-11-2\d \d\d:\d\d:05 <bob> hello$")
        self.assertTrue(tea[-1].endswith("* bob waves"))
        lobby = (folder / "lobby.log").read_text()
        self.assertIn("[private] carol → alice: psst", lobby)
        self.assertNotIn("psst", "\n".join(tea))

    def test_lines_for_a_room_not_on_screen_are_filed(self) -> None:
        """A line that goes into a room's log while another page is shown
        (the kick, put in tea's log once the user is in the lobby) is in
        that room's file too."""
        folder = Path(self.mktemp())
        model = SessionModel()
        logger = RoomLogger(model, folder)
        self.addCleanup(logger.close)
        feed(model, *IN_TEA, "KICKED tea bob spamming")
        tea = (folder / "tea.log").read_text()
        self.assertIn("*** you were kicked by bob: spamming", tea)
        lobby = (folder / "lobby.log").read_text()
        self.assertIn("You were kicked from tea by bob", lobby)
        self.assertNotIn("You were kicked", tea)

    def test_log_files_named_for_the_shell(self) -> None:
        """No ``#`` (``tail #tea.log`` is a comment); the room called lobby
        does not share the lobby's file."""
        self.assertEqual(file_name("room:tea"), "tea.log")
        self.assertEqual(file_name("lobby"), "lobby.log")
        self.assertEqual(file_name("room:lobby"), "lobby+room.log")
        self.assertIsNone(file_name("username"))
