"""docs/client.md shows the screens the client really draws."""

from __future__ import annotations

from twisted.trial import unittest

from tests.client.screenshots import SCREENSHOTS, documented, render_all


class ScreenshotTests(unittest.TestCase):
    """Each screenshot in the docs is what the widgets render today."""

    def test_screenshots_up_to_date(self) -> None:
        """Every screenshot is in the docs and matches a fresh rendering
        (``python -m tests.client.screenshots`` rewrites them)."""
        in_docs = documented()
        self.assertEqual(sorted(in_docs), sorted(SCREENSHOTS))
        for name, screen in render_all().items():
            self.assertEqual(in_docs[name], screen, f"screenshot {name!r} is stale")
