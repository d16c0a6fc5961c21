r"""A paste as every party writes and reads it (:mod:`chatroom.wire.pastes`).

The terminal client writes ``/paste TEXT`` with :func:`paste_command`, the
web page by the same escapes (``WIRE.paste``), and the server reads TEXT
back with a tag value's unescaping and splits it with :func:`pasted_lines`:
what was pasted is what is said, and the bounds are one pair of numbers.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.model import multiline
from chatroom.core.model.errors import ChatError
from chatroom.wire.pastes import (
    MAX_BYTES,
    MAX_LINES,
    PASTE_COMMAND,
    oversize,
    paste_command,
    pasted_lines,
)
from chatroom.wire.tags import unescape


class PastedLinesTests(unittest.TestCase):
    def test_any_line_break_and_blank_ends(self) -> None:
        r"""``\r\n``, ``\r`` and ``\n`` each break a line; blank lines at
        either end are left out, those between kept."""
        self.assertEqual(
            pasted_lines("\n  \r\nfirst\r\n\rthird\nfourth\r \n\n"),
            ["first", "", "third", "fourth"],
        )
        self.assertEqual(pasted_lines(" \n\t\r\n"), [])


class WrittenAndReadTests(unittest.TestCase):
    def test_what_is_written_is_read_back(self) -> None:
        r"""Backslashes, ``\n`` typed as text, ``;`` and spaces survive the
        trip: the server's unescaping of what the client wrote gives the
        lines back."""
        lines = ["C:\\tea\\new", "  a \\n that is text; and \\\\ two", "", "end\\"]
        command = paste_command(lines)
        self.assertTrue(command.startswith(f"{PASTE_COMMAND} "))
        self.assertNotIn("\n", command)
        text = command.removeprefix(f"{PASTE_COMMAND} ")
        self.assertEqual(pasted_lines(unescape(text)), lines)

    def test_the_server_says_what_was_pasted(self) -> None:
        """The core's ``/paste`` of a client's command stores every line."""
        lines = ["def brew(pot):", "    return pot.pour() \\ 2", "", "brew(tea)"]
        text = paste_command(lines).removeprefix(f"{PASTE_COMMAND} ")
        _, tags = multiline.paste(text)
        said = multiline.decode_lines(dict(tags)[multiline.MULTILINE_TAG])
        self.assertEqual([line for line, _ in said], lines)


class BoundsTests(unittest.TestCase):
    def test_within_and_past_the_bounds(self) -> None:
        """32 lines of 4000 bytes in all (UTF-8, breaks not counted) are a
        paste; one more line or one more byte is not, and the server
        refuses exactly what the check calls oversize."""
        self.assertEqual((MAX_LINES, MAX_BYTES), (32, 4000))
        within = ["x" * 125] * 32
        self.assertEqual(oversize(within), "")
        self.assertEqual(oversize(["é" * 2000]), "")
        for past in (["x"] * 33, ["é" * 2000 + "x"]):
            self.assertEqual(
                oversize(past),
                f"at most 32 lines and 4000 bytes: this one has {len(past)} lines,"
                f" {sum(len(line.encode()) for line in past)} bytes",
            )
            with self.assertRaises(ChatError):
                multiline.paste(paste_command(past).removeprefix(f"{PASTE_COMMAND} "))
