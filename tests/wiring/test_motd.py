"""The operator's message of the day (``--motd FILE``) at every door.

Without ``--motd`` every door says what it always said (the IRC door its
built-in MOTD, the line door nothing after ``WELCOME``); with it, IRC's
375/372/376 carry the file's lines, and the line door (and so the web
page, which speaks it over ``/ws``) sends a ``MOTD`` line each after
``WELCOME``.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet.task import Clock
from twisted.python import usage
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.wiring.cli import MOTD_LINE_BYTES, MOTD_LINES, read_motd
from tests.doors.irc.test_irc import IRCClient
from tests.support import NOW, FakeClient, local_server

OPERATOR_MOTD = ("Welcome to the tea club.", "", "Be kind; rules at /info.")


class MotdDoorTests(unittest.TestCase):
    """What each door shows of the MOTD, given or not."""

    def server(self, motd: tuple[str, ...] | None) -> None:
        clock = Clock()
        clock.advance(NOW)
        self.chat = local_server(ServerConfig(rate=0, motd=motd), clock)

    def irc_motd(self) -> list[str]:
        """The 375..376 lines an IRC client is sent on registering."""
        client = IRCClient(IRCFactory(self.chat))
        client.send("NICK alice", "USER alice 0 * :Alice")
        lines = client.received()
        start = next(i for i, line in enumerate(lines) if " 375 " in line)
        return lines[start:]

    def test_irc_shows_the_operators_motd(self) -> None:
        """372 carries each line of the file after ``- ``, blank ones too."""
        self.server(OPERATOR_MOTD)
        self.assertEqual(
            self.irc_motd(),
            [
                ":chatroom 375 alice :- chatroom Message of the day -",
                ":chatroom 372 alice :- Welcome to the tea club.",
                ":chatroom 372 alice :- ",
                ":chatroom 372 alice :- Be kind; rules at /info.",
                ":chatroom 376 alice :End of /MOTD command.",
            ],
        )

    def test_irc_default_is_the_built_in_motd(self) -> None:
        """Without ``--motd``, IRC clients get the same MOTD as before."""
        self.server(None)
        self.assertEqual(
            self.irc_motd()[1:4],
            [
                ":chatroom 372 alice :- Rooms of chatroom are channels here: "
                "the room tea is #tea.",
                ":chatroom 372 alice :- /list shows them; /join #name enters "
                "one, creating it if needed.",
                ":chatroom 372 alice :- Users of the line protocol and the web "
                "client are in the same rooms.",
            ],
        )

    def test_line_door_sends_motd_after_welcome(self) -> None:
        """``MOTD`` lines come right after ``WELCOME``, before the room list."""
        self.server(OPERATOR_MOTD)
        client = FakeClient(self.chat)
        client.send("alice")
        self.assertEqual(
            client.received()[1:6],
            [
                "WELCOME alice",
                "MOTD Welcome to the tea club.",
                "MOTD",
                "MOTD Be kind; rules at /info.",
                "ROOMS 1",
            ],
        )

    def test_line_door_without_motd_is_unchanged(self) -> None:
        """Without ``--motd``, ``WELCOME`` is followed by the room list."""
        self.server(None)
        client = FakeClient(self.chat)
        client.send("alice")
        self.assertEqual(client.received()[1:3], ["WELCOME alice", "ROOMS 1"])


class ReadMotdTests(unittest.TestCase):
    """``--motd FILE`` is read and checked when the options are parsed."""

    def motd_file(self, content: bytes) -> str:
        path = Path(self.mktemp())
        path.write_bytes(content)
        return str(path)

    def test_lines_of_the_file(self) -> None:
        """Each line, trailing white space and line ends dropped."""
        path = self.motd_file(b"Hello \r\n\ncaf\xc3\xa9\n")
        self.assertEqual(read_motd(path), ("Hello", "", "café"))

    def refused(self, path: str) -> str:
        with self.assertRaises(usage.UsageError) as caught:
            read_motd(path)
        return str(caught.exception)

    def test_missing_file(self) -> None:
        """A file that cannot be read is named, with why."""
        self.assertEqual(
            self.refused("/nonexistent/motd"),
            "--motd: /nonexistent/motd: No such file or directory",
        )

    def test_not_utf8(self) -> None:
        """Bytes that are not UTF-8 are refused."""
        path = self.motd_file(b"caf\xe9\n")
        self.assertEqual(self.refused(path), f"--motd: {path}: not UTF-8 text")

    def test_bounds(self) -> None:
        """Too many lines, a line too long for IRC, a control character."""
        many = self.motd_file(b"x\n" * (MOTD_LINES + 1))
        self.assertIn("more than 100 lines", self.refused(many))
        long = self.motd_file(b"ok\n" + b"x" * (MOTD_LINE_BYTES + 1) + b"\n")
        self.assertIn("line 2 is over 400 bytes", self.refused(long))
        bell = self.motd_file(b"ring\x07\n")
        self.assertIn("line 1 holds a control character", self.refused(bell))
