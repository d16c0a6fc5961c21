"""The terminal client's rough edges, checked in a real terminal (issue 23).

``chatroom-urwid`` in tmux against a real ``twistd chatroom``: colours on
16-, 88- and 256-colour terminals and under ``TERM=screen-256color``, a bad
settings file, the username and password prompts, the account and ban
lines, Ctrl-Y and Ctrl-T. Saved screens: see ``tmux.py``.
"""

from __future__ import annotations

from tests.client.tmux import (
    TerminalCase,
    TerminalClient,
    styled_cells,
    wait_for,
)
from tests.integration.real_clients import LineUser

#: ``TERM`` values of a 16-colour terminal that brightens bold (``screen``,
#: tmux's default), an 88-colour one, and the two 256-colour ones of tmux
#: and GNU screen (``screen-256color`` also makes urwid draw bright colours
#: as bold).
TERMS = ("screen", "xterm-88color", "screen-256color", "tmux-256color")

#: How a terminal may draw "dim": a grey, or the default colour made faint.
GREYS = {"90", "38;5;8", *(f"38;5;{n}" for n in (*range(80, 88), *range(232, 256)))}
BLACK = {"30", "38;5;0", "38;5;16"}


def dim_and_visible(style: dict[str, object]) -> bool:
    """Drawn dimmed, never as (bold) black on the terminal's background."""
    if style["fg"] in BLACK:
        return False
    return bool(style["faint"]) or style["fg"] in GREYS


class ColourTests(TerminalCase):
    """Times, replayed history and the column divider stay visible."""

    def test_dim_styles_under_each_term(self) -> None:
        """At 100x30 under each TERM the times, the replayed history and the
        divider are grey or faint, never bold black (invisible wherever
        bold is not brightened)."""
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/create tea", "kettle is on")
        bob.wait(lambda line: line.endswith(" kettle is on"), "the message")
        clients = [
            TerminalClient(
                self, f"t{index}", "--username", f"t{index}", size=(100, 30), term=term
            )
            for index, term in enumerate(TERMS)
        ]
        for client in clients:
            client.shows("you are")
            client.type_line("tea")
        for client, term in zip(clients, TERMS, strict=True):
            client.shows("kettle is on")
            client.capture(term)
            cells = [list(styled_cells(row)) for row in client.styled()]
            checked: dict[str, list[dict[str, object]]] = {
                "time": [],
                "history": [],
                "divider": [],
            }
            for row in cells:
                text = "".join(character for character, _style in row)
                if "you joined tea" in text:
                    checked["time"] += [style for _c, style in row[:5]]
                if "kettle is on" in text:
                    start = text.index("kettle is on")
                    checked["history"] += [style for _c, style in row[start:][:12]]
                checked["divider"] += [style for c, style in row if c == "│"]
            for what, styles in checked.items():
                self.assertTrue(styles, f"no {what} found under {term}")
                for style in styles:
                    self.assertTrue(dim_and_visible(style), (term, what, style))
        for client in clients:
            client.press("C-c")
        for client in clients:
            client.exited_cleanly()


class SettingsInTerminalTests(TerminalCase):
    """A mistake in client.toml, with the server there to connect to."""

    def test_bad_colour_is_one_line_and_status_2(self) -> None:
        """``mention = ["pink","black"]`` used to leave a blank screen that
        ignored Ctrl-C; now: one line naming it, status 2, no screen."""
        client = TerminalClient(
            self, "pink", settings='[colours]\nmention = ["pink","black"]\n'
        )
        wait_for("the client to exit", client.status.exists)
        wait_for("its status", lambda: bool(client.status.read_text().strip()))
        self.assertEqual(client.status.read_text().strip(), "2")
        lines = client.stderr.read_text().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("'pink'", lines[0])
        self.assertIn("client.toml", lines[0])


class TerminalDetailsPromptTests(TerminalCase):
    """The username page and the input line."""

    def test_refused_name_stays_on_the_input_line(self) -> None:
        """At 60x15, a taken name stays on the input line to correct."""
        alice = TerminalClient(self, "alice", "--username", "alice", size=(60, 15))
        alice.shows("you are alice")
        other = TerminalClient(self, "other", size=(60, 15))
        other.shows("Choose a username")
        other.type_line("alice")
        other.shows("taken")
        self.assertEqual(other.input_line(), "Username: alice")
        other.capture("refused")
        other.press("BSpace")
        other.type_line("x")
        other.shows("you are alicx")
        self.assertEqual(other.input_line(), "Room or /command:")
        for client in (alice, other):
            client.press("C-c")
            client.exited_cleanly()

    def test_yank_and_transpose(self) -> None:
        """At 200x50, Ctrl-T fixes a swapped pair and Ctrl-Y puts back what
        Ctrl-W cut."""
        alice = TerminalClient(self, "alice", "--username", "alice", size=(200, 50))
        alice.shows("you are alice")
        alice.type("teh")
        alice.press("C-t")
        wait_for("the", lambda: alice.input_line().endswith(": the"))
        alice.type(" cup")
        wait_for("typing", lambda: alice.input_line().endswith(": the cup"))
        alice.press("C-w")  # the input line's trailing blank is not shown
        wait_for("the cut", lambda: alice.input_line().endswith(": the"))
        alice.press("C-a", "C-y")
        wait_for("the yank", lambda: alice.input_line().endswith(": cupthe"))
        alice.capture("edited")
        alice.press("C-c")
        alice.exited_cleanly()


class AccountLinesTests(TerminalCase):
    """Account and ban lines in plain words, at 200x50."""

    def test_register_twice_and_a_ban(self) -> None:
        """``/register`` when the name is already ours says so (not "/login
        alice PASSWORD"); a ban reads "banned the name bob"."""
        alice, bob = self.two_in(room="tea", size=(200, 50))
        alice.type_line("/register sugar-lumps")
        alice.shows("alice is now your account")
        alice.type_line("/register sugar-lumps")
        alice.shows("alice is already your account")
        self.assertNotIn("/login alice", alice.screen())
        alice.type_line("/ban bob")
        alice.shows("-- alice banned the name bob")
        self.assertNotIn("name:bob", alice.capture("ban"))
        alice.press("C-c")
        bob.press("C-c")
        alice.exited_cleanly()
        bob.exited_cleanly()
