"""SIGTERM stops the server even when it arrives in the middle of a log line.

Twisted's reactor logs "Received SIGTERM" from inside the signal handler,
and twistd's log file guards each write with a lock written in Python: a
signal that arrives while the server's one thread is taking that lock made
the handler wait for it for ever, and the server, still listening, ignored
every SIGTERM after (Twisted issue #7736; a test server that outlived its
test showed it). :func:`chatroom.wiring.service.shut_down_outside_handlers`
runs the reactor's handler on its loop instead.

Each case runs a real reactor in a fresh interpreter, logging to a real log
file as ``twistd --logfile`` does, and makes the race certain: it holds the
log file's lock as a write does, between taking it and owning it, and sends
itself SIGTERM there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from twisted.trial import unittest

CHECKOUT = Path(__file__).resolve().parents[2]

#: argv: the log file, then "outside" to hand the handlers to the loop.
SIGNAL_WHILE_LOGGING = """
import os, signal, sys, time
from twisted.internet import reactor
from twisted.logger import Logger, globalLogBeginner, textFileLogObserver
from twisted.python.logfile import LogFile
from chatroom.wiring.service import shut_down_outside_handlers

out = LogFile.fromFullPath(sys.argv[1])
globalLogBeginner.beginLoggingTo([textFileLogObserver(out)], redirectStandardIO=False)
log = Logger()

def signal_while_writing():
    log.info("a line first: the log file makes its lock")
    lock = out._threadable_lock
    lock._block.acquire()  # as a write is, between taking the lock and owning it
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.2)  # the handler runs here, on this thread, the lock held
    lock._block.release()

if sys.argv[2:] == ["outside"]:
    reactor.callWhenRunning(shut_down_outside_handlers, reactor)
reactor.callWhenRunning(lambda: reactor.callLater(0, signal_while_writing))
reactor.run()
print("stopped")
"""


#: What the script logs just before it makes the race.
FIRST_LINE = "a line first: the log file makes its lock"


def signal_while_logging(log: Path, *mode: str, timeout: float) -> str | None:
    """What the reactor printed once stopped, or None if it hung: had not
    stopped ``timeout`` seconds after it logged its first line (then
    killed). The time is counted from that line, not from the start: a
    fresh interpreter importing Twisted on a loaded machine may take
    longer than ``timeout`` to get there."""
    process = subprocess.Popen(
        [sys.executable, "-c", SIGNAL_WHILE_LOGGING, str(log), *mode],
        cwd=CHECKOUT,
        env=dict(os.environ, PYTHONPATH=str(CHECKOUT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _until_at_the_race(log, process)
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return out


def _until_at_the_race(log: Path, process: subprocess.Popen[str]) -> None:
    """Wait until ``process`` has logged its first line (or ended)."""
    deadline = time.monotonic() + STARTING
    while process.poll() is None:
        if log.exists() and FIRST_LINE in log.read_text():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not at the race within {STARTING} s")
        time.sleep(0.05)


#: Seconds a fresh interpreter may take to log its first line.
STARTING = 120


class ShutdownSignalTests(unittest.TestCase):
    """The reactor's SIGTERM handler runs on its loop, never in the handler."""

    def test_sigterm_during_a_log_line_stops_the_server(self) -> None:
        """With the handlers handed to the loop, a SIGTERM that arrives while
        a log line is being written stops the reactor at once and is logged
        as usual."""
        log = Path(self.mktemp())
        printed = signal_while_logging(log, "outside", timeout=60)
        self.assertEqual(printed, "stopped\n")
        written = log.read_text()
        self.assertIn("Received SIGTERM, shutting down.", written)
        self.assertIn("Main loop terminated.", written)

    def test_without_it_the_same_signal_hangs(self) -> None:
        """The reactor's own handler, as Twisted installs it, waits for the
        lock its thread holds: the reactor never stops and never logs the
        signal (if Twisted fixes #7736, this fails, and the workaround can
        go)."""
        log = Path(self.mktemp())
        self.assertIsNone(signal_while_logging(log, timeout=5))
        self.assertNotIn("Received SIGTERM", log.read_text())
