"""Run irctest against chatroom's IRC door; fail on any failure not listed.

``make test`` runs this beside the suite (it mostly waits on sockets):
irctest's server tests (vendored in ``conformance/irctest``, pinned; see
its VENDORED.md), on the selection docs/irc.md gives (every
``server_tests`` file but Ergo's own, marked neither
``implementation-specific`` nor ``deprecated`` nor ``strict``), through
``chatroom_controller``. It prints the counts, then:

- a test that failed and is not in ``expected-failures.txt`` fails the run
  (a regression, or a new test the door does not pass: fix it, or list it
  with the reason);
- a test that was skipped and is not in ``expected-skips.txt`` fails the
  run too: a skip is pinned like a failure (irctest skips what the
  controller says the door lacks, and what the door answers it cannot
  do: a new skip is a feature lost or a test that no longer runs);
- a listed test that passed is printed, so the list can be shortened, but
  does not fail the run (a few depend on what earlier tests left on the
  shared door).

pytest's own report goes to ``build/irctest/pytest.log``, the doors' logs
beside it (a folder per worker, ``gw0``, ``gw1``...). ``python
conformance/run.py -k WHO`` passes its arguments on to pytest (``-n 0``
runs the tests in one process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = HERE / "irctest"
BUILD = HERE.parent / "build" / "irctest"
EXPECTED = HERE / "expected-failures.txt"
SKIPS = HERE / "expected-skips.txt"
#: ``--cluster``: the same tests against two Redis-backed nodes sharing
#: one port, with lists of their own and a build directory of their own.
CLUSTER_NODES = 2
CLUSTER_EXPECTED = HERE / "expected-failures-cluster.txt"
CLUSTER_SKIPS = HERE / "expected-skips-cluster.txt"
SELECTION = "not implementation-specific and not deprecated and not strict"
#: irctest's tests run in this many processes (pytest-xdist, which irctest
#: supports: its controllers share a port registry under a file lock),
#: unless ``-n`` is given. They mostly wait (for the doors, and on nodes
#: for irctest's ``sync_sleep_time``), so this shortens a run more than
#: the cores alone would: on two nodes, from about 6 minutes to under 3.
WORKERS = {1: 2, CLUSTER_NODES: 3}


def listed_in(path: Path) -> dict[str, str]:
    """Test id → why, from ``expected-failures.txt`` (why it fails) or
    ``expected-skips.txt`` (why it is skipped): ``TEST-ID -- REASON``."""
    listed: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            test, _, why = line.partition(" -- ")
            listed[test] = why.strip()
    return listed


def outcomes(report: Path) -> dict[str, str]:
    """Test id (``file.py::Class::test``) → passed, failed or skipped."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        module, _, cls = case.get("classname", "").rpartition(".")
        path = module.replace(".", "/") + ".py"
        test = f"{path}::{cls}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            found[test] = "failed"
        elif case.find("skipped") is not None:
            found[test] = "skipped"
        else:
            found[test] = "passed"
    return found


def main(arguments: list[str]) -> int:
    cluster = "--cluster" in arguments
    arguments = [a for a in arguments if a != "--cluster"]
    build = BUILD.with_name("irctest-cluster") if cluster else BUILD
    expected, skips_path = (
        (CLUSTER_EXPECTED, CLUSTER_SKIPS) if cluster else (EXPECTED, SKIPS)
    )
    if not any(a.startswith(("-n", "--numprocesses")) for a in arguments):
        arguments = ["-n", str(WORKERS[CLUSTER_NODES if cluster else 1]), *arguments]
    build.mkdir(parents=True, exist_ok=True)
    report = build / "report.xml"
    report.unlink(missing_ok=True)
    tmp = build / "tmp"
    tmp.mkdir(exist_ok=True)
    command = [
        *(sys.executable, "-m", "pytest", "irctest/server_tests"),
        *(
            "-m",
            SELECTION,
            "-p",
            "no:cacheprovider",
            "-p",
            "no:twisted",
            "-p",
            "chatroom_controller",
        ),
        *("--controller", "chatroom_controller", "-q", "--tb=no", "-o"),
        *("addopts=", f"--junitxml={report}", *arguments),
    ]
    environment = dict(
        os.environ,
        # The checkout too: the controller takes its ports from tests/ports.py.
        PYTHONPATH=os.pathsep.join((str(HERE), str(SUITE), str(HERE.parent))),
        TMPDIR=str(tmp),
        CHATROOM_IRCTEST_LOGS=str(build),
        CHATROOM_IRCTEST_NODES=str(CLUSTER_NODES if cluster else 1),
    )
    output = build / "pytest.log"
    with output.open("w") as log:
        completed = subprocess.run(
            command, cwd=SUITE, env=environment, check=False, stdout=log, stderr=log
        )
    if not report.exists():
        print(f"irctest did not run (exit status {completed.returncode}): {output}")
        return 1
    found = outcomes(report)
    listed, skips = listed_in(expected), listed_in(skips_path)
    counts = {
        kind: sum(1 for o in found.values() if o == kind)
        for kind in ("passed", "failed", "skipped")
    }
    name = f"irctest ({CLUSTER_NODES} nodes)" if cluster else "irctest"
    print(
        f"{name}: {counts['passed']} passed, {counts['failed']} failed "
        f"({len(listed)} listed in {expected.name}), {counts['skipped']} skipped "
        f"({len(skips)} listed in {skips_path.name})"
    )
    problems = judge(found, listed, skips, (expected, skips_path))
    if problems:
        print(f"{name}: {problems}; see {output}")
        return 1
    return 0


#: How a list's reason begins for a test that fails only at times (irctest
#: itself leaves two events unordered): passing once is no reason to unlist it.
RACES = "races"


def judge(
    found: dict[str, str],
    failures: dict[str, str],
    skips: dict[str, str],
    paths: tuple[Path, Path] = (EXPECTED, SKIPS),
) -> str:
    """Print what the lists should lose (listed tests that now pass or
    run, but for known races: see :data:`RACES`) and what no list holds;
    return what fails the run ("" if nothing): a failure not in
    ``failures``, a skip not in ``skips``."""
    for pinned, kind, path in (
        (failures, "failed", paths[0]),
        (skips, "skipped", paths[1]),
    ):
        for test in sorted(t for t, o in found.items() if o != kind and t in pinned):
            if pinned[test].startswith(RACES):
                print(f"  {found[test]} this time (a race, kept listed): {test}")
            else:
                print(f"  now {found[test]} (remove it from {path.name}): {test}")
    failed = sorted(t for t, o in found.items() if o == "failed" and t not in failures)
    skipped = sorted(t for t, o in found.items() if o == "skipped" and t not in skips)
    for test in failed:
        print(f"  FAILED, not expected: {test}")
    for test in skipped:
        print(f"  SKIPPED, not expected: {test}")
    if not (failed or skipped):
        return ""
    return f"{len(failed)} unexpected failures, {len(skipped)} unexpected skips"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
