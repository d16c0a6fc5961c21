"""A ``/txn`` key survives a ``kill -9`` of the real server with its message.

The real ``twistd chatroom`` plugin with ``--db`` in a temporary
directory, over real sockets: alice's keyed message is acknowledged, the
server is killed (SIGKILL, no shutdown) once the file holds the key (the
flush that writes the message writes it: the test reads it, as the
documented crash window promises it will within a flush) and started
again on the file. Sent again, the key gets its original ``ACK``; bob
gets no new message, and ``/history`` holds it once.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from tests.integration.test_twistd import spawn_twistd
from tests.support import committed, connect_client, until

KEYED = "/txn k1 /say tea said before the crash"


class KeyAfterRestartTests(unittest.TestCase):
    timeout = 30

    @defer.inlineCallbacks
    def serve(self, db: str):
        process = spawn_twistd(
            self, "--port", "tcp:0:interface=127.0.0.1", "--db", db, "--rate", "0"
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def in_tea(self, port: int, name: str, join: str = "/join tea"):
        client = yield connect_client(reactor, port)
        self.addCleanup(client.transport.loseConnection)
        client.say("/caps ids")
        yield client.expect_line("CAPS ids")
        client.say(name)
        yield client.expect_line("WELCOME ")
        client.say(join)
        yield client.expect_line("MEMBERS tea")
        return client

    @defer.inlineCallbacks
    def test_a_key_gets_its_first_ack_after_a_kill(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield self.in_tea(port, "alice", "/create tea")
        bob = yield self.in_tea(port, "bob")
        alice.say(KEYED)
        first = yield alice.expect_line("ACK k1 ")
        self.assertEqual(first, "ACK k1 tea 1")
        yield bob.expect_line("@1 MSG tea alice ")
        yield until(
            lambda: committed(db, "SELECT count(*) FROM txn_keys WHERE key = 'k1'"),
            10,
            "the key in the file",
        )
        process.transport.signalProcess("KILL")
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        yield alice.closed
        yield bob.closed

        process, port = yield self.serve(db)
        bob = yield self.in_tea(port, "bob")
        alice = yield self.in_tea(port, "alice")
        alice.say(KEYED)
        self.assertEqual((yield alice.expect_line("ACK k1 ")), first)
        alice.say("after the restart")
        yield bob.expect(lambda line: line.endswith(" after the restart"))
        live = [line for line in bob.lines if " MSG tea alice " in line]
        self.assertEqual(len(live), 1, live)  # only the one said after
        asked = len(bob.lines)
        bob.say("/history 10")
        yield bob.expect_line("HISTORY_END tea ")
        kept = [
            line
            for line in bob.lines[asked:]
            if line.endswith(" said before the crash")
        ]
        self.assertEqual(len(kept), 1, kept)
        self.assertTrue(kept[0].startswith("@1 HISTORY tea alice "), kept)
