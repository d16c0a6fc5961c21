"""An offline private message survives a restart of the real server.

The real ``twistd chatroom`` plugin with ``--db`` in a temporary
directory, over real sockets: bob writes to alice while nobody is signed
in to her account, the server is killed (SIGKILL, no shutdown) once the
file holds the message kept for her (the test reads it, as the documented
crash window promises it will within a flush) and started again on it,
and alice's sign-in gets bob's message after the room list, with the time
and id it had, and finds it in ``/history @bob``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from tests.integration.test_twistd import spawn_twistd
from tests.support import committed, connect_client, until

PASSWORD = "horse-battery-staple"


class OfflinePrivateMessageRestartTests(unittest.TestCase):
    """SIGKILL, restart: the kept message is delivered on sign-in."""

    timeout = 30

    @defer.inlineCallbacks
    def serve(self, db: str):
        process = spawn_twistd(
            self, "--port", "tcp:0:interface=127.0.0.1", "--db", db, "--rate", "0"
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def kill(self, process, db: str, *clients):
        """Once the file holds a message kept for alice, SIGKILL; the
        clients see the socket close."""
        yield until(
            lambda: committed(
                db,
                "SELECT count(*) FROM kept_private JOIN private_messages"
                " USING (conversation, id) WHERE text = 'lunch at one?'",
            ),
            10,
            "the kept message in the file",
        )
        process.transport.signalProcess("KILL")
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        for client in clients:
            yield client.closed

    @defer.inlineCallbacks
    def test_kept_message_survives_a_restart(self):
        """Registered, away, written to, restarted: alice's sign-in gets the
        message after ``ROOMS``, as bob's copy read (time and id)."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield connect_client(reactor, port, "alice")
        alice.say(f"/register {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/quit")
        yield alice.closed
        bob = yield connect_client(reactor, port)
        bob.say("/caps ids")
        yield bob.expect_line("CAPS ids")
        bob.say("bob")
        yield bob.expect_line("WELCOME bob")
        bob.say("/msg alice lunch at one?")
        copy = yield bob.expect_line("@1 PRIVMSG bob alice ")
        yield self.kill(process, db, bob)

        process, port = yield self.serve(db)
        again = yield connect_client(reactor, port)
        again.say("/caps ids")
        yield again.expect_line("CAPS ids")
        again.say(f"/login alice {PASSWORD}")
        yield again.expect_line("ROOMS ")
        kept = yield again.expect_line("@1 PRIVMSG ")
        self.assertEqual(kept, copy)
        rooms = [i for i, x in enumerate(again.lines) if x.startswith("ROOM")]
        self.assertGreater(again.lines.index(kept), max(rooms))
        again.say("/history @bob 10")
        end = yield again.expect_line("HISTORY_END ")
        self.assertEqual(end, "HISTORY_END @bob 1")
        self.assertEqual(again.lines[-2], copy)
        again.transport.loseConnection()
        yield again.closed
