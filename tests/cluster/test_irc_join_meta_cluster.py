"""What IRC shows of a user's join and words is the same whichever node the
user is on: ``extended-join``'s account and realname, ``away-notify``'s
``AWAY`` after the ``JOIN``, and ``account-tag`` on a message, an
``INVITE``, a ``TOPIC`` and a ``PART`` come with the event
(chatroom.core.model.events: the joiner's or author's session filled them in
where it happened), not from what the receiver's node knows of its own
users.

Each test runs twice, with the same assertions: ian and ivy on two
Redis-backed nodes (real sockets, one real ``redis-server``), and on one
server alone (no Redis), where they are the door's own.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase, tags_of

LOCAL = "tcp:0:interface=127.0.0.1"
CAPS = "extended-join away-notify account-tag message-tags"


class JoinAndAccountAcrossNodesTests(ClusterTestCase):
    """ivy (asking for every capability above) on the first node hears ian
    (signed in to the account coolacct, realname ``Real ian``) on the
    second."""

    #: False: both users on one server without Redis.
    spread = True

    @defer.inlineCallbacks
    def ivy_and_ian(self):
        """ivy in #tea, and ian registered, signed in and away (his 306)."""
        if self.spread:
            one, two = yield self.start_nodes(2, "--irc", LOCAL)
        else:
            one = two = yield self.node("--irc", LOCAL, alone=True)
        ivy = yield self.irc_client(one, "ivy", CAPS)
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: " 366 " in line)
        ian = yield self.irc_client(two, "coolacct", real="Real ian")
        ian.say("PRIVMSG NickServ :REGISTER sesame-sesame")
        ian.say("NICK ian")
        yield ian.expect(
            lambda line: line.startswith(":coolacct!") and " NICK " in line
        )
        ian.say("AWAY :lunch")
        yield ian.expect(lambda line: " 306 " in line)
        return ivy, ian

    @defer.inlineCallbacks
    def test_a_join_shows_the_joiners_account_realname_and_away(self):
        """ian's JOIN reaches ivy as ``JOIN #tea coolacct :Real ian``,
        followed by his ``AWAY :lunch`` (irctest's extended_join and
        testAwayNotifyOnJoin)."""
        ivy, ian = yield self.ivy_and_ian()
        ian.say("JOIN #tea")
        joined = yield ivy.expect(lambda line: " JOIN #tea" in line and "ian!" in line)
        self.assertTrue(joined.endswith(" JOIN #tea coolacct :Real ian"), joined)
        away = yield ivy.expect(lambda line: " AWAY" in line)
        self.assertEqual(ivy.lines.index(away), ivy.lines.index(joined) + 1)
        self.assertTrue(away.startswith(":ian!"), away)
        self.assertTrue(away.endswith(" AWAY :lunch"), away)

    @defer.inlineCallbacks
    def test_a_private_message_and_a_channel_message_carry_the_account(self):
        """ian's PRIVMSG to ivy and to #tea carry ``@account=coolacct``
        (irctest's account_tag testPrivmsg)."""
        ivy, ian = yield self.ivy_and_ian()
        ian.say("PRIVMSG ivy :hi")
        heard = yield ivy.expect(lambda line: line.endswith(" PRIVMSG ivy :hi"))
        self.assertEqual(tags_of(heard).get("account"), "coolacct", heard)
        ian.say("JOIN #tea")
        ian.say("PRIVMSG #tea :hello")
        heard = yield ivy.expect(lambda line: line.endswith(" PRIVMSG #tea :hello"))
        self.assertEqual(tags_of(heard).get("account"), "coolacct", heard)

    @defer.inlineCallbacks
    def test_an_invitation_carries_the_inviters_account(self):
        """ian's INVITE of ivy into #coffee carries ``@account=coolacct``
        (irctest's account_tag testInvite)."""
        ivy, ian = yield self.ivy_and_ian()
        ian.say("JOIN #coffee")
        yield ian.expect(lambda line: " 366 " in line)
        ian.say("INVITE ivy #coffee")
        heard = yield ivy.expect(lambda line: " INVITE ivy " in line)
        self.assertTrue(heard.endswith("#coffee"), heard)
        self.assertEqual(tags_of(heard).get("account"), "coolacct", heard)

    @defer.inlineCallbacks
    def test_a_topic_and_a_part_carry_the_account(self):
        """ian's TOPIC of #coffee (his channel, which ivy joined) and his
        PART of it carry ``@account=coolacct``."""
        ivy, ian = yield self.ivy_and_ian()
        ian.say("JOIN #coffee")
        yield ian.expect(lambda line: " 366 " in line)
        ivy.say("JOIN #coffee")
        yield ivy.expect(lambda line: " 366 " in line and "#coffee" in line)
        ian.say("TOPIC #coffee :beans")
        heard = yield ivy.expect(lambda line: line.endswith(" TOPIC #coffee :beans"))
        self.assertEqual(tags_of(heard).get("account"), "coolacct", heard)
        ian.say("PART #coffee")
        heard = yield ivy.expect(lambda line: " PART #coffee" in line)
        self.assertEqual(tags_of(heard).get("account"), "coolacct", heard)


class JoinAndAccountOnOneServerTests(JoinAndAccountAcrossNodesTests):
    """The same, ivy and ian on one server (the in-process back-end)."""

    spread = False
