"""The room's log in a real terminal reads like a log (issue 23).

``chatroom-urwid`` in tmux at the sizes of the issue against a real
``twistd chatroom``: PgUp to the top of a 120-message room, a kick, times
on joins, leaves and topics. The server's flood limit is off so a plain
socket user can fill a room in a moment. Saved screens: see ``tmux.py``.
"""

from __future__ import annotations

import re
import time

from tests.client.tmux import TerminalCase, TerminalClient
from tests.integration.real_clients import LineUser

MESSAGE = re.compile(r"<bob> message (\d{3})")


#: Seconds a key's press may take to change the screen: the client's
#: redraw (and a PgUp's fetch) can be that slow on a loaded machine, and
#: a screen found unchanged is taken for what the key did.
REDRAW_WAIT = 20.0


def press_and_settle(client: TerminalClient, key: str) -> str:
    """Press ``key`` and return the screen once it has stopped changing
    (a PgUp at the top fetches older lines: the screen changes twice)."""
    before = client.screen()
    client.press(key)
    deadline = time.monotonic() + REDRAW_WAIT
    screen = client.screen()
    while screen == before and time.monotonic() < deadline:
        screen = client.screen()
    settled = time.monotonic() + 0.3
    while time.monotonic() < settled:
        latest = client.screen()
        if latest != screen:
            screen, settled = latest, time.monotonic() + 0.3
    return screen


def numbers(screen: str) -> list[int]:
    """The message numbers on a screen, top to bottom."""
    return [int(found) for found in MESSAGE.findall(screen)]


class LongRoomTests(TerminalCase):
    """A room of 120 messages; joining replays the newest 50."""

    server_options = ("--rate", "0")

    def fill_tea(self) -> None:
        """bob makes tea and says 120 numbered messages, on a plain socket."""
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("JOINED tea"), "JOINED")
        bob.send(*(f"message {number:03d}" for number in range(1, 121)))
        bob.wait(lambda line: line.endswith(" message 120"), "the last message")

    def test_page_up_to_the_top(self) -> None:
        """At 60x15, PgUp to the top fetches the older messages above, in
        order, and ends with "no earlier messages" at the top, under the
        join line and the marker; paging back down meets every message
        once, in order, and the bottom is as it was."""
        self.fill_tea()
        alice = TerminalClient(self, "alice", "--username", "alice", size=(60, 15))
        alice.shows("you are alice")
        alice.type_line("tea")
        alice.shows("message 120")
        self.assertEqual(numbers(alice.screen())[-1], 120)
        for _ in range(40):
            screen = press_and_settle(alice, "PageUp")
            if "no earlier messages" in screen and "you joined tea" in screen:
                break
        else:
            self.fail(f"PgUp never reached the top:\n{alice.capture('top')}")
        top = alice.capture("top").splitlines()
        order = [
            next(i for i, row in enumerate(top) if text in row)
            for text in (
                "you joined tea",
                "earlier messages",
                "no earlier messages",
                "<bob> message 001",
            )
        ]
        self.assertEqual(order, sorted(order), top)
        seen: list[int] = numbers("\n".join(top))
        for page in range(40):
            screen = press_and_settle(alice, "PageDown")
            self.assertNotIn("no earlier messages", screen)
            if page == 1:
                alice.capture("paging-down")
            on_screen = numbers(screen)
            self.assertEqual(on_screen, sorted(on_screen), screen)
            seen += [number for number in on_screen if number > seen[-1]]
            if seen[-1] == 120:
                break
        self.assertEqual(seen, list(range(1, 121)))
        bottom = alice.capture("bottom")
        self.assertIn("message 120", bottom)
        alice.press("C-c")
        alice.exited_cleanly()


class RoomEventsTests(TerminalCase):
    """Joins, leaves, topics and a kick, as they stand in the log."""

    def test_times_on_joins_leaves_and_topics(self) -> None:
        """At 100x30 every line has its time: joins, leaves, topic changes
        and the client's own "you joined"."""
        alice, bob = self.two_in(room="tea", size=(100, 30))
        alice.type_line("/topic scones")
        alice.shows("topic: scones")
        bob.type_line("/leave")
        alice.shows("← bob left")
        screen = alice.capture("times")
        for text in ("• you joined tea", "→ bob joined", "• topic: scones", "← bob"):
            row = next(row for row in screen.splitlines() if text in row)
            self.assertRegex(row, rf"^\d\d:\d\d {re.escape(text)}", screen)
        alice.press("C-c")
        bob.press("C-c")
        alice.exited_cleanly()
        bob.exited_cleanly()

    def test_a_kick_stays_in_the_rooms_log(self) -> None:
        """At 60x15, bob kicked from tea and back in it: tea's log says he
        was kicked, by whom and why, above his new "you joined"."""
        alice, bob = self.two_in(room="tea", size=(60, 15))
        alice.type_line("/kick bob spamming")
        bob.shows("You were kicked from tea by alice")
        bob.type_line("tea")
        bob.shows("you were kicked by alice: spamming")
        rows = bob.capture("kicked-and-back").splitlines()
        kicked = next(i for i, row in enumerate(rows) if "were kicked by" in row)
        joined = max(i for i, row in enumerate(rows) if "you joined tea" in row)
        self.assertLess(kicked, joined, rows)
        self.assertIn("*** you were kicked by alice: spamming", bob.log("tea"))
        alice.press("C-c")
        bob.press("C-c")
        alice.exited_cleanly()
        bob.exited_cleanly()
