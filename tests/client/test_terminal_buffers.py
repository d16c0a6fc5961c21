"""Buffers in a real terminal (issue 20): ``chatroom-urwid`` in tmux
against a real ``twistd chatroom``, in three rooms at once.

bob, on a plain socket with ``/caps multi``, talks in three rooms while
the terminal users look at the last one they joined: the buffer list
above the status bar counts each room's news and marks a mention, and
switching with Alt-1..9 and Alt-Left/Right shows each room's own lines.
One client at each size of the issue (60x15, 100x30, 200x50). Saved
screens: see ``tmux.py``.
"""

from __future__ import annotations

import operator
from functools import partial

from tests.client.tmux import SIZES, TerminalCase, TerminalClient, wait_for
from tests.integration.real_clients import LineUser

ROOMS = ("tea", "help", "cafe")


def buffer_row(client: TerminalClient) -> list[str]:
    """The buffer list: the row above the status bar, split into buffers."""
    return client.rows()[-3].split()


def lists(client: TerminalClient, buffers: list[str]) -> bool:
    """Whether the client's buffer list is ``buffers``."""
    return buffer_row(client) == buffers


def said_in_cafe(name: str, line: str) -> bool:
    """Whether ``line`` is ``name`` saying that they are in cafe, in cafe."""
    return line.startswith(f"MSG cafe {name} ") and line.endswith(f"{name} is in cafe")


class BufferTerminalTests(TerminalCase):
    """Three rooms, unread counts in the status line, switching buffers."""

    server_options = ("--rate", "0")

    def test_three_rooms_counted_and_switched(self) -> None:
        """Each user joins tea, help and cafe (cafe on screen); bob's lines
        in tea and help are counted there, the one naming the user marked;
        Alt-1 shows tea's lines and not help's, Alt-Right help's, Alt-Left
        twice wraps round to cafe, and the counts are gone once seen."""
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/caps multi", *(f"/create {room}" for room in ROOMS))
        bob.wait(lambda line: line.startswith("JOINED cafe"), "JOINED cafe")
        users = []
        for index, size in enumerate(SIZES):
            name = f"user{index}"
            client = TerminalClient(self, name, "--username", name, size=size)
            users.append((name, client))
        for name, client in users:
            client.shows(f"you are {name}")
            for room in ROOMS:
                client.type_line(f"/join {room}")
                client.shows(f"you joined {room}")
        for name, _client in users:
            bob.wait(partial(operator.eq, f"JOIN cafe {name}"), "joins")
        bob.send(
            "/say tea the kettle is on",
            "/say tea " + " ".join(f"{name}," for name, _client in users) + " milk?",
            "/say help how do I leave a room?",
            "/say cafe cortado for everyone",
        )
        for name, client in users:
            client.shows("cortado for everyone")
            counted = ["1:#tea(2!)", "2:#help(1)", "3:#cafe"]
            wait_for(f"{name}'s counts", partial(lists, client, counted))
            client.capture("counted")
            self.assertNotIn("the kettle is on", client.screen())
        for name, client in users:
            client.press("M-1")
            client.shows("the kettle is on")
            screen = client.capture("tea")
            self.assertIn("milk?", screen)
            self.assertNotIn("how do I leave", screen)
            self.assertNotIn("cortado", screen)
            self.assertEqual(buffer_row(client)[0], "1:#tea")
            client.press("M-Right")
            client.shows("how do I leave a room?")
            self.assertNotIn("the kettle is on", client.screen())
            seen = ["1:#tea", "2:#help", "3:#cafe"]
            wait_for(f"{name}'s counts seen", partial(lists, client, seen))
            client.press("M-Left", "M-Left")
            client.shows("cortado for everyone")
            self.assertNotIn("how do I leave", client.screen())
        # Lines typed go to the room on screen (the server's FOCUS is kept
        # in step): each user, back on cafe, says so there.
        for name, client in users:
            client.type_line(f"{name} is in cafe")
        for name, _client in users:
            bob.wait(partial(said_in_cafe, name), f"{name}'s line in cafe")


class CatchUpTerminalTests(TerminalCase):
    """After a server restart every room's news lands in its own buffer."""

    def start_server(self) -> None:
        """The server keeps rooms and history in a file across the restart."""
        self.server_options = ("--rate", "0", "--db", str(self.folder / "chat.db"))
        super().start_server()

    def test_catch_up_lands_in_each_rooms_buffer(self) -> None:
        """alice is in tea and help (help on screen) when the server
        restarts; what bob says in each room around her return ends up in
        that room's buffer and log file, tea's counted, and Alt-1 shows it."""
        bob = LineUser(self.port, "bob")
        bob.send("/caps multi", "/create tea", "/create help")
        bob.wait(lambda line: line.startswith("JOINED help"), "JOINED help")
        alice = TerminalClient(self, "alice", "--username", "alice", size=(100, 30))
        alice.shows("you are alice")
        for room in ("tea", "help"):
            alice.type_line(f"/join {room}")
            alice.shows(f"you joined {room}")
        bob.send("/say tea before the restart")
        alice.shows("1:#tea(1)")
        alice.press("M-1")
        alice.shows("before the restart")
        alice.press("M-2")
        alice.shows("1:#tea  2:#help")
        bob.close()
        self.stop_server()
        alice.shows("disconnected")
        self.start_server()
        bob = LineUser(self.port, "bob")
        self.addCleanup(bob.close)
        bob.send("/caps multi", "/join tea", "/join help")
        bob.wait(lambda line: line.startswith("JOINED help"), "JOINED help")
        bob.send("/say tea while you were away", "/say help missed in help")
        wait_for(
            "alice back in both rooms",
            lambda: (
                "• reconnected" in alice.log("tea")
                and "• reconnected" in alice.log("help")
            ),
        )
        alice.shows("missed in help")
        alice.shows("1:#tea(1)")
        screen = alice.capture("back")
        self.assertNotIn("while you were away", screen)
        self.assertIn("<bob> while you were away", alice.log("tea"))
        self.assertNotIn("<bob> while you were away", alice.log("help"))
        self.assertNotIn("<bob> missed in help", alice.log("tea"))
        alice.press("M-1")
        alice.shows("while you were away")
        self.assertEqual(alice.log("tea").count("<bob> before the restart"), 1)


class LevelTerminalTests(TerminalCase):
    """A notification level set on another device of the account."""

    server_options = ("--rate", "0")

    def test_a_level_set_elsewhere_marks_the_buffer(self) -> None:
        """alice's line device mutes tea: the terminal's buffer list marks
        tea muted at once, and unmarks it when the device sets mentions."""
        phone = LineUser(self.port, "/register alice sugar-lumps-and-tea")
        self.addCleanup(phone.close)
        phone.wait(lambda line: line == "REGISTERED alice", "registered")
        alice = TerminalClient(self, "alice", "--username", "alice")
        alice.shows("Password for alice")
        self.tmux("send-keys", "-t", "alice", "-l", "sugar-lumps-and-tea")
        alice.press("Enter")
        alice.shows("you are alice")
        alice.type_line("/create tea")
        alice.shows("you joined tea")
        wait_for("tea listed", partial(lists, alice, ["1:#tea"]))
        phone.send("/join tea", "/notify tea none")
        phone.wait(lambda line: line == "NOTIFY tea none", "the phone's answer")
        wait_for("tea muted", partial(lists, alice, ["1:#tea[muted]"]))
        alice.capture("muted-elsewhere")
        phone.send("/notify tea mentions")
        wait_for("tea unmarked", partial(lists, alice, ["1:#tea"]))
        alice.press("C-c")
        alice.exited_cleanly()
