"""docs/client.md shows the screens the client really draws, and names
its modules as they are."""

from __future__ import annotations

import re
from pathlib import Path

from twisted.trial import unittest

import chatroom.client
from tests.client.screenshots import DOCS, SCREENSHOTS, documented, render_all


class ScreenshotTests(unittest.TestCase):
    """Each screenshot in the docs is what the widgets render today."""

    def test_screenshots_up_to_date(self) -> None:
        """Every screenshot is in the docs and matches a fresh rendering
        (``python -m tests.client.screenshots`` rewrites them)."""
        in_docs = documented()
        self.assertEqual(sorted(in_docs), sorted(SCREENSHOTS))
        for name, screen in render_all().items():
            self.assertEqual(in_docs[name], screen, f"screenshot {name!r} is stale")


class ModuleTableTests(unittest.TestCase):
    """The *Code* section's table is the client's modules."""

    def test_every_module_and_no_other(self) -> None:
        """Each module of ``chatroom/client`` has a row (a row may name
        several, ``widgets.py``, ``logview.py``), and each row's modules
        exist: a module renamed or folded is renamed in the docs too."""
        folder = Path(chatroom.client.__path__[0])
        code = DOCS.read_text(encoding="utf-8").partition("\n## Code\n")[2]
        rows = [line for line in code.splitlines() if line.startswith("| `")]
        module = re.compile(r"`(?:chatroom/client/)?(\w+\.py)`")
        named = {name for row in rows for name in module.findall(row.split("|")[1])}
        files = {path.name for path in folder.glob("*.py")}
        self.assertEqual(named, files - {"__init__.py"})
