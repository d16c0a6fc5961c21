"""An account's room across nodes and restarts, on real nodes and a real
redis-server (docs/protocol.md, *Rooms*).

The owner's device leaves through one node and comes back through the
other: the room is still the account's, and its other member was never
told of a new owner, only, when she came back, that she owns it.
Emptied, the room stays, and is still there, with its history and its
owner, once every node has been restarted on the same Redis. The single
server's restart on its ``--db`` file is
``tests/integration/test_owned_rooms_restart.py``.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.integration.test_accounts import listed

PASSWORD = "tea-and-biscuits"


class OwnedRoomAcrossNodesTests(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def signed_in(self, node, name: str):
        """A client of ``node`` signed in to account ``name``."""
        client = yield self.client(node)
        client.say(f"/login {name} {PASSWORD}")
        yield client.expect_line(f"WELCOME {name}")
        return client

    @defer.inlineCallbacks
    def test_the_owner_comes_back_through_the_other_node(self):
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say(f"/register {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        bob = yield self.client(two, "bob")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea")
        alice.say("kept across the night")
        yield bob.expect_line("MSG tea alice ")
        alice.transport.loseConnection()
        yield alice.closed
        yield bob.expect_line("PART tea alice")
        bob.say("/info")
        self.assertEqual(
            (yield bob.expect_line("INFO tea owner ")), "INFO tea owner account:alice"
        )
        yield bob.expect_line("INFO_END tea")

        alice = yield self.signed_in(two, "alice")
        alice.say("/join tea")  # put back in it at sign-in, or now
        yield alice.expect_line("MEMBERS tea")
        yield bob.expect_line("JOIN tea alice")
        self.assertEqual((yield bob.expect_line("OWNER ")), "OWNER tea alice")
        bob.say("/who")
        yield bob.expect_line("MEMBERS tea ")
        self.assertEqual((yield bob.expect_line("OWNER ")), "OWNER tea alice")
        told = [line for line in bob.lines if line.startswith("OWNER ")]
        self.assertEqual(told, ["OWNER tea alice"] * 2, bob.lines)  # hers, no other
        alice.say("/set topic-lock on")
        yield bob.expect_line("SET tea topic-lock on alice")

        for client in (alice, bob):
            client.say("/leave")
            yield client.expect_line("LEFT tea")
        for node in (one, two):
            yield node.stopService()
        three, four = yield self.start_nodes(2)
        carol = yield self.client(three, "carol")
        rooms = yield listed(carol)
        self.assertIn("ROOM tea 0 ", " ".join(rooms))
        alice = yield self.signed_in(four, "alice")
        alice.say("/join tea")
        yield alice.expect_line("MEMBERS tea alice")
        history = yield alice.expect_line("HISTORY tea alice ")
        self.assertTrue(history.endswith("kept across the night"), history)
        alice.say("/info")
        self.assertEqual(
            (yield alice.expect_line("INFO tea owner ")), "INFO tea owner alice"
        )
        yield alice.expect_line("INFO tea topic-lock on")
        yield alice.expect_line("INFO tea keep on")
