"""Where a catch-up from an account's read marker starts
(:func:`chatroom.core.policy.rules.from_marker`, issue 79): a device that draws
its rooms afresh is shown the 20 events before the marker too; an IRC
client, which keeps its log, only what came after."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.policy.rules import BEFORE_MARKER, catch_up, from_marker


class FromMarkerTests(unittest.TestCase):
    def test_a_page_is_shown_what_came_before(self) -> None:
        """Marker 30 of a room of 30: the page resumes after 10, so it is
        shown events 11..30 (nothing unread: the 20 newest); an IRC client
        resumes after 30 (nothing)."""
        since = from_marker(30, starts_blank=True)
        self.assertEqual(since, 30 - BEFORE_MARKER)
        assert since is not None
        self.assertEqual(catch_up(since, 1, 30, 1000).start, 11)
        self.assertEqual(from_marker(30, starts_blank=False), 30)

    def test_no_marker_and_a_marker_near_the_start(self) -> None:
        """No marker: the room's last --history (None, both kinds); a
        marker within 20 of the first event: from the first."""
        self.assertIsNone(from_marker(None, starts_blank=True))
        self.assertIsNone(from_marker(None, starts_blank=False))
        since = from_marker(5, starts_blank=True)
        self.assertEqual(since, 0)
        assert since is not None
        self.assertEqual(catch_up(since, 1, 9, 1000), catch_up(0, 1, 9, 1000))
        self.assertEqual(catch_up(since, 1, 9, 1000).start, 1)
