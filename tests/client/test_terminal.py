"""``chatroom-urwid`` in a real terminal (tmux) against a real ``twistd chatroom``.

These are the checks a person makes by hand: leave without a traceback,
come back into a forgotten room after a server restart, paste 40 lines
(more than one ``/paste`` holds, so they go line by line).
Each client runs in its own tmux session on a private tmux server; what it
wrote to stderr and its exit status go to files. Waits are polls with a
deadline, never fixed sleeps. The server runs with its default flood
limit (1 line a second after 10), but for the paste's, whose own limit
(4 a second) the client asks for and follows.

Without tmux these tests are skipped, unless ``CHATROOM_REQUIRE_TOOLS`` is
set (CI sets it), in which case they fail: ``make test`` installs tmux.
"""

from __future__ import annotations

from functools import partial

from tests.client.tmux import (  # the helpers other suites import from here too
    TerminalCase,
    TerminalClient,
    listening,
    start_twistd,
    wait_for,
)

__all__ = ["listening", "start_twistd", "wait_for"]


def members(client: TerminalClient) -> list[str]:
    """The names in the member list at the right of the room page."""
    rows = client.rows()[1:-2]
    listed = [row.split("│", 1)[1].strip() for row in rows if "│" in row]
    return sorted(name.lstrip("@") for name in listed[1:] if name)


def back_with(client: TerminalClient, room: str, listed: list[str]) -> bool:
    """The client is back in ``room`` after a reconnect, with these members."""
    return "• reconnected" in client.log(room) and members(client) == listed


class TerminalTests(TerminalCase):
    """The client as a user runs it, in tmux."""

    def test_leaving_prints_no_traceback(self) -> None:
        """Ctrl-C on the username page and in the lobby: status 0, stderr empty."""
        nameless = TerminalClient(self, "nameless")
        nameless.shows("Choose a username")
        nameless.press("C-c")
        in_lobby = TerminalClient(self, "lobby", "--username", "carol")
        in_lobby.shows("you are carol")
        in_lobby.press("C-c")
        nameless.exited_cleanly()
        in_lobby.exited_cleanly()

    def test_password_lines_never_on_screen_or_in_logs(self) -> None:
        """``/register PASSWORD`` shows stars while typed, and neither the
        terminal, the --log-dir files nor Ctrl-P's recall ever show it."""
        carol = TerminalClient(self, "carol", "--username", "carol")
        carol.shows("you are carol")
        self.tmux("send-keys", "-t", "carol", "-l", "/register hunter22")
        carol.shows("Room or /command: /register ********")
        self.assertNotIn("hunter22", carol.screen())
        carol.press("Enter")
        carol.shows("carol is now your account")
        carol.press("C-p")
        self.assertNotIn("/register", carol.screen().splitlines()[-1])
        self.assertNotIn("hunter22", carol.screen())
        carol.press("C-c")
        carol.exited_cleanly()
        logged = "".join(path.read_text() for path in carol.logs.glob("*.log"))
        self.assertIn("carol is now your account", logged)
        self.assertNotIn("hunter22", logged)

    def test_signing_in_at_the_password_prompt(self) -> None:
        """A registered name asks for its password in a field that shows
        only stars; signing in with it (a passphrase, spaces and all)
        reaches the lobby, and the password is on no screen and in no log."""
        alice = TerminalClient(self, "alice", "--username", "alice")
        alice.shows("you are alice")
        alice.type_line("/register sugar lumps and tea")
        alice.shows("alice is now your account")
        alice.type_line("/quit")
        alice.exited_cleanly()
        again = TerminalClient(self, "again", "--username", "alice")
        again.shows("Password for alice")
        self.tmux("send-keys", "-t", "again", "-l", "sugar lumps and tea")
        again.shows("*" * len("sugar lumps and tea"))
        self.assertIn("each character shows as *", again.screen())
        self.assertNotIn("not shown", again.capture("password-prompt"))
        again.press("Enter")
        again.shows("you are alice")
        self.assertNotIn("sugar", again.screen())
        again.press("C-c")
        again.exited_cleanly()
        for client in (alice, again):
            logged = "".join(p.read_text() for p in client.logs.glob("*.log"))
            self.assertNotIn("sugar", logged)

    def test_clients_converge_into_their_room_after_a_restart(self) -> None:
        """Two members of tea2 are both back in it after the server restarts,
        at 60x15, and the log reads like one: one "reconnected" line, no
        "→ bob joined" for someone who never left, no topic again, the same
        members before and after."""
        alice, bob = self.two_in(room="tea2", size=(60, 15))
        alice.type_line("/topic scones")
        bob.shows("topic: scones")
        members_before = {c.name: members(c) for c in (alice, bob)}
        lines_before = {c.name: len(c.log("tea2")) for c in (alice, bob)}
        self.stop_server()
        alice.shows("disconnected")
        self.start_server()
        for client in (alice, bob):
            wait_for(
                f"{client.name} back in tea2 with both members",
                partial(back_with, client, "tea2", members_before[client.name]),
            )
        alice.type_line("together again")
        wait_for(
            "bob to hear alice",
            lambda: "<alice> together again" in bob.log("tea2"),
        )
        for client in (alice, bob):
            client.capture("after-restart")
            since = client.log("tea2")[lines_before[client.name] :]
            self.assertEqual(since.count("• reconnected"), 1, since)
            self.assertEqual([line for line in since if "joined" in line], [], since)
            self.assertEqual([line for line in since if "topic" in line], [], since)
            self.assertEqual(members(client), members_before[client.name])
            # At 60x15 the restart takes a few of the 12 log rows, not most.
            self.assertLessEqual(len(since), 5, since)
        self.assertIn("tea2", alice.screen().splitlines()[0])
        alice.press("C-c")  # in a room
        bob.type_line("/quit bye")
        alice.exited_cleanly()
        bob.exited_cleanly()


class PacedPasteTests(TerminalCase):
    """A long paste against a server with flood limits of its own."""

    #: Faster than the defaults (1 a second), which the client starts at:
    #: once a line is held it asks ``/limits`` and follows these instead.
    server_options = ("--rate", "4", "--burst", "10")

    def test_forty_line_paste_arrives_whole_and_in_order(self) -> None:
        """A paste of more lines than one ``/paste`` may hold (32) goes
        line by line: beyond the server's burst it is paced, at the
        server's own rate, not refused, and the status bar says how many
        lines wait meanwhile (at 100x30); resizing keeps the newest line
        in view."""
        alice, bob = self.two_in(room="paste", size=(100, 30))
        pasted = [f"pasted line {number:02d}" for number in range(40)]
        self.tmux("set-buffer", "\n".join(pasted) + "\n")
        self.tmux("paste-buffer", "-p", "-t", "alice")
        alice.shows("lines queued")
        status = alice.capture("pasting").splitlines()[-2]
        self.assertRegex(status, r"\d+ lines queued")
        heard = [f"<alice> {line}" for line in pasted]
        wait_for(
            "all 40 lines at bob",
            lambda: [line for line in bob.log("paste") if "pasted" in line] == heard,
            timeout=90,
        )
        said = "\n".join(alice.log("paste"))
        self.assertNotIn("refused", said)
        self.assertNotIn("wait their turn", said)  # never past the server's pace
        wait_for("the queue to empty", lambda: "queued" not in alice.rows()[-2])
        self.tmux("resize-window", "-t", "alice", "-x", "60", "-y", "20")
        alice.shows("pasted line 39")
        alice.type_line("/quit")
        bob.press("C-c")
        alice.exited_cleanly()
        bob.exited_cleanly()
