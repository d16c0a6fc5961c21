"""Many devices of one account on the real ``twistd chatroom`` plugin.

Two devices signed in to one account over real sockets share three rooms,
and the rooms count the account once; a restart on the same ``--db`` file
brings the account's next device back into its rooms.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import defer, reactor
from twisted.trial import unittest

from tests.integration.test_twistd import spawn_twistd
from tests.support import connect_client

PASSWORD = "tea-and-biscuits"
ROOMS = ("tea", "cafe", "bar")


class DevicesOnTheRealServerTests(unittest.TestCase):
    timeout = 30

    @defer.inlineCallbacks
    def serve(self, db: str):
        process = spawn_twistd(
            self, "--port", "tcp:0:interface=127.0.0.1", "--db", db, "--rate", "0"
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def device(self, port: int):
        """A device of alice with ``multi`` on: the join replies of every
        room the account is in arrive unasked (its remembered rooms, when
        no other device is connected)."""
        client = yield connect_client(reactor, port)
        client.say("/caps multi")
        client.say(f"/login alice {PASSWORD}")
        yield client.expect_line("WELCOME alice")
        return client

    @defer.inlineCallbacks
    def test_two_devices_three_rooms_one_member_and_a_restart(self):
        """Two devices of alice in three rooms: bob sees alice once in each,
        hears her once whichever device speaks, and both devices hear him;
        after a restart her next device is back in all three rooms, which
        it is shown unasked."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        laptop = yield connect_client(reactor, port, "alice")
        laptop.say(f"/register {PASSWORD}")
        yield laptop.expect_line("REGISTERED alice")
        laptop.say("/caps multi")
        yield laptop.expect_line("CAPS multi")
        for room in ROOMS:
            laptop.say(f"/create {room}")
            yield laptop.expect_line(f"MEMBERS {room} alice")
        phone = yield self.device(port)
        for room in ROOMS:
            yield phone.expect_line(f"JOINED {room} ")
        bob = yield connect_client(reactor, port, "bob")
        bob.say("/caps multi")
        for room in ROOMS:
            bob.say(f"/join {room}")
            members = yield bob.expect_line(f"MEMBERS {room}")
            self.assertEqual(members, f"MEMBERS {room} alice bob")
        bob.say("/list")
        for room in ROOMS:
            yield bob.expect_line(f"ROOM {room} 2 ")
        phone.say("/say cafe from the phone")
        for client in (bob, laptop, phone):
            line = yield client.expect_line("MSG cafe alice ")
            self.assertTrue(line.endswith(" from the phone"), line)
        bob.say("/say bar hello both")
        for client in (laptop, phone):
            yield client.expect_line("MSG bar bob ")
        process.transport.signalProcess("TERM")
        yield process.ended
        for client in (laptop, phone, bob):
            yield client.closed

        process, port = yield self.serve(db)
        again = yield self.device(port)
        for room in ROOMS:  # back in each, shown unasked with her marker
            yield again.expect_line(f"JOINED {room} 1 ")
            yield again.expect_line(f"READ {room} ")
        again.say("/join tea")  # in it already: nothing shown twice
        refusal = yield again.expect_line("ERR ")
        self.assertTrue(refusal.startswith("ERR ALREADY_IN_ROOM"), refusal)
        again.say("/list")  # alice is back in all three: each counts her
        for room in ROOMS:
            yield again.expect_line(f"ROOM {room} 1 ")
        again.transport.loseConnection()
        yield again.closed
