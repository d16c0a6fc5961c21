"""Positions: the controller resumes a room where its log stopped and
fetches what came before it (``/caps ids``, ``/join ROOM since ID``,
``/history N before ID``).

Connections are ``StringTransport`` objects handed out by the fake
connector of ``test_controller``, and every timer runs on a ``task.Clock``.
"""

from __future__ import annotations

from tests.client.test_controller import ControllerTestCase


class PositionTests(ControllerTestCase):
    """Event ids: asked for on every connection, used to resume and page back."""

    def test_caps_asked_on_every_connection(self) -> None:
        """``/caps ids multi rich`` goes first on the first connection and on each
        reconnect."""
        self.server.sent()
        self.assertEqual(self.server.caps, 1)
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.sent()
        self.assertEqual((self.server.attempts, self.server.caps), (2, 2))

    def test_rejoin_resumes_after_the_newest_seen(self) -> None:
        """After a reconnect the room is rejoined from the newest id seen."""
        self.into_room()
        self.server.say(
            "@41 HISTORY tea bob 2026-11-21T18:04:05.123Z old",
            "@42 MSG tea bob 2026-11-21T18:04:06.123Z hi",
        )
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        self.server.sent()
        self.server.say("WELCOME alice")
        self.assertEqual(self.server.sent(), ["/watch on", "/join tea since 42"])
        self.server.say(
            "JOINED tea 2 256",
            "MEMBERS tea bob alice",
            "GAP tea 7",
            "@50 HISTORY tea bob 2026-11-21T18:05:06.123Z missed",
        )
        notes = self.notes()
        self.assertIn("7 messages from while you were away are not shown", notes)
        self.assertEqual(notes.count("hi"), 1)
        self.assertEqual(notes[-1], "missed")

    def test_page_up_fetches_older_at_the_top(self) -> None:
        """``load_older`` asks for what precedes the oldest line shown and puts
        the reply above it, below the join line and the history marker; an
        empty reply ends the paging with a line at the top of the history,
        not at the bottom of the log."""
        self.into_room()
        self.server.say(
            "@7 HISTORY tea bob 2026-11-21T18:04:05.123Z seven",
            "TOPIC tea bob Tea",
            "MSG tea bob 2026-11-21T18:05:05.123Z live",
        )
        self.controller.load_older()
        self.assertEqual(
            self.server.sent(), ["/profile bob", "/in tea /history 50 before 7"]
        )
        self.controller.load_older()  # one request at a time
        self.assertEqual(self.server.sent(), [])
        self.server.answer(
            "@5 HISTORY tea bob 2026-11-21T18:04:03.123Z five",
            "@6 HISTORY_ACTION tea bob 2026-11-21T18:04:04.123Z six",
            "HISTORY_END tea 2",
        )
        self.assertEqual(
            self.notes(),
            [
                "you joined tea",
                "earlier messages",
                "five",
                "six",
                "seven",
                "Tea",
                "live",
            ],
        )
        self.controller.load_older()
        self.assertEqual(self.server.sent(), ["/in tea /history 50 before 5"])
        self.server.answer("HISTORY_END tea 0")
        self.assertEqual(
            self.notes()[:4],
            ["you joined tea", "earlier messages", "no earlier messages", "five"],
        )
        self.assertEqual(self.notes()[-1], "live")
        self.controller.load_older()
        self.assertEqual(self.server.sent(), [])
