"""MONITOR's live notices and LUSERS' counts are the whole cluster's.

An IRC user on one Redis-backed node monitors a nick that comes, goes and
changes on another (``730``, ``731``, extended-monitor's ``AWAY``), and
asks ``LUSERS`` while users connect, quit, and die with their node (real
sockets, a real ``redis-server``; the node that dies is a real ``twistd``
killed with ``SIGKILL``). The counts are exact at once, not eventually:
each node writes its own before it answers the user whose change it was.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from chatroom.core.server.census import Census
from tests.cluster.support import ClusterTestCase
from tests.support import LineClient, connect_client, redis_backend

LOCAL = "tcp:0:interface=127.0.0.1"


class WatchingCase(ClusterTestCase):
    """Questions an IRC client asks, answered in full."""

    @defer.inlineCallbacks
    def ask(self, client: LineClient, question: str):
        """The lines ``question`` answers, up to its ``PONG``."""
        before = len(client.lines)
        client.say(question)
        client.say("PING :asked")
        yield client.expect(lambda line: line.endswith("PONG chatroom :asked"))
        return [line for line in client.lines[before:] if " PONG " not in line]

    @defer.inlineCallbacks
    def lusers(self, client: LineClient):
        """(visible, invisible, unknown, this node's users, every node's)."""
        answer = yield self.ask(client, "LUSERS")
        words = answer[0].split()
        unknown = next((line.split()[3] for line in answer if " 253 " in line), "0")
        local, every = answer[-2].split()[-1], answer[-1].split()[-1]
        return int(words[5]), int(words[8]), int(unknown), int(local), int(every)


class WatchedAcrossNodesTests(WatchingCase):
    """ivy on the first node, ian on the second."""

    def hears(self, ivy: LineClient, ian: LineClient, command: str, line: str):
        """ian says ``command``: fires once ivy is told ``line``."""
        ian.say(command)
        return ivy.expect(lambda got: got == line)

    @defer.inlineCallbacks
    def test_a_watcher_hears_a_nick_of_the_other_node_come_and_go(self):
        """ivy monitors ian: 731; ian signs on at the other node: 730; he
        becomes ianx: 731; ianx back to ian: 730; ian quits: 731."""
        one, two = yield self.start_nodes(2, "--irc", LOCAL)
        ivy = yield self.irc_client(one, "ivy")
        answer = yield self.ask(ivy, "MONITOR + ian")
        self.assertEqual(answer, [":chatroom 731 ivy :ian"])
        ian = yield self.irc_client(two, "ian")
        yield ivy.expect(lambda line: line == ":chatroom 730 ivy :ian!ian@chatroom")
        yield self.hears(ivy, ian, "NICK ianx", ":chatroom 731 ivy :ian")
        yield self.hears(ivy, ian, "NICK ian", ":chatroom 730 ivy :ian!ian@chatroom")
        yield self.hears(ivy, ian, "QUIT :bye", ":chatroom 731 ivy :ian")

    @defer.inlineCallbacks
    def test_extended_monitor_hears_the_other_nodes_away(self):
        """ivy (extended-monitor, away-notify) monitors ian, on the other
        node and in no channel with her: his AWAY and his return reach
        her."""
        one, two = yield self.start_nodes(2, "--irc", LOCAL)
        ivy = yield self.irc_client(one, "ivy", caps="extended-monitor away-notify")
        yield self.ask(ivy, "MONITOR + ian")
        ian = yield self.irc_client(two, "ian")
        yield ivy.expect(lambda line: " 730 " in line)
        yield self.hears(ivy, ian, "AWAY :lunch", ":ian!ian@chatroom AWAY :lunch")
        yield self.hears(ivy, ian, "AWAY", ":ian!ian@chatroom AWAY")

    @defer.inlineCallbacks
    def test_lusers_counts_both_nodes_at_once(self):
        """LUSERS at the first node counts the second's users as they
        connect and quit, and a connection there not registered yet
        (253), with no wait: 255/265 count the asking node's own."""
        one, two = yield self.start_nodes(2, "--irc", LOCAL)
        ivy = yield self.irc_client(one, "ivy")
        self.assertEqual((yield self.lusers(ivy)), (1, 0, 0, 1, 1))
        ian = yield self.irc_client(two, "ian")
        ian.say("MODE ian +i")
        yield ian.expect(lambda line: " MODE ian " in line)
        self.assertEqual((yield self.lusers(ivy)), (1, 1, 0, 1, 2))
        port = (yield two.doors["irc"].whenListening()).getHost().port
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        half = yield connectProtocol(endpoint, LineClient())
        self.clients.append(half)
        half.say("NICK half")
        half.say("PING :synchronised")
        yield half.expect(lambda line: " 451 " in line or " PONG " in line)
        self.assertEqual((yield self.lusers(ivy)), (1, 1, 1, 1, 2))
        ian.say("QUIT :bye")
        yield ian.expect(lambda line: line.startswith("ERROR"))
        # The goodbye's close waits for the count (the ERROR goes first):
        # once ian's connection closes, every node counts him out.
        yield ian.closed
        self.assertEqual((yield self.lusers(ivy)), (1, 0, 1, 1, 1))


class HarvestedNodeTests(WatchingCase):
    """A node killed with its users: the survivor's watchers and LUSERS."""

    timeout = 30

    @defer.inlineCallbacks
    def test_a_dead_nodes_users_go_offline_and_uncounted(self):
        """carol (line door) is on a node that is killed: ivy, monitoring
        her from the survivor, hears 731 once the survivor harvests it,
        and LUSERS there counts ivy alone from then on; the harvest drops
        the dead node's counts from Redis."""
        survivor = yield self.node("--irc", LOCAL)
        process, port = yield self.doomed_node()
        ivy = yield self.irc_client(survivor, "ivy")
        yield self.ask(ivy, "MONITOR + carol")
        carol = yield connect_client(reactor, port, "carol")
        self.clients.append(carol)
        yield ivy.expect(lambda line: " 730 ivy :carol!" in line)
        counts = yield self.lusers(ivy)
        self.assertEqual(counts, (2, 0, 0, 1, 2))

        assert process.transport is not None
        process.transport.signalProcess("KILL")
        yield ivy.expect(lambda line: line == ":chatroom 731 ivy :carol")
        counts = yield self.lusers(ivy)
        self.assertEqual(counts, (1, 0, 0, 1, 1))
        backend = redis_backend(survivor.server)
        fields = yield backend.calls.command("HKEYS", backend.server.census.key)
        self.assertEqual(fields, [b"node1"])
        self.assertEqual(backend.server.census.here, Census(1, 0, 0))
