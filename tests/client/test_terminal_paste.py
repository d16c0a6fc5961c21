"""Typing and pasting in a real terminal: ``chatroom-urwid`` in tmux against
a real ``twistd chatroom``, bob on a plain ``rich`` socket counting what
alice's lines became.

Lines typed one after another, however quickly, are that many messages;
a paste the terminal marks as one (bracketed paste, which the client
turns on) is one message. Saved screens: see ``tmux.py``.
"""

from __future__ import annotations

import time

from tests.client.test_terminal_lively import with_rich_socket
from tests.client.tmux import TerminalCase
from tests.integration.real_clients import LineUser

#: How many lines are typed; the client paces them (8 at once, then one
#: a second) until the server's ``LIMITS`` says it has none (``--rate 0``),
#: and the rest go at once.
TYPED = 30


class PasteTerminalTests(TerminalCase):
    """Typed lines are lines; a bracketed paste is one message."""

    server_options = ("--rate", "0")

    def alices(self, bob: LineUser) -> list[str]:
        """alice's messages as bob got them, in order."""
        return [line for line in bob.lines if " MSG tea alice " in line]

    def test_lines_typed_quickly_are_as_many_messages(self) -> None:
        """30 lines typed one at a time, each with its Enter and no pause
        between them, are 30 messages in order: two Enters a few
        milliseconds apart are no paste."""
        alice, bob = with_rich_socket(self, "tea")
        for number in range(1, TYPED + 1):
            alice.type_line(f"line {number} of {TYPED}")
        deadline = time.monotonic() + 60
        last = f"line {TYPED} of {TYPED}"
        while not any(last in line for line in self.alices(bob)):
            self.assertLess(time.monotonic(), deadline, bob.lines)
            bob.listen(0.5)
        said = self.alices(bob)
        self.assertEqual([line for line in said if ";multiline=" in line], [])
        self.assertEqual(
            [line.rsplit(" ", 3)[-3:] for line in said],
            [[str(number), "of", str(TYPED)] for number in range(1, TYPED + 1)],
        )
        alice.shows(f"<alice> {last}")
        alice.press("C-c")
        alice.exited_cleanly()

    def test_a_bracketed_paste_is_one_message(self) -> None:
        """Five lines pasted as the terminal marks a paste (tmux's
        ``paste-buffer -p``) go as one ``/paste``: one message, whose
        lines the rich socket gets in its tag, shown as a block."""
        alice, bob = with_rich_socket(self, "tea")
        lines = ["first", "  second, indented", "third", "", "fifth"]
        self.tmux("set-buffer", "\n".join(lines) + "\n")
        self.tmux("paste-buffer", "-p", "-t", "alice")
        pasted = bob.wait(lambda line: ";multiline=" in line, "the paste")
        self.assertIn(r"multiline=first\n\s\ssecond,\sindented\nthird\n\nfifth", pasted)
        alice.shows("<alice> (5 lines)")
        alice.shows("│   second, indented")
        bob.listen(1.5)
        self.assertEqual(self.alices(bob), [pasted])
        alice.capture("pasted")
        alice.press("C-c")
        alice.exited_cleanly()
