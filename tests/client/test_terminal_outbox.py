"""``chatroom-urwid``'s outbox as a person meets it on a bad network: the
terminal client talks to the real server through a relay
(:mod:`tests.relay`) that the test stops the server behind, makes
swallow what the client sends or what the server answers, and cuts. The
person presses Ctrl-R to reconnect at once after a restart or a cut, and
clears the input (Ctrl-E Ctrl-U) before each line they type.

Whatever happens, a line typed once is said once: the room gets it
exactly once (a member live or in its join's replay, and ``/history``),
every time the client sends it it carries its one key (read off the
lines it sent, at the relay), and the screen ends with one row holding
it, without a pending word; the room's log file holds it once.
"""

from __future__ import annotations

from tests.client.tmux import TerminalCase, TerminalClient, wait_for
from tests.integration.real_clients import LineUser
from tests.relay import PENDING, Relay, said_once


class TerminalOutboxTests(TerminalCase):
    server_options = ("--rate", "0")

    def setUp(self) -> None:
        super().setUp()
        self.relay = Relay(self.port)
        self.addCleanup(self.relay.close)

    def alice_in_tea(self) -> TerminalClient:
        alice = TerminalClient(
            self, "alice", "--username", "alice", port=self.relay.port
        )
        alice.shows("you are alice")
        alice.type_line("tea")
        alice.shows("you joined tea")
        return alice

    def member(self) -> LineUser:
        """mia, in tea at the line door (no relay between)."""
        member = LineUser(self.port, "mia")
        self.addCleanup(member.close)
        member.send("/join tea")
        member.wait(lambda line: line.startswith("MEMBERS tea "), "tea's members")
        return member

    def say(self, client: TerminalClient, words: str) -> None:
        """``words`` typed on an input line cleared first."""
        client.press("C-e", "C-u")
        client.type_line(words)

    def rows(self, client: TerminalClient, words: str) -> list[str]:
        return [row for row in client.rows()[:-1] if words in row]

    def shows_pending(self, client: TerminalClient, words: str) -> None:
        wait_for(
            f"{words!r} shown pending",
            lambda: any(PENDING.search(row) for row in self.rows(client, words)),
        )

    def ends_as_one_row(self, client: TerminalClient, words: str) -> None:
        """One row on the screen holds ``words``, not pending; the room's
        log file has it once."""

        def one_row() -> bool:
            rows = self.rows(client, words)
            return len(rows) == 1 and PENDING.search(rows[0]) is None

        wait_for(f"{words!r} as one row, said", one_row)
        wait_for(
            "the log file to hold it",
            lambda: any(words in line for line in client.log("tea")),
        )
        client.capture("said-once")
        logged = [line for line in client.log("tea") if words in line]
        self.assertEqual(len(logged), 1, logged)
        self.assertEqual(len(self.rows(client, words)), 1, client.screen())

    def sent_again(self, words: str) -> None:
        wait_for("it sent again", lambda: len(self.relay.keys_sent("tea", words)) >= 2)

    def test_a_line_typed_while_the_server_is_stopped(self) -> None:
        alice = self.alice_in_tea()
        words = "said while it was down"
        self.stop_server()
        alice.shows("disconnected")
        self.say(alice, words)
        self.shows_pending(alice, words)
        self.assertNotIn(words, alice.input_line(), "the input is cleared")
        self.assertNotIn("not connected", alice.screen())
        self.assertEqual(self.relay.keys_sent("tea", words), [])

        self.start_server()
        alice.press("C-r")
        wait_for("it sent", lambda: bool(self.relay.keys_sent("tea", words)))
        said_once(self, self.member(), "tea", words)
        self.ends_as_one_row(alice, words)
        self.assertEqual(len(set(self.relay.keys_sent("tea", words))), 1)

    def test_a_line_the_network_swallowed_is_sent_again_with_its_key(self) -> None:
        alice = self.alice_in_tea()
        member = self.member()
        words = "lost on the way"
        self.relay.swallowing_sent = True
        self.say(alice, words)
        wait_for("it sent", lambda: bool(self.relay.keys_sent("tea", words)))
        self.shows_pending(alice, words)
        self.assertFalse([line for line in member.listen(0.3) if words in line])
        self.relay.cut()
        alice.shows("disconnected")
        alice.press("C-r")

        self.sent_again(words)
        said_once(self, member, "tea", words)
        self.ends_as_one_row(alice, words)
        self.assertEqual(len(set(self.relay.keys_sent("tea", words))), 1)
        self.assertNotIn("not confirmed", alice.screen())

    def test_a_line_whose_answer_was_lost_is_said_once(self) -> None:
        alice = self.alice_in_tea()
        member = self.member()
        words = "answer lost"
        self.relay.swallowing_answers = True
        self.say(alice, words)
        member.wait(lambda line: line.endswith(f" {words}"), "the line in the room")
        self.shows_pending(alice, words)
        self.relay.cut()
        alice.shows("disconnected")
        alice.press("C-r")

        self.sent_again(words)
        self.ends_as_one_row(alice, words)
        said_once(self, member, "tea", words)
        self.assertEqual(len(set(self.relay.keys_sent("tea", words))), 1)
        self.assertNotIn("not confirmed", alice.screen())

    def test_each_stands_where_it_was_typed(self) -> None:
        """Two lines typed while the server is stopped; back, the first is
        said while the second is held on the way: the first stands above
        the second, still pending; after a cut both are said, in order."""
        alice = self.alice_in_tea()
        self.stop_server()
        alice.shows("disconnected")
        self.say(alice, "first typed")
        self.say(alice, "second typed")
        self.relay.swallowing_sent = lambda line: line.endswith(" second typed")
        self.start_server()
        alice.press("C-r")
        wait_for("it sent", lambda: bool(self.relay.keys_sent("tea", "first typed")))
        member = self.member()  # once alice is back in tea, which she made again
        member.wait(lambda line: line.endswith(" first typed"), "the first")
        wait_for(
            "the first said, above the second pending",
            lambda: self.order(alice) == ["first typed", "second typed pending"],
        )
        self.relay.cut()
        alice.shows("disconnected")
        alice.press("C-r")
        wait_for(
            "both said, in order",
            lambda: self.order(alice) == ["first typed", "second typed"],
        )
        said_once(self, member, "tea", "second typed")

    def order(self, client: TerminalClient) -> list[str]:
        """The rows of the two lines, in order, each "pending" if it is."""
        return [
            ("first typed" if "first typed" in row else "second typed")
            + (" pending" if PENDING.search(row) else "")
            for row in self.rows(client, " typed")
        ]
