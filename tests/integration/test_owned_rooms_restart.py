"""An account's room across a restart of the real server on its ``--db``
file (docs/protocol.md, *Rooms*; docs/operations.md, *What survives a
restart*).

alice's room, left empty, is still there after the server is stopped and
started again, past the restored rooms' grace, with its history, its
settings and her as its owner; bob's, a plain name's scratch room, goes
once the grace is over, as every room did before. Across nodes:
``tests/cluster/test_owned_rooms_cluster.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from tests.integration.test_accounts import listed_once_gone
from tests.integration.test_twistd import spawn_twistd
from tests.support import connect_client

PASSWORD = "tea-and-biscuits"


class OwnedRoomAcrossARestartTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def serve(self, db: str, *options: str):
        process = spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1",
            "--db", db,
            "--rate", "0",
            *options,
        )  # fmt: skip
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def test_an_accounts_room_is_kept_empty_across_a_restart(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield connect_client(reactor, port, "alice")
        alice.say(f"/register {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        alice.say("/topic by the fire")
        yield alice.expect_line("TOPIC tea")
        alice.say("the kettle is on")
        yield alice.expect_line("MSG tea alice ")
        bob = yield connect_client(reactor, port, "bob")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea")
        alice.transport.loseConnection()
        yield alice.closed
        yield bob.expect_line("PART tea alice")
        bob.say("/info")
        self.assertEqual(
            (yield bob.expect_line("INFO tea owner ")), "INFO tea owner account:alice"
        )
        bob.say("/create cafe")  # bob's scratch room; tea is left empty
        yield bob.expect_line("MEMBERS cafe")
        bob.say("/list")
        yield bob.expect_line("ROOM tea 0 ")
        self.assertFalse([line for line in bob.lines if line.startswith("OWNER ")])
        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone, error.ProcessTerminated)
        yield bob.closed

        process, port = yield self.serve(db, "--grace", "0.5")
        stranger = yield connect_client(reactor, port, "carol")
        rooms = yield listed_once_gone(
            stranger, "cafe", "the scratch room dropped after the grace"
        )
        self.assertTrue(any(room.startswith("ROOM tea 0 ") for room in rooms), rooms)
        alice = yield connect_client(reactor, port)
        alice.say(f"/login alice {PASSWORD}")
        yield alice.expect_line("WELCOME alice")
        alice.say("/join tea")
        yield alice.expect_line("MEMBERS tea alice")
        history = yield alice.expect_line("HISTORY tea alice ")
        self.assertTrue(history.endswith("the kettle is on"), history)
        alice.say("/info")
        yield alice.expect_line("INFO tea owner alice")
        yield alice.expect_line("INFO tea keep on")
        stranger.say("/join tea")
        yield stranger.expect_line("MEMBERS tea")
        stranger.say("/who")
        self.assertEqual((yield stranger.expect_line("OWNER ")), "OWNER tea alice")
        for client in (alice, stranger):
            client.transport.loseConnection()
            yield client.closed
