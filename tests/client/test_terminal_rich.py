"""Replies, edits and deletions in a real terminal (issue 22): the client
in tmux against a real ``twistd chatroom``, bob on a plain ``rich`` socket.
Saved screens: see ``tmux.py``.
"""

from __future__ import annotations

import re

from tests.client.tmux import TerminalCase, TerminalClient, wait_for
from tests.integration.real_clients import LineUser


def stored_id(line: str) -> str:
    """The id of a stored event as a ``rich`` connection gets it."""
    found = re.match(r"@(\d+)", line)
    assert found is not None, line
    return found[1]


class RichTerminalTests(TerminalCase):
    """Up edits the last message; a reply and a deletion show in place."""

    server_options = ("--rate", "0")

    def test_edit_reply_and_delete(self) -> None:
        """alice sends a line, Up puts ``/edit ID TEXT`` on the input line,
        her fix shows marked "(edited)"; bob's reply quotes her line, and
        bob deleting it leaves a dim line saying so."""
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/caps rich", "/create tea")
        bob.wait(lambda line: line.startswith("JOINED tea"), "JOINED tea")
        alice = TerminalClient(self, "alice", "--username", "alice")
        alice.shows("you are alice")
        alice.type_line("tea")
        alice.shows("you joined tea")
        alice.type_line("anyone for tea?")
        said = bob.wait(
            lambda line: " MSG tea alice " in line and line.endswith(" tea?"),
            "alice's line",
        )
        number = stored_id(said)
        alice.press("Up")
        wait_for(
            "the edit on the input line",
            lambda: alice.input_line() == f"> /edit {number} anyone for tea?",
        )
        alice.type_line(" Earl Grey")
        alice.shows("<alice> anyone for tea? Earl Grey (edited)")
        bob.send(f"/reply {number} yes please")
        alice.shows("↪ alice: anyone for tea? Earl Grey · <bob> yes please")
        reply = bob.wait(lambda line: f";reply={number} MSG" in line, "the reply")
        bob.send(f"/redact {stored_id(reply)} wrong room")
        alice.shows("<bob> message deleted by bob: wrong room")
        screen = alice.capture("deleted")
        self.assertNotIn("yes please", screen)
        self.assertEqual(screen.count("anyone for tea? Earl Grey (edited)"), 1)
