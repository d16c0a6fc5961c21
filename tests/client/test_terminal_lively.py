"""The rest of issue 22 in a real terminal: ``chatroom-urwid`` in tmux
against a real ``twistd chatroom``, bob on a plain ``rich`` socket.

alice selects bob's line with Alt-Up and reacts, replies and deletes with
single keys; reactions are counted under the line; bob typing shows in
her status bar; a bracketed paste of several lines goes as one
``/paste`` and comes back as a block; ``/search`` lists its results in a
buffer, Enter on one goes back to its room; ``/modlog`` is a table.
Saved screens: see ``tmux.py``.
"""

from __future__ import annotations

from tests.client.test_terminal_rich import stored_id
from tests.client.tmux import TerminalCase, TerminalClient, wait_for
from tests.integration.real_clients import LineUser


def with_rich_socket(
    case: TerminalCase, room: str, size: tuple[int, int] = (80, 24)
) -> tuple[TerminalClient, LineUser]:
    """alice in ``room`` on her terminal, bob there on a plain ``rich``
    socket (closed at the end)."""
    alice = TerminalClient(case, "alice", "--username", "alice", size=size)
    alice.shows("you are alice")
    alice.type_line(room)
    alice.shows(f"you joined {room}")
    bob = LineUser(case.port, "bob")
    case.addCleanup(bob.close)
    bob.send("/caps rich", f"/join {room}")
    alice.shows("bob joined")
    return alice, bob


class LivelyTerminalTests(TerminalCase):
    """Selecting, reacting, typing, pasting, searching, the moderation log."""

    server_options = ("--rate", "0")

    def test_a_lively_room(self) -> None:
        """What alice sees and what bob gets, step by step (100x30)."""
        alice, bob = with_rich_socket(self, "tea", size=(100, 30))
        bob.send("anyone for a cuppa?")
        said = bob.wait(lambda line: line.endswith(" cuppa?"), "bob's line")
        number = stored_id(said)

        # Typing: bob's notice in alice's status bar, cleared by his message.
        bob.send("/typing active")
        wait_for("bob typing", lambda: "bob is typing…" in alice.rows()[-2])
        bob.send("kettle's on")
        wait_for("typing cleared", lambda: "typing" not in alice.rows()[-2])
        # ...and alice's typing reaches bob.
        alice.type("yes")
        bob.wait(lambda line: line == "TYPING tea alice active", "alice typing")
        alice.press("C-u")
        bob.wait(lambda line: line == "TYPING tea alice done", "alice done")

        # Select bob's first line (Alt-Up twice) and react to it.
        alice.press("M-Up", "M-Up")
        alice.shows("r reply · e edit · d delete · + react")
        alice.press("+")
        wait_for("the react line", lambda: alice.input_line() == f"> /react {number}")
        alice.type_line(":tea:")  # a shortcode: sent as the emoji itself
        bob.send(f"/react {number} \N{TEACUP WITHOUT HANDLE}")
        alice.shows("\N{TEACUP WITHOUT HANDLE} 2")
        bob.wait(
            lambda line: line.endswith(
                f"REACT tea {number} alice \N{TEACUP WITHOUT HANDLE}"
            ),
            "react",
        )

        # Reply with a key, then delete the reply with another.
        alice.press("M-Up", "M-Up", "r")
        alice.type_line("milk, no sugar")
        reply = bob.wait(lambda line: f";reply={number} MSG tea alice" in line, "reply")
        alice.shows("↪ bob: anyone for a cuppa? · <alice> milk, no sugar")
        alice.press("M-Up", "d")
        wait_for(
            "the redact line",
            lambda: alice.input_line() == f"> /redact {stored_id(reply)}",
        )
        alice.press("Enter")
        alice.shows("<alice> message deleted by alice")
        alice.capture("reacted")

        # A bracketed paste of three lines: one /paste, one message, a block.
        self.tmux("set-buffer", "def brew(pot):\n    return pot.pour()\nbrew(tea)\n")
        self.tmux("paste-buffer", "-p", "-t", "alice")
        pasted = bob.wait(lambda line: ";multiline=" in line, "the paste")
        self.assertIn("MSG tea alice", pasted)
        alice.shows("<alice> (3 lines)")
        alice.shows("│     return pot.pour()")
        alice.capture("pasted")
        # Without the brackets (tmux's paste-buffer without -p), the burst
        # of keys with Enter inside is a paste too, once the typing stopped.
        alice.stops_typing()
        self.tmux("set-buffer", "earl grey\nassam\n")
        self.tmux("paste-buffer", "-t", "alice")
        burst = bob.wait(lambda line: ";multiline=earl" in line, "the burst")
        self.assertRegex(burst, r"MSG tea alice \S+ earl grey assam$")

        # The moderation log, as the room's owner.
        alice.type_line("/op bob")
        alice.shows("-- alice made bob an operator")
        alice.type_line("/modlog")
        alice.shows("moderation log of tea, oldest first (1):")
        alice.shows("alice  op      bob")

        # Search: results in their own buffer, Enter on one back to tea.
        alice.type_line("/search cuppa")
        alice.shows("1 found, newest first")
        screen = alice.capture("search")
        self.assertIn("search: cuppa", screen.splitlines()[0])
        self.assertIn("<bob> anyone for a cuppa?", screen)
        self.assertIn("2:search", screen)
        alice.press("M-Up", "Enter")
        wait_for("back in tea", lambda: "#tea" in alice.rows()[0])
        alice.press("C-c")
        alice.exited_cleanly()
