"""The reports buffer in a real terminal: ``chatroom-urwid`` in tmux
against a real ``twistd chatroom``.

alice owns tea in the terminal; carol and dave are line users there.
carol reports dave's message: alice's buffer list says a report waits,
its buffer shows it with what dave said, she closes it there with a
note, and ``/reports`` then finds the queue empty. Saved screens: see
``tmux.py``.
"""

from __future__ import annotations

from functools import partial

from tests.client.test_terminal_buffers import lists
from tests.client.tmux import TerminalCase, TerminalClient, wait_for
from tests.integration.real_clients import LineUser


class ReportsTerminalTests(TerminalCase):
    server_options = ("--rate", "0")

    def test_a_report_handled_in_its_buffer(self) -> None:
        alice = TerminalClient(self, "alice", "--username", "alice", size=(100, 30))
        alice.shows("you are alice")
        alice.type_line("/create tea")
        alice.shows("you joined tea")
        users = []
        for name in ("carol", "dave"):
            user = LineUser(self.port, name)
            self.addCleanup(user.close)
            user.send("/caps ids", "/join tea")
            user.wait(lambda line: line.startswith("MEMBERS tea "), "in tea")
            users.append(user)
        carol, dave = users
        dave.send("buy cheap pills now")
        said = dave.wait(lambda line: line.endswith(" buy cheap pills now"), "said")
        event_id = said.split()[0][1:]
        alice.shows("buy cheap pills now")
        carol.send(f"/report {event_id} selling pills")
        carol.wait(lambda line: line == f"REPORTED {event_id}", "reported")
        wait_for(
            "the report waiting", partial(lists, alice, ["1:#tea", "2:reports(1!)"])
        )
        self.assertNotIn("selling pills", alice.screen())  # tea stays on screen
        alice.capture("report-waiting")
        alice.press("M-2")
        alice.shows(f"report #1 in #tea: carol reported message #{event_id}: selling")
        alice.shows("dave said: buy cheap pills now")
        alice.capture("reports-buffer")
        alice.type_line("/report close 1 warned dave")
        alice.shows("alice closed report #1: warned dave")
        alice.type_line("/reports")
        alice.shows("no open reports")
        alice.press("C-c")
        alice.exited_cleanly()
