"""Private conversations that stay, across nodes and restarts, on real nodes
and a real redis-server (docs/protocol.md, *Private conversations*).

A message sent through one node is in the recipient's ``/conversations``
on a device on the other, with its unread count; the account's ``/read
@USER`` on one device clears it on the other, told ``READ @USER`` across
the nodes; the sender's devices on both nodes get its copy; and after
every node has been restarted on the same Redis, each side's list and
counts are as they were. The single server's restart on its ``--db``
file is ``tests/integration/test_conversations_restart.py``.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import LineClient

PASSWORD = "tea-and-biscuits"


@defer.inlineCallbacks
def conversations(client: LineClient):
    """``/conversations`` as ``client`` reads it: its lines, the end's
    count checked."""
    client.say("/conversations")
    listed = []
    line = yield client.expect_line("CONVERSATION")
    while line.startswith("CONVERSATION "):
        user, unread, last = line.split()[1:4]
        listed.append((user, unread, last))
        line = yield client.expect_line("CONVERSATION")
    assert line == f"CONVERSATIONS_END {len(listed)}", line
    return listed


class ConversationsAcrossNodesTests(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def registered(self, node, name: str):
        client = yield self.client(node, name)
        client.say(f"/register {PASSWORD}")
        yield client.expect_line(f"REGISTERED {name}")
        return client

    @defer.inlineCallbacks
    def signed_in(self, node, name: str):
        client = yield self.client(node)
        client.say(f"/login {name} {PASSWORD}")
        yield client.expect_line(f"WELCOME {name}")
        return client

    @defer.inlineCallbacks
    def test_counted_read_and_kept_across_nodes_and_restarts(self):
        one, two = yield self.start_nodes(2)
        laptop = yield self.registered(one, "alice")
        bob = yield self.registered(one, "bob")
        phone = yield self.signed_in(two, "alice")
        bob.say("/msg alice hello from node one")
        yield phone.expect_line("PRIVMSG bob alice ")
        self.assertEqual((yield conversations(phone)), [("bob", "1", "1")])

        laptop.say("/read @bob 1")
        self.assertEqual((yield laptop.expect_line("READ ")), "READ @bob 1")
        self.assertEqual((yield phone.expect_line("READ ")), "READ @bob 1")
        self.assertEqual((yield conversations(phone)), [("bob", "0", "1")])

        phone.say("/msg bob answered from node two")
        for client in (phone, laptop, bob):
            line = yield client.expect_line("PRIVMSG alice bob ")
            self.assertTrue(line.endswith(" answered from node two"), line)
        bob.say("/msg alice and again")
        yield laptop.expect_line("PRIVMSG bob alice ")

        for node in (one, two):
            yield node.stopService()
        three, four = yield self.start_nodes(2)
        alice = yield self.signed_in(three, "alice")
        self.assertEqual((yield conversations(alice)), [("bob", "1", "3")])
        alice.say("/unread")
        self.assertEqual((yield alice.expect_line("UNREAD")), "UNREAD @bob 1 1")
        bob = yield self.signed_in(four, "bob")
        self.assertEqual(
            (yield conversations(bob)), [("alice", "0", "3")]
        )  # his own last
        bob.say("/history @alice 50")
        said = []
        for _ in range(3):
            said.append((yield bob.expect_line("PRIVMSG ")).split(" ", 4)[4])
        self.assertEqual(
            said, ["hello from node one", "answered from node two", "and again"]
        )
