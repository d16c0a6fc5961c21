"""What the IRC door no longer fans out by itself reaches every node.

A ``TAGMSG``, ``AWAY``, ``SETNAME`` and ``WALLOPS`` are typed events of the
core (chatroom.core.messages.tagmessages, PresenceService.set_away, set_realname,
wallops),
so they cross Redis as any room's events do, and a quit's own words reach
the other node's users as a quit's: real nodes of one Redis, IRC users on
one, IRC and line users on the other.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase, tags_of

LOCAL = "tcp:0:interface=127.0.0.1"


class IRCNewsAcrossNodesTests(ClusterTestCase):
    """ivy (IRC) on node one; ian (IRC) and lina (line, ``/caps rich``) on
    node two; all in tea."""

    @defer.inlineCallbacks
    def in_tea(self):
        one = yield self.node("--irc", LOCAL)
        two = yield self.node("--irc", LOCAL)
        ivy = yield self.irc_client(one, "ivy", "message-tags away-notify setname")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: line.endswith(":@ivy"))
        ian = yield self.irc_client(two, "ian", "message-tags away-notify setname")
        ian.say("JOIN #tea")
        yield ivy.expect(lambda line: "JOIN :#tea" in line and "ian!" in line)
        lina = yield self.client(two, "lina")
        lina.say("/caps rich")
        lina.say("/join tea")
        yield lina.expect_line("MEMBERS tea")
        yield ian.expect(lambda line: "lina!lina@chatroom JOIN :#tea" in line)
        return ivy, ian, lina

    @defer.inlineCallbacks
    def test_a_tagmsg_reaches_the_other_node_as_sent(self):
        """ivy's TAGMSG reaches ian on the other node with its client tags
        and the core's msgid, once; its +typing reaches lina as TYPING."""
        ivy, ian, lina = yield self.in_tea()
        ivy.say("@+typing=active;+example=1 TAGMSG #tea")
        line = yield ian.expect(lambda line: " TAGMSG #tea" in line)
        self.assertEqual(tags_of(line)["+example"], "1")
        self.assertEqual(tags_of(line)["+typing"], "active")
        self.assertTrue(tags_of(line)["msgid"].startswith("t"), line)
        yield lina.expect_line("TYPING tea ivy active")
        ivy.say("PRIVMSG #tea :after")
        yield ian.expect(lambda line: line.endswith("PRIVMSG #tea :after"))
        tagmsgs = [x for x in ian.lines if " TAGMSG " in x]
        self.assertEqual(len(tagmsgs), 1)

    @defer.inlineCallbacks
    def test_away_setname_and_a_quit_reach_the_other_node(self):
        """ivy's AWAY and SETNAME reach ian (away-notify, setname) on the
        other node; her QUIT's words reach lina as a quit's."""
        ivy, ian, lina = yield self.in_tea()
        ivy.say("AWAY :lunch")
        yield ian.expect_line(":ivy!ivy@chatroom AWAY :lunch")
        ivy.say("SETNAME :Ivy I.")
        yield ian.expect_line(":ivy!ivy@chatroom SETNAME :Ivy I.")
        ivy.say("QUIT :off to bed")
        yield lina.expect_line("PART tea ivy quit: off to bed")
        yield ian.expect_line(":ivy!ivy@chatroom QUIT :Quit: off to bed")
