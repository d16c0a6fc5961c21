"""The README and docs/ say what the code does, for a reader new to it.

They are references, not a diary: a sentence that names one of this
project's issues ("issue 35", "issues 10 and 35", "issue #31") or a stop of its
work ("stop 60") describes how the code came to be, which git's log and
benchmarks/results/ keep; the documents say what is. Another project's
ticket, named with its project ("Twisted issue #7736"), is a reference
and stays.

The README's Tests section is what a newcomer reads before running them:
how, and what they need, on one screen.
"""

from __future__ import annotations

import re
from pathlib import Path

from twisted.trial import unittest

CHECKOUT = Path(__file__).resolve().parents[1]

#: A mention of this project's issues or of a stop of its work. Another
#: project's issue is named with that project first ("Twisted issue #6357").
HISTORY = re.compile(r"(?<!Twisted )\bissues? #?\d+|\bstop \d+", re.I)

#: Lines a terminal shows at once, about.
SCREEN = 40


def documents() -> list[Path]:
    """The README and every page of docs/."""
    return [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]


def history_in(text: str) -> list[str]:
    """Each line of ``text`` naming an issue or a stop, with its number."""
    return [
        f"{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if HISTORY.search(line)
    ]


class DocumentsTests(unittest.TestCase):
    def test_no_document_names_an_issue(self) -> None:
        """No page of the README or docs/ names an issue or a stop."""
        found = {
            str(path.relative_to(CHECKOUT)): history_in(path.read_text("utf-8"))
            for path in documents()
        }
        self.assertEqual({path: lines for path, lines in found.items() if lines}, {})

    def test_the_check_sees_an_issue(self) -> None:
        """The check finds each way a page has named an issue, and lets
        another project's tickets and Unicode's reports through."""
        for named in (
            "Before issue 31 the core decided twice.",
            "the work of issues 10 and 35",
            "See issue #31 for why.",
            "Measured at stop 60.",
            "Issue #32 made the door faster.",
        ):
            self.assertEqual(len(history_in(named)), 1, named)
        for reference in (
            "a full write (Twisted issue #6357)",
            "UTS #39's highly restrictive profile",
            "twisted/twisted#12501",
            "Build <https://ci.example/7|#7> passed",
        ):
            self.assertEqual(history_in(reference), [], reference)

    def test_the_readmes_tests_fit_a_screen(self) -> None:
        """The README's Tests section (how to run them, what they need) is
        read at a glance: one screen, not a page of past timings."""
        readme = (CHECKOUT / "README.md").read_text("utf-8")
        section = readme.partition("\n## Tests\n")[2].partition("\n## ")[0]
        self.assertTrue(section.strip(), "README.md has no Tests section")
        self.assertLessEqual(len(section.strip().splitlines()), SCREEN)
