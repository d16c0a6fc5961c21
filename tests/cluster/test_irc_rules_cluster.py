"""IRC's message rules are the same on two nodes as on one server.

A command's events reach its own node on Redis's subscriber connection and
its reply on the commands connection; a node answers the command only once
the first has caught up (chatroom.redisclient.caught_up.CaughtUp), as a
single server answers once it has fanned the events out. So the sender's
``echo-message`` echo is inside its ``labeled-response`` answer, not after
an ``ACK``, with the other channel member on the other node. Each test
runs twice: the two users on two Redis nodes, and on one server on the
in-process back-end (the behaviour the cluster must match).
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase, tags_of

LOCAL = "tcp:0:interface=127.0.0.1"
CAPS = "echo-message labeled-response batch message-tags draft/message-redaction"


class TwoNodesIRCRulesTests(ClusterTestCase):
    """ivy (IRC, echo-message and labeled-response) on one node, ian (IRC)
    on the other, both in #tea."""

    #: Whether the two users share one server (the single-server case).
    one_server = False

    @defer.inlineCallbacks
    def in_tea(self):
        one = yield self.node("--irc", LOCAL, alone=self.one_server)
        two = one if self.one_server else (yield self.node("--irc", LOCAL))
        ivy = yield self.irc_client(one, "ivy", CAPS)
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: line.endswith(":@ivy"))
        ian = yield self.irc_client(two, "ian", "message-tags draft/message-redaction")
        ian.say("JOIN #tea")
        yield ivy.expect(lambda line: "JOIN" in line and "ian!" in line)
        return ivy, ian

    @defer.inlineCallbacks
    def test_a_labeled_message_to_a_channel_is_answered_by_its_echo(self):
        """ivy's labeled PRIVMSG to #tea is answered by its echo carrying
        the label (no ACK), and ian gets the message with the same msgid."""
        ivy, ian = yield self.in_tea()
        ivy.say("@label=l1 PRIVMSG #tea :hello")
        answer = yield ivy.expect(lambda line: "label=l1" in line)
        self.assertIn("PRIVMSG #tea :hello", answer)
        heard = yield ian.expect(lambda line: line.endswith("PRIVMSG #tea :hello"))
        self.assertEqual(tags_of(heard)["msgid"], tags_of(answer)["msgid"])

    @defer.inlineCallbacks
    def test_a_labeled_redaction_is_acknowledged_and_reaches_the_other(self):
        """ivy's labeled REDACT of her message is acknowledged (``ACK``
        with the label, as on one server), and ian sees the REDACT of the
        msgid he was given."""
        ivy, ian = yield self.in_tea()
        ivy.say("PRIVMSG #tea :oops")
        said = yield ivy.expect(lambda line: line.endswith("PRIVMSG #tea :oops"))
        msgid = tags_of(said)["msgid"]
        ivy.say(f"@label=r1 REDACT #tea {msgid}")
        answer = yield ivy.expect(lambda line: "label=r1" in line)
        self.assertTrue(answer.endswith(" ACK"), answer)
        heard = yield ian.expect(lambda line: line.endswith("PRIVMSG #tea :oops"))
        self.assertEqual(tags_of(heard)["msgid"], msgid)
        yield ian.expect(lambda line: f"REDACT #tea {msgid}" in line)

    @defer.inlineCallbacks
    def test_a_labeled_tagmsg_to_a_channel_is_answered_by_its_echo(self):
        """ivy's labeled TAGMSG with a client tag is answered by its echo
        with the label; ian gets the tag."""
        ivy, ian = yield self.in_tea()
        ivy.say("@label=t1;+example=1 TAGMSG #tea")
        answer = yield ivy.expect(lambda line: "label=t1" in line)
        self.assertIn("TAGMSG #tea", answer)
        heard = yield ian.expect(lambda line: " TAGMSG #tea" in line)
        self.assertEqual(tags_of(heard)["+example"], "1")

    @defer.inlineCallbacks
    def test_a_pong_comes_after_what_was_sent_before_the_ping(self):
        """ivy's PRIVMSG to ian (on the other node), answered to ivy (her
        PONG), then ian's PING: ian gets the message before his PONG, as
        irctest synchronises one client with another."""
        ivy, ian = yield self.in_tea()
        for number in range(5):
            ivy.say(f"PRIVMSG ian :before {number}")
            ivy.say(f"PING mine{number}")
            yield ivy.expect(lambda line, n=number: line.endswith(f"mine{n}"))
            ian.say(f"PING sync{number}")
            pong = yield ian.expect(lambda line, n=number: line.endswith(f"sync{n}"))
            earlier = ian.lines[: ian.lines.index(pong)]
            self.assertTrue(
                any(line.endswith(f"PRIVMSG ian :before {number}") for line in earlier),
                earlier[-3:],
            )


class OneServerIRCRulesTests(TwoNodesIRCRulesTests):
    """The same, ivy and ian on one server (the in-process back-end)."""

    one_server = True
