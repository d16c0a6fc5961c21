"""A room renamed on one node, with members on another (two nodes, one
Redis); and the IRC door's rename tests on two nodes."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import CONFIG
from tests.cluster.support import TwoNodeRegistryTestCase
from tests.cluster.two_nodes import IRCDoorOnTwoNodes
from tests.doors.irc import test_irc_renames


class TwoNodeRenameTests(TwoNodeRegistryTestCase):
    """alice owns tea on node one; bob is in it on node two."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_a_member_on_the_other_node_follows(self) -> Generator[Any, Any, None]:
        """bob, on node two, hears ``RENAMED`` and then alice's message said
        while node two was still moving to the room's new channel (from
        the room's log: nothing is lost, nothing is shown twice);
        he talks on in chai and its history is tea's; a watcher on node
        two hears the rename; a join of tea on node two enters chai."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea ")
        alice.say("before the rename")
        bob = yield self.on_two("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea ")
        yield self.expect(alice, "JOIN tea bob")
        watcher = yield self.on_two("dave")
        watcher.say("/watch on")
        yield self.expect(watcher, "LOBBY")
        # Node two's subscription to chai's channel takes until alice's
        # next message is out: it reaches bob from the room's log.
        subscribed: defer.Deferred[None] = defer.Deferred()
        here = self.other.backend.here
        subscribe = here._subscribe

        async def late(channel: bytes) -> None:
            await subscribed
            await subscribe(channel)

        here._subscribe = late
        alice.say("/rename chai")
        yield self.expect(alice, "RENAMED tea chai alice")
        alice.say("right after")
        yield self.expect(alice, "MSG chai alice ")
        subscribed.callback(None)
        self.assertEqual((yield self.expect(bob, "RENAMED ")), "RENAMED tea chai alice")
        self.assertRegex(
            (yield self.expect(bob, "MSG ")), r"^MSG chai alice \S+ right after$"
        )
        bob.say("from node two")
        self.assertRegex(
            (yield self.expect(alice, "MSG ")), r"^MSG chai bob \S+ from node two$"
        )
        self.assertRegex(
            (yield self.expect(bob, "MSG ")), r"^MSG chai bob \S+ from node two$"
        )
        self.assertEqual(bob.take("MSG "), None)
        bob.say("/history 5")
        self.assertRegex(
            (yield self.expect(bob, "HISTORY ")),
            r"^HISTORY chai alice \S+ before the rename$",
        )
        self.assertEqual(
            (yield self.expect(watcher, "RENAMED ")), "RENAMED tea chai alice"
        )
        carol = yield self.on_two("carol")
        carol.say("/join tea")
        self.assertEqual((yield self.expect(carol, "JOINED ")), "JOINED chai 3 3")
        yield self.expect(bob, "JOIN chai carol")

    @defer.inlineCallbacks
    def test_a_rename_heard_while_the_node_resumes(self) -> Generator[Any, Any, None]:
        """Node two hears the rename while it resumes (a link lost and
        back): its read of what chai's channel brought first is refused
        ``UNAVAILABLE``, which is no fault (nothing is logged as one, and
        the resume reads it); bob heard ``RENAMED`` and, once node two
        serves again, hears alice in chai."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea ")
        bob = yield self.on_two("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea ")
        yield self.expect(alice, "JOIN tea bob")
        here = self.other.backend.here
        node = self.other.backend.node
        log_after = here._log_after
        assert log_after is not None

        async def resuming(room: Any) -> Any:
            node.start_resume()
            return await log_after(room)

        here._log_after = resuming
        self.addCleanup(setattr, here, "_log_after", log_after)
        alice.say("/rename chai")
        yield self.expect(alice, "RENAMED tea chai alice")
        self.assertEqual((yield self.expect(bob, "RENAMED ")), "RENAMED tea chai alice")
        yield node.when_available()
        alice.say("after the resume")
        self.assertRegex(
            (yield self.expect(bob, "MSG ")), r"^MSG chai alice \S+ after the resume$"
        )


class IRCRenamesOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_renames.IRCRenameTests):
    """``test_irc_renames.IRCRenameTests`` on two nodes: ``RENAME`` and
    its ``PART``/``JOIN`` fallback for clients on the other node."""
