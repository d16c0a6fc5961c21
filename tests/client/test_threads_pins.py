"""Threads, pins and notification levels in the terminal client: a
thread's message quotes the root it answers, and the server's replies
(``/pins``, ``/threads``, ``/notify``, ``PIN``...) are lines of the room's
log in words."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.model import SessionModel
from tests.client.support import IN_TEA, ScreenTestCase, feed

STAMP = "2026-11-21T18:04:05.123Z"


class ThreadScreenTests(ScreenTestCase):
    def test_a_threads_message_quotes_its_root(self) -> None:
        """``@8;thread=7 MSG``: shown after the start of message 7, as a
        reply is."""
        feed(
            self.model,
            *IN_TEA,
            f"@7 MSG tea alice {STAMP} who has the key?",
            f"@8;thread=7 MSG tea bob {STAMP} I do",
        )
        self.assertIn("↪ alice: who has the key? · <bob> I do", self.text())


class RepliesInWordsTests(unittest.TestCase):
    def said(self, *lines: str) -> list[str]:
        model = SessionModel()
        feed(model, *IN_TEA)
        before = len(model.log)
        feed(model, *lines)
        return [entry.text for entry in model.log[before:]]

    def test_pins_in_words(self) -> None:
        self.assertEqual(
            self.said(
                "PIN tea 7 alice",
                f"PINNED tea 7 alice {STAMP} rules: be kind",
                "PINS_END tea 1",
                "UNPIN tea 7 alice",
                "PINS tea 2",
            ),
            [
                "alice pinned message #7",
                "pinned #7 by alice: rules: be kind",
                "tea has 1 pinned message(s)",
                "alice unpinned message #7",
                "tea has 2 pinned message(s): /pins shows them",
            ],
        )

    def test_threads_and_levels_in_words(self) -> None:
        self.assertEqual(
            self.said(
                f"THREAD tea 7 2 9 {STAMP}",
                f"THREAD tea 3 1 4 {STAMP}",
                "FOLLOW tea 7",
                "NOTIFY tea none",
            ),
            [
                f"thread #7: 2 replies, the last #9 at {STAMP}",
                f"thread #3: 1 reply, the last #4 at {STAMP}",
                "you follow the thread of #7",
                "tea notifies you of: none",
            ],
        )
