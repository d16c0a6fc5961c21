"""Formatted text in a real terminal: ``chatroom-urwid`` in tmux against a
real ``twistd chatroom``, bob on a plain socket saying Markdown; what the
terminal draws (``capture-pane -e``'s SGR escapes). Saved screens: see
``tmux.py``.
"""

from __future__ import annotations

import re

from tests.client.test_terminal_lively import with_rich_socket
from tests.client.tmux import TerminalCase

#: One SGR escape as ``tmux capture-pane -e`` writes them.
_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def codes_at(rows: list[str], word: str) -> set[str]:
    """The SGR codes in force where ``word`` is drawn (the first row that
    holds it): "1" bold, "3" italics, "4" underline, "9" struck through."""
    for row in rows:
        plain = _SGR.sub("", row)
        if word not in plain:
            continue
        active: set[str] = set()
        position = 0
        for match in _SGR.finditer(row + "\x1b[m"):
            if word in row[position : match.start()]:
                return active
            position = match.end()
            codes = match.group(1).split(";") if match.group(1) else ["0"]
            if "0" in codes:
                active = set()
            active |= {code for code in codes if code in ("1", "3", "4", "9")}
        raise AssertionError(f"{word!r} split by styles in {row!r}")
    raise AssertionError(f"{word!r} not on screen")


class FormattedTextTerminalTests(TerminalCase):
    """Bold, italics, struck and links as the terminal's own styles."""

    server_options = ("--rate", "0")

    def test_markdown_drawn_in_styles(self) -> None:
        """bob's Markdown on alice's terminal: the marks gone, the words
        bold, italic, struck through, a link underlined; a /me keeps its
        stars as typed."""
        alice, bob = with_rich_socket(self, "tea", size=(100, 24))
        bob.send(
            "**strong** tea, *slanted* cup, ~~cold~~ pot, [menu](https://x.example/m)"
        )
        alice.shows(
            "<bob> strong tea, slanted cup, cold pot, menu (https://x.example/m)"
        )
        rows = alice.styled()
        self.assertEqual(codes_at(rows, "strong"), {"1"})
        self.assertEqual(codes_at(rows, "slanted"), {"3"})
        self.assertEqual(codes_at(rows, "cold"), {"9"})
        self.assertEqual(codes_at(rows, "menu"), {"4"})
        self.assertEqual(codes_at(rows, " tea, "), set())
        bob.send("/me **waves**")
        alice.shows("* bob **waves**")
        alice.capture("formatted")
