"""Threads on two nodes sharing one Redis, over real sockets.

A thread started on one node is one on the other: its messages reach the
members on both, tagged for the rich ones; ``/threads`` and ``/history
thread`` on either node read the same room; an account followed on one node
counts its thread's messages in ``/unread`` on the other.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.backends.contracts.account import PASSWORD
from tests.cluster.support import ClusterTestCase


class ThreadsOnTwoNodesTests(ClusterTestCase):
    """alice on node one, bob on node two, both accounts and rich."""

    @defer.inlineCallbacks
    def test_a_thread_spans_the_nodes(self):
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        for user in (alice, bob):
            user.say("/caps rich")
            yield user.expect_line("CAPS ids rich")
            user.say(f"/register {PASSWORD}")
            yield user.expect_line("REGISTERED ")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea ")
        alice.say("where shall we meet?")
        yield bob.expect_line("@1 MSG tea alice ")
        bob.say("/thread 1 at the station")
        rich = yield alice.expect_line("@2;thread=1 MSG tea bob ")
        self.assertTrue(rich.endswith(" at the station"))
        alice.say("/thread 2 fine")
        yield bob.expect_line("@3;thread=1 MSG tea alice ")
        bob.say("/threads")
        listed = yield bob.expect_line("THREAD ")
        self.assertRegex(listed, r"^THREAD tea 1 2 3 \S+$")
        yield bob.expect_line("THREADS_END")
        alice.say("/history thread 1 10")
        yield alice.expect_line("HISTORY_END tea 3")
        alice.say("/read tea 1")
        yield alice.expect_line("READ tea 1")
        alice.say("/unread")
        self.assertEqual(
            (yield alice.expect_line("UNREAD tea ")), "UNREAD tea 2 0 thread 1 2"
        )
        bob.say("/unfollow 1")
        yield bob.expect_line("UNFOLLOW tea 1")
        bob.say("/unread")
        self.assertEqual((yield bob.expect_line("UNREAD tea ")), "UNREAD tea 3 0")
