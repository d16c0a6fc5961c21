"""Reactions, typing and the moderation log across nodes (issue 22).

Two real nodes share one real redis-server; users on different nodes react,
type and moderate over real sockets, and see the same as on one server.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase


class ReactionsAcrossNodesTests(ClusterTestCase):
    """alice (node one) owns tea; bob (node two) is in it; both ``rich``."""

    @defer.inlineCallbacks
    def rich_tea(self):
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        for client, line in ((alice, "/create tea"), (bob, "/join tea")):
            client.say("/caps rich")
            yield client.expect_line("CAPS ")
            client.say(line)
            yield client.expect_line("MEMBERS tea ")
        return alice, bob

    @defer.inlineCallbacks
    def test_reactions_and_typing_reach_the_other_node(self):
        """bob's reaction on node two reaches alice on node one, once; his
        typing reaches her and not him; the 21st distinct reaction is
        refused wherever it comes from."""
        alice, bob = yield self.rich_tea()
        alice.say("hello")
        said = yield bob.expect(lambda line: line.endswith(" hello"))
        msgid = said.split()[0][1:]
        bob.say(f"/react {msgid} x")
        bob.say(f"/react {msgid} x")  # again: nothing
        react = yield alice.expect(lambda line: " REACT " in line)
        self.assertRegex(react, rf"^@\d+ REACT tea {msgid} bob x$")
        bob.say("/typing active")
        self.assertEqual((yield alice.expect_line("TYPING ")), "TYPING tea bob active")
        for number in range(19):
            (alice if number % 2 else bob).say(f"/react {msgid} r{number}")
        for _ in range(20):  # his x, which nothing read yet, then these 19
            yield bob.expect(lambda line: " REACT tea " in line)
        alice.say(f"/react {msgid} one-too-many")
        refusal = yield alice.expect_line("ERR ")
        self.assertTrue(refusal.startswith("ERR BAD_ARGS "), refusal)
        alice.say("/history 30")
        end = yield alice.expect_line("HISTORY_END ")
        self.assertEqual(end, "HISTORY_END tea 21")  # hello and 20 reactions
        self.assertFalse([x for x in bob.lines if x.startswith("TYPING ")])

    @defer.inlineCallbacks
    def test_modlog_reads_the_same_on_every_node(self):
        """What alice does on node one, bob (made an operator) reads on node
        two; before that he is refused."""
        alice, bob = yield self.rich_tea()
        alice.say("/set topic-lock on")
        yield bob.expect_line("SET ")
        bob.say("/modlog")
        refusal = yield bob.expect_line("ERR ")
        self.assertTrue(refusal.startswith("ERR NOT_ALLOWED "), refusal)
        alice.say("/op bob")
        yield bob.expect_line("OP ")
        bob.say("/modlog")
        first = yield bob.expect_line("MODLOG ")
        second = yield bob.expect_line("MODLOG ")
        self.assertEqual(first.split()[3:], ["alice", "set", "topic-lock=on", "-"])
        self.assertEqual(second.split()[3:], ["alice", "op", "bob", "-"])
        self.assertEqual((yield bob.expect_line("MODLOG_END ")), "MODLOG_END tea 2")
