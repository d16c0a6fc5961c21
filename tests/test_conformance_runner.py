"""The irctest runner's verdicts (conformance/run.py): what fails ``make test``.

The runner reads irctest's JUnit report and the lists of expected failures
and skips; a wrong reading would either hide a regression of the IRC door
or fail every run, so both are checked on small files written here.
"""

from __future__ import annotations

import contextlib
import io
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

    def test_every_listed_failure_and_skip_has_a_reason(self) -> None:
        """The lists that make test holds the door to name each failure and
        each skip with why (docs/irc.md refers to them), no test twice, and
        no test in both; the one server's and the two nodes' alike."""
        for failures, skips in (
            (run.EXPECTED, run.SKIPS),
            (run.CLUSTER_EXPECTED, run.CLUSTER_SKIPS),
        ):
            pinned: dict[Path, dict[str, str]] = {}
            for path in (failures, skips):
                lines = [
                    line
                    for line in path.read_text("utf-8").splitlines()
                    if line.strip() and not line.startswith("#")
                ]
                listed = pinned[path] = run.listed_in(path)
                self.assertEqual(len(listed), len(lines))
                for test, why in listed.items():
                    self.assertRegex(test, r"^irctest/server_tests/[\w/]+\.py::\w+::\w")
                    self.assertTrue(why, f"{test} has no reason")
            self.assertFalse(set(pinned[failures]) & set(pinned[skips]))

    def test_two_nodes_are_held_to_the_single_servers_lists(self) -> None:
        """The cluster run lists every failure the single server lists with
        the same reason, and the same skips: two nodes may differ from one
        server only by what their own list adds, each with its cause."""
        single, cluster = (
            run.listed_in(run.EXPECTED),
            run.listed_in(run.CLUSTER_EXPECTED),
        )
        self.assertEqual({t: cluster.get(t) for t in single}, single)
        self.assertEqual(run.listed_in(run.CLUSTER_SKIPS), run.listed_in(run.SKIPS))

    def test_unlisted_skip_fails_the_run(self) -> None:
        """A skip no list holds fails the run as an unlisted failure does;
        listed ones do not, and a listed skip that now passes is named so
        the list can shrink."""
        found = {"a.py::A::t1": "skipped", "a.py::A::t2": "passed"}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            verdict = run.judge(found, {}, {})
        self.assertEqual(verdict, "0 unexpected failures, 1 unexpected skips")
        self.assertIn("SKIPPED, not expected: a.py::A::t1", printed.getvalue())
        skips = {"a.py::A::t1": "why", "a.py::A::t2": "why"}
        with contextlib.redirect_stdout(printed):
            self.assertEqual(run.judge(found, {}, skips), "")
        self.assertIn(
            "now passed (remove it from expected-skips.txt): a.py::A::t2",
            printed.getvalue(),
        )

    def test_a_known_race_that_passes_stays_listed(self) -> None:
        """A listed failure whose reason says it races (irctest leaves two
        events unordered) is not named for removal when it passes once."""
        found = {"a.py::A::t1": "passed", "a.py::A::t2": "passed"}
        failures = {"a.py::A::t1": "races at times: ...", "a.py::A::t2": "a gap"}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            self.assertEqual(run.judge(found, failures, {}), "")
        self.assertEqual(
            printed.getvalue().splitlines(),
            [
                "  passed this time (a race, kept listed): a.py::A::t1",
                "  now passed (remove it from expected-failures.txt): a.py::A::t2",
            ],
        )

    def test_unlisted_failure_fails_the_run(self) -> None:
        """A failure not in expected-failures.txt fails the run; a listed
        one does not."""
        found = {"a.py::A::t1": "failed"}
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(
                run.judge(found, {}, {}), "1 unexpected failures, 0 unexpected skips"
            )
            self.assertEqual(run.judge(found, {"a.py::A::t1": "why"}, {}), "")
