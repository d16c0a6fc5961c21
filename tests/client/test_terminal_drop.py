"""``chatroom-urwid`` whose connection is cut comes straight back as itself.

A person's view of issue 79's "Your name is yours again at once": alice's
terminal client talks to the real ``twistd chatroom`` through a TCP relay
that the test cuts, as a network blip does (both sides reset, the server
sees the connection close). Her client reconnects by itself and is
alice again at once, with no name prompt and no "still held by the lost
session" wait, back in her room; bob, who stayed, sees her leave and come
back. Waits are polls with a deadline, never fixed sleeps.
"""

from __future__ import annotations

from tests.client.tmux import TerminalCase, TerminalClient, wait_for
from tests.relay import Relay


class DroppedTerminalTests(TerminalCase):
    server_options = ("--rate", "0")

    def test_back_as_itself_at_once_after_a_cut(self) -> None:
        relay = Relay(self.port)
        self.addCleanup(relay.close)
        alice = TerminalClient(self, "alice", "--username", "alice", port=relay.port)
        bob = TerminalClient(self, "bob", "--username", "bob")
        alice.shows("you are alice")
        alice.type_line("tea3")
        alice.shows("you joined tea3")
        bob.shows("tea3")
        bob.type_line("tea3")
        bob.shows("you joined tea3")
        alice.shows("bob joined")
        relay.cut()
        bob.shows("alice left (connection")
        wait_for(
            "alice back in tea3",
            lambda: "• reconnected" in "\n".join(alice.log("tea3")),
            timeout=30,
        )
        bob.shows("→ alice joined")
        alice.type_line("back again")
        wait_for(
            "bob to hear alice, as alice",
            lambda: "<alice> back again" in "\n".join(bob.log("tea3")),
        )
        screen = alice.screen()
        self.assertNotIn("still held", screen)
        self.assertNotIn("could not take back", screen)
