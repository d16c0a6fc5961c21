"""An account's IRC sessions on two nodes are its devices as on one server.

What one session of an account does that its other sessions are told
(``MARKREAD`` with ``draft/read-marker``, the copy of a ``PRIVMSG`` it
sent) reaches a session on the other node as it reaches one beside it:
once, with the same words. Each test runs twice, with the same
assertions: the account's two sessions on two Redis-backed nodes (real
sockets, one real ``redis-server``), and on one server alone (no Redis).
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import LineClient

LOCAL = "tcp:0:interface=127.0.0.1"
PASSWORD = "sesame-sesame"
STAMP = "2022-11-11T11:11:11.111Z"
MARKER = "draft/read-marker"


class IRCDevicesAcrossNodesTests(ClusterTestCase):
    """alice's first session on the first node, her second on the other;
    bob beside the first."""

    @defer.inlineCallbacks
    def sessions(self, caps: str = ""):
        """alice registered by her first session (which joined #tea), then
        signed in again on the other node; bob (in #tea too) on the first."""
        one, two = yield self.two_places("--irc", LOCAL)
        first = yield self.irc_client(one, "alice", caps)
        first.say(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
        yield first.expect(lambda line: " 900 " in line)  # signed in to it
        first.say("JOIN #tea")
        yield first.expect(lambda line: " 366 " in line)
        bob = yield self.irc_client(one, "bob")
        bob.say("JOIN #tea")
        yield bob.expect(lambda line: " 366 " in line)
        second = yield self.irc_client(two, "alice", caps, password=PASSWORD)
        yield second.expect(lambda line: " 366 alice #tea " in line)
        return first, second, bob

    @staticmethod
    @defer.inlineCallbacks
    def settled(client: LineClient, token: str):
        """What ``client`` got until the answer to a ``PING`` sent now."""
        before = len(client.lines)
        client.say(f"PING :{token}")
        yield client.expect(lambda line: line.endswith(f"PONG chatroom :{token}"))
        return client.lines[before:]

    @defer.inlineCallbacks
    def test_a_markread_reaches_the_session_on_the_other_node(self):
        """A MARKREAD on one session is told to the other, wherever it is,
        once, with the time the first said (irctest read_marker
        testReadMarkerPropagatedToOtherSessions)."""
        first, second, _bob = yield self.sessions(MARKER)
        first.say(f"MARKREAD #tea timestamp={STAMP}")
        told = f":chatroom MARKREAD #tea timestamp={STAMP}"
        yield first.expect(lambda line: line == told)
        self.assertEqual((yield second.expect(lambda line: "MARKREAD" in line)), told)
        later = yield self.settled(second, "marked")
        self.assertEqual([line for line in later if "MARKREAD" in line], [])

    @defer.inlineCallbacks
    def test_a_private_message_reaches_the_other_session(self):
        """A PRIVMSG one session sends to bob reaches him once and shows on
        the account's other session, wherever it is, as its sender's."""
        first, second, bob = yield self.sessions()
        first.say("PRIVMSG bob :psst")
        said = ":alice!alice@chatroom PRIVMSG bob :psst"
        yield bob.expect(lambda line: line.endswith(said))
        copy = yield second.expect(lambda line: "PRIVMSG" in line)
        self.assertTrue(copy.endswith(said), copy)
        later = yield self.settled(bob, "said")
        self.assertEqual([line for line in later if "PRIVMSG" in line], [])


class IRCDevicesOnOneServerTests(IRCDevicesAcrossNodesTests):
    """The same sessions, all on one server."""

    spread = False
