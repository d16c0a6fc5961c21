"""Nothing lost: the real server killed and restarted, and clients resuming.

The restart test runs the real ``twistd chatroom`` plugin with ``--db`` in
a temporary directory, kills it with SIGKILL (no shutdown at all) once the
file holds what the server acknowledged (the test reads it, as the
documented crash window promises it will within a flush), starts it again
on the same file and checks that rooms, topics and history are back. The
resume test cuts a client's connection while others chat and checks that
``/join ROOM since ID`` gives it exactly what it missed, in order, once.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from chatroom.wire.lines import parse_event
from tests.integration.test_twistd import spawn_twistd
from tests.support import ServerTestCase, committed, connect_client, until


def event_id(line: str) -> int:
    """The id of a line that starts with ``@ID``."""
    return int(line.split(" ", 1)[0][1:])


class KillAndRestartTests(unittest.TestCase):
    """SIGKILL, restart: rooms, topics and history are back."""

    timeout = 30

    @defer.inlineCallbacks
    def serve(self, db: str):
        process = spawn_twistd(
            self, "--port", "tcp:0:interface=127.0.0.1", "--db", db, "--rate", "0"
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def test_sigkill_keeps_rooms_topics_and_history(self):
        """Everything committed to the file before the kill is kept."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield connect_client(reactor, port, "alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        alice.say("/topic biscuits")
        yield alice.expect_line("TOPIC tea")
        for n in range(30):
            alice.say(f"message {n}")
        yield alice.expect(lambda line: line.endswith(" message 29"))
        yield until(
            lambda: (
                committed(db, "SELECT topic FROM rooms WHERE name = 'tea'")
                == "biscuits"
                and committed(
                    db, "SELECT count(*) FROM events WHERE text = 'message 29'"
                )
            ),
            10,
            "the topic and the last message in the file",
        )
        process.transport.signalProcess("KILL")
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        yield alice.closed

        process, port = yield self.serve(db)
        bob = yield connect_client(reactor, port, "bob")
        bob.say("/list")
        yield bob.expect_line("ROOM tea 0 256 biscuits")
        bob.say("/history 200")
        yield bob.expect_line("ERR NOT_IN_ROOM")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea bob")
        bob.say("/history 200")
        end = yield bob.expect_line("HISTORY_END ")
        self.assertEqual(end, "HISTORY_END tea 30")
        said = [parse_event(x).text for x in bob.lines if x.startswith("HISTORY ")]
        self.assertEqual(said[-30:], [f"message {n}" for n in range(30)])
        topic = [x for x in bob.lines if x.startswith("TOPIC ")]
        self.assertEqual(topic, ["TOPIC tea alice biscuits"])
        bob.transport.loseConnection()
        yield bob.closed


class PersistenceResumeTests(ServerTestCase):
    """A client cut off while others chat resumes without gaps or repeats."""

    options = ("--rate", "0", "--resume-bound", "40")

    @defer.inlineCallbacks
    def test_cut_off_client_gets_exactly_what_it_missed(self):
        """Ids in order, every missed message once, then live traffic."""
        alice, bob = yield self.in_room("general", "alice", "bob")
        bob.say("/caps ids")
        yield bob.expect_line("CAPS ids")
        alice.say("before the cut")
        last = event_id((yield bob.expect(lambda x: x.endswith(" before the cut"))))
        bob.transport.abortConnection()
        yield bob.closed
        yield alice.expect_line("PART general bob ")
        missed = [f"while away {n}" for n in range(25)]
        for text in missed:
            alice.say(text)
        yield alice.expect(lambda line: line.endswith(missed[-1]))

        back = yield self.client()
        back.say("/caps ids")
        back.say("bob")
        yield back.expect_line("WELCOME bob")
        back.say(f"/join general since {last}")
        yield back.expect_line("MEMBERS general ")
        alice.say("live again")
        yield back.expect(lambda line: line.endswith(" live again"))
        start = back.lines.index(next(x for x in back.lines if x.startswith("MEMBERS")))
        after = back.lines[start + 1 :]
        replayed = [x for x in after if " HISTORY " in x]
        self.assertEqual([parse_event(x).text for x in replayed], missed)
        ids = [event_id(x) for x in replayed]
        self.assertEqual(ids, list(range(last + 1, last + 26)))
        live = [x for x in after if " MSG " in x]
        self.assertEqual(len(live), 1)
        self.assertEqual(event_id(live[0]), last + 26)
        self.assertFalse([x for x in after if x.startswith("GAP")])

    @defer.inlineCallbacks
    def test_gap_past_the_bound(self):
        """More missed than ``--resume-bound``: ``GAP`` with the count left out."""
        (alice,) = yield self.in_room("general", "alice")
        alice.say("/caps ids")
        alice.say("first")
        first = event_id((yield alice.expect(lambda x: x.endswith(" first"))))
        for n in range(45):
            alice.say(f"more {n}")
        yield alice.expect(lambda line: line.endswith(" more 44"))
        bob = yield self.client("bob")
        bob.say(f"/join general since {first}")
        yield bob.expect_line("MEMBERS general ")
        self.assertEqual((yield bob.expect_line("GAP ")), "GAP general 5")
        history = yield bob.expect_line("HISTORY ")
        self.assertTrue(history.endswith(" more 5"), history)
