"""A newcomer's wait in words (:mod:`chatroom.wire.waiting`), as every
client says ``ERR NOT_YET <seconds left>``."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.wire.waiting import not_yet_words, wait_words


class WaitWordsTests(unittest.TestCase):
    def test_the_largest_unit_held_twice_rounded_up(self) -> None:
        self.assertEqual(
            [wait_words(seconds) for seconds in (0, 1, 59, 119, 120, 121, 600)],
            [
                "1 second",
                "1 second",
                "59 seconds",
                "119 seconds",
                "2 minutes",
                "3 minutes",
                "10 minutes",
            ],
        )
        self.assertEqual(
            [wait_words(seconds) for seconds in (7199, 7200, 172_800, 2_592_000)],
            ["120 minutes", "2 hours", "2 days", "30 days"],
        )

    def test_what_not_yet_means(self) -> None:
        """The seconds in words; a text that is no number is kept."""
        self.assertEqual(
            not_yet_words("540"),
            "Newcomers wait before writing privately to someone they share no "
            "room with, or posting a link: 9 minutes to go.",
        )
        self.assertEqual(not_yet_words("wait a while"), "wait a while")
