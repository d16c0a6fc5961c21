"""IRCv3 at the IRC door over real sockets, against the real service.

Each refusal and limit of :mod:`tests.doors.irc.test_ircv3` and
:mod:`tests.doors.irc.test_ircv3_history` once more through TCP: capability
negotiation, echo and labels, CHATHISTORY's refusals, multiline limits,
and a line user's 4,000-byte message reaching IRC as lines of at most 512
bytes.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.doors.irc.test_ircv3 import tags_of, untagged
from tests.integration.test_doors import DoorsTestCase
from tests.integration.test_irc_ports import cap_ls
from tests.support import LineClient

CAPS = "batch draft/chathistory echo-message labeled-response message-tags server-time"


class IRCv3SocketTests(DoorsTestCase):
    """One capable IRC client and a line user in #general."""

    @defer.inlineCallbacks
    def capped(self, nick: str):
        """An IRC client with :data:`CAPS`, registered, in #general."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        offered = yield cap_ls(client)
        self.assertIn("sasl=PLAIN,SCRAM-SHA-256", offered)
        client.say("CAP REQ :bogus server-time")
        yield client.expect(lambda line: line.endswith("CAP * NAK :bogus server-time"))
        client.say(f"CAP REQ :{CAPS}")
        yield client.expect(lambda line: line.endswith(f"CAP * ACK :{CAPS}"))
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line)
        client.say("JOIN #general")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def test_long_line_split_and_echo_labeled(self):
        """A 4,000-byte line message reaches IRC as several PRIVMSGs of at most
        512 bytes besides tags, the first with the msgid; the client's own
        labeled message comes back once, labeled."""
        ivy = yield self.capped("ivy")
        lina = yield self.client("lina")
        lina.say("/join general")
        yield lina.expect_line("MEMBERS general")
        text = " ".join(f"wörd{n}" for n in range(440))  # 3,849 bytes
        self.assertLess(len(text.encode("utf-8")), 4000)
        lina.say(text)
        first = yield ivy.expect(lambda line: "PRIVMSG #general" in line)
        self.assertIn("msgid", tags_of(first))
        self.assertIn("time", tags_of(first))
        pieces = [first]
        while "".join(untagged(p).split(" :", 1)[1] for p in pieces) != text:
            piece = yield ivy.expect(lambda line: "PRIVMSG #general" in line)
            pieces.append(piece)
        for piece in pieces:
            self.assertLessEqual(len(untagged(piece).encode("utf-8")) + 2, 512)
        self.assertGreater(len(pieces), 7)
        ivy.say("@label=L1 PRIVMSG #general :hi lina")
        echo = yield ivy.expect(lambda line: "hi lina" in line)
        self.assertEqual(tags_of(echo)["label"], "L1")
        yield lina.expect(lambda line: line.endswith(" hi lina"))

    @defer.inlineCallbacks
    def test_chathistory_and_refusals(self):
        """CHATHISTORY LATEST answers in a batch with the original lines;
        bad requests are FAIL with the specification's codes; a multiline
        batch from a client without draft/multiline is refused."""
        lina = yield self.client("lina")
        lina.say("/join general")
        yield lina.expect_line("MEMBERS general")
        lina.say("remember me")
        yield lina.expect(lambda line: line.endswith(" remember me"))
        ivy = yield self.capped("ivy")
        ivy.say("CHATHISTORY LATEST #general * 10")
        start = yield ivy.expect(lambda line: " BATCH +" in line)
        self.assertTrue(start.endswith(" chathistory #general"), start)
        said = yield ivy.expect(lambda line: "PRIVMSG" in line)
        self.assertEqual(
            untagged(said), ":lina!lina@chatroom PRIVMSG #general :remember me"
        )
        yield ivy.expect(lambda line: " BATCH -" in line)
        for request, code in (
            ("LATEST #elsewhere * 10", "INVALID_TARGET LATEST #elsewhere"),
            ("LATEST #general *", "NEED_MORE_PARAMS LATEST"),
            ("BEFORE #general msgid=abc 5", "INVALID_PARAMS BEFORE"),
            ("NEVER #general * 5", "INVALID_PARAMS NEVER"),
        ):
            ivy.say(f"CHATHISTORY {request}")
            yield ivy.expect(lambda line, c=code: f" FAIL CHATHISTORY {c} " in line)
        ivy.say("BATCH +x draft/multiline #general")
        yield ivy.expect(lambda line: " FAIL BATCH INVALID_TYPE " in line)
