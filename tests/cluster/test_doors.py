"""The IRC and browser doors on cluster nodes: the same rooms across nodes.

The doors are written against the registry interface only, so on the Redis
registry their commands wait (their lines are held meanwhile) and their
users meet users of other nodes. ``/metrics`` then also times Redis.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.web.client import Agent, readBody

from chatroom.doors.irc.msgids import MsgIds
from tests.cluster.support import ClusterTestCase
from tests.support import LineClient, redis_backend

LOCAL = "tcp:0:interface=127.0.0.1"


class ClusterDoorsTests(ClusterTestCase):
    """An IRC user on one node, a line user on another, one room."""

    @defer.inlineCallbacks
    def test_irc_and_line_across_nodes(self):
        """IRC JOIN creates a room in the cluster; messages cross nodes both
        ways; a taken nick is 433 across nodes; /metrics times Redis."""
        one = yield self.node("--irc", LOCAL, "--http", LOCAL)
        two = yield self.node()
        lina = yield self.client(two, "lina")
        ivy = yield self.irc_client(one, "ivy")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: line.endswith(":@ivy"))  # 353: created, owned
        lina.say("/join tea")
        yield lina.expect_line("MEMBERS tea ivy lina")
        yield ivy.expect_line(":lina!lina@chatroom JOIN :#tea")
        ivy.say("PRIVMSG #tea :from irc on one")
        ivy.say("PRIVMSG lina :psst")
        yield lina.expect(lambda line: line.endswith(" from irc on one"))

        def psst(line: str) -> bool:
            return line.startswith("PRIVMSG ivy lina ") and line.endswith(" psst")

        # ivy sent psst without waiting for her room line to be seen: the
        # room and the conversation keep no order between them, so psst may
        # have come first.
        if not [line for line in lina.lines if psst(line)]:
            yield lina.expect(psst)
        lina.say("from the line on two")
        yield ivy.expect_line(":lina!lina@chatroom PRIVMSG #tea :from the line on two")
        other = yield connectProtocol(
            TCP4ClientEndpoint(
                reactor, "127.0.0.1", one.doors["irc"].port.getHost().port
            ),
            LineClient(),
        )
        self.clients.append(other)
        other.say("NICK LINA")
        other.say("USER x 0 * :x")
        yield other.expect(lambda line: " 433 * LINA " in line)

        http_port = one.doors["http"].port.getHost().port
        response = yield Agent(reactor).request(
            b"GET", f"http://127.0.0.1:{http_port}/metrics".encode()
        )
        body = yield readBody(response)
        samples = {
            sample.name: sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
            if not sample.labels
        }
        self.assertGreater(samples["chatroom_redis_round_trip_seconds_count"], 0)
        self.assertEqual(samples["chatroom_rooms"], 2)  # general and tea

    @defer.inlineCallbacks
    def test_irc_moderation_across_nodes(self):
        """An IRC owner on one node ops an IRC user on the other, who then
        kicks a line user there; operators show as @ in NAMES; a kicked IRC
        user is out of the channel on its own node."""
        one = yield self.node("--irc", LOCAL)
        two = yield self.node("--irc", LOCAL)
        ivy = yield self.irc_client(one, "ivy")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: line.endswith(":@ivy"))
        lina = yield self.client(two, "lina")
        lina.say("/join tea")
        yield lina.expect_line("MEMBERS tea ivy lina")
        ian = yield self.irc_client(two, "ian")
        ian.say("JOIN #tea")
        yield ivy.expect_line(":ian!ian@chatroom JOIN :#tea")
        ivy.say("MODE #tea +o ian")
        yield lina.expect_line("OP tea ian ivy")
        ian.say("NAMES #tea")
        yield ian.expect(lambda line: " 353 ian = #tea :@ivy lina @ian" in line)
        ian.say("KICK #tea lina :out")
        self.assertEqual((yield lina.expect_line("KICKED ")), "KICKED tea ian out")
        yield lina.expect_line("ROOMS ")
        yield ivy.expect_line(":ian!ian@chatroom KICK #tea lina :out")
        ivy.say("KICK #tea ian :bye")
        yield ian.expect_line(":ivy!ivy@chatroom KICK #tea ian :bye")
        ian.say("PRIVMSG #tea :still here?")
        yield ian.expect(lambda line: " 404 " in line)

    @defer.inlineCallbacks
    def test_irc_notice_across_nodes(self):
        """A NOTICE, to a channel or to a nick, crosses Redis as a NOTICE:
        its tag travels with the shared message (a line user sees a MSG)."""
        one = yield self.node("--irc", LOCAL)
        two = yield self.node("--irc", LOCAL)
        ivy = yield self.irc_client(one, "ivy")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: line.endswith(":@ivy"))
        ian = yield self.irc_client(two, "ian")
        ian.say("JOIN #tea")
        yield ivy.expect_line(":ian!ian@chatroom JOIN :#tea")
        lina = yield self.client(two, "lina")
        lina.say("/join tea")
        yield lina.expect_line("MEMBERS tea")
        ivy.say("NOTICE #tea :to the room")
        yield ian.expect_line(":ivy!ivy@chatroom NOTICE #tea :to the room")
        said = yield lina.expect_line("MSG tea ivy ")
        self.assertTrue(said.endswith(" to the room"), said)
        ivy.say("NOTICE ian :to you")
        yield ian.expect_line(":ivy!ivy@chatroom NOTICE ian :to you")

    @defer.inlineCallbacks
    def test_ircv3_history_across_nodes(self):
        """On the Redis registry, a line user's messages on one node reach an
        IRCv3 client on the other with their time and msgid, replayed as the
        original PRIVMSGs in a chathistory batch, and CHATHISTORY pages them."""
        one = yield self.node("--irc", LOCAL)
        two = yield self.node()
        lina = yield self.client(two, "lina")
        lina.say("/create tea")
        yield lina.expect_line("MEMBERS tea")
        lina.say("/caps ids")
        for text in ("first", "second", "third"):
            lina.say(text)
            yield lina.expect(lambda line, t=text: line.endswith(" " + t))
        port = (yield one.doors["irc"].whenListening()).getHost().port
        ivy = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", port), LineClient()
        )
        self.clients.append(ivy)
        ivy.say("CAP REQ :batch server-time message-tags")
        ivy.say("NICK ivy")
        ivy.say("USER ivy 0 * :ivy")
        ivy.say("CAP END")
        yield ivy.expect(lambda line: " 376 " in line)
        ivy.say("JOIN #tea")
        start = yield ivy.expect(lambda line: " BATCH +" in line)
        self.assertTrue(start.endswith(" chathistory #tea"), start)
        first = yield ivy.expect(lambda line: "PRIVMSG #tea :first" in line)
        tags = dict(t.partition("=")[::2] for t in first[1:].split(" ")[0].split(";"))
        msgids = MsgIds(lambda: redis_backend(one.server).store_epoch)
        self.assertEqual(tags["msgid"], msgids.of("tea", 1))
        self.assertTrue(tags["time"].startswith("20"), first)
        yield ivy.expect(lambda line: " BATCH -" in line)
        ivy.say(f"CHATHISTORY BEFORE #tea msgid={msgids.of('tea', 3)} 1")
        yield ivy.expect(lambda line: " BATCH +" in line)
        second = yield ivy.expect(lambda line: "PRIVMSG" in line)
        self.assertTrue(second.endswith(":lina!lina@chatroom PRIVMSG #tea :second"))
