"""The irctest runner's verdicts (conformance/run.py): what fails ``make test``.

The runner reads irctest's JUnit report and the list of expected failures;
a wrong reading would either hide a regression of the IRC door or fail
every run, so both are checked on small files written here.
"""

from __future__ import annotations

import unittest
from pathlib import Path
from tempfile import TemporaryDirectory

from conformance import run

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="irctest.server_tests.messages.NoticeTestCase" name="testNotice">
  <failure message="AssertionError: None assert 0 == 1">...</failure></testcase>
<testcase classname="irctest.server_tests.cap.CapTestCase" name="testNoReq"/>
<testcase classname="irctest.server_tests.sts.StsTestCase" name="testSts">
  <skipped message="Not implemented by controller: TLS"/></testcase>
<testcase classname="irctest.server_tests.who.WhoTestCase" name="testWhoStar">
  <error message="failed on teardown"/></testcase>
</testsuite></testsuites>
"""


class RunnerTests(unittest.TestCase):
    def setUp(self) -> None:
        folder = TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def test_outcomes_by_test_id(self) -> None:
        """Each test is named as pytest names it (file::Class::test), and a
        failure or an error counts as failed, a skip as skipped."""
        report = self.folder / "report.xml"
        report.write_text(REPORT)
        tests = "irctest/server_tests/"
        self.assertEqual(
            run.outcomes(report),
            {
                f"{tests}messages.py::NoticeTestCase::testNotice": "failed",
                f"{tests}cap.py::CapTestCase::testNoReq": "passed",
                f"{tests}sts.py::StsTestCase::testSts": "skipped",
                f"{tests}who.py::WhoTestCase::testWhoStar": "failed",
            },
        )

    def test_every_listed_failure_has_a_reason(self) -> None:
        """The list that make test holds the door to names each failure with
        why it fails (docs/irc.md refers to it), and no test twice."""
        lines = [
            line
            for line in run.EXPECTED.read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        listed = run.expected_failures()
        self.assertEqual(len(listed), len(lines))
        for test, why in listed.items():
            self.assertRegex(test, r"^irctest/server_tests/[\w/]+\.py::\w+::\w")
            self.assertTrue(why, f"{test} has no reason")
