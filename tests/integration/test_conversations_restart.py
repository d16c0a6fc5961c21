"""Private conversations and their unread counts across a restart of the
real server on its ``--db`` file (docs/protocol.md, *Private
conversations*): bob writes twice, alice reads the first; after the server
is stopped and started again her list still counts one unread, and so
does her ``/unread``. Across nodes:
``tests/cluster/test_conversations_cluster.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from tests.cluster.test_conversations_cluster import conversations
from tests.integration.test_twistd import spawn_twistd
from tests.support import connect_client

PASSWORD = "tea-and-biscuits"


class ConversationsAcrossARestartTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def serve(self, db: str):
        process = spawn_twistd(
            self, "--port", "tcp:0:interface=127.0.0.1", "--db", db, "--rate", "0"
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def signed_in(self, port: int, name: str):
        client = yield connect_client(reactor, port)
        client.say(f"/login {name} {PASSWORD}")
        yield client.expect_line(f"WELCOME {name}")
        return client

    @defer.inlineCallbacks
    def test_unread_counts_outlast_a_restart(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        clients = []
        for name in ("alice", "bob"):
            client = yield connect_client(reactor, port, name)
            client.say(f"/register {PASSWORD}")
            yield client.expect_line(f"REGISTERED {name}")
            clients.append(client)
        alice, bob = clients
        for text in ("first", "second"):
            bob.say(f"/msg alice {text}")
            yield alice.expect_line("PRIVMSG bob alice ")
        alice.say("/read @bob 1")
        yield alice.expect_line("READ @bob 1")
        self.assertEqual((yield conversations(alice)), [("bob", "1", "2")])
        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone, error.ProcessTerminated)
        yield defer.gatherResults([alice.closed, bob.closed])

        process, port = yield self.serve(db)
        alice = yield self.signed_in(port, "alice")
        self.assertEqual((yield conversations(alice)), [("bob", "1", "2")])
        alice.say("/unread")
        self.assertEqual((yield alice.expect_line("UNREAD")), "UNREAD @bob 1 1")
        bob = yield self.signed_in(port, "bob")
        self.assertEqual((yield conversations(bob)), [("alice", "0", "2")])
        for client in (alice, bob):
            client.transport.loseConnection()
            yield client.closed
