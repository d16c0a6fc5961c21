"""What Redis keeps for each IRC client a node signs in (issue 65: the
memory a crowd adds to the nodes plus Redis is at most 4 KiB a
connection, docs/performance.md, "Where the memory goes").

A real ``redis-server`` and a real node: enough IRC clients sign on first
that the chat's hashes of users are past Redis's small encoding (as with
any crowd), then more, and what Redis's keys hold (``MEMORY USAGE`` of
each) and how many there are is read before and after those.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.internet.task import deferLater

from tests.cluster.support import ClusterTestCase
from tests.support import redis_command

LOCAL = "tcp:0:interface=127.0.0.1"


class IRCSessionCostTests(ClusterTestCase):
    #: Signed on first: past ``hash-max-listpack-entries`` (512).
    WARM = 530
    #: Signed on and measured.
    MEASURED = 200

    @defer.inlineCallbacks
    def used(self, node):
        """What the chat's keys hold (``MEMORY USAGE`` of each, every field
        counted: ``SAMPLES 0``), and how many keys there are.

        Not ``MEMORY STATS``: its dataset is Redis's allocation less its
        clients' buffers, and between two readings the nodes' links'
        buffers grew or shrank by 20-60 KiB as often as not, which moved
        the figure by 100-300 bytes a client either way over the same run;
        the keys' own usage does not move with them."""
        keys = yield redis_command(node.server, "KEYS", "chatroom:*")
        held = 0
        for key in keys:
            held += yield redis_command(
                node.server, "MEMORY", "USAGE", key, "SAMPLES", 0
            )
        return held, len(keys)

    @defer.inlineCallbacks
    def test_an_irc_client_costs_redis_no_key_and_under_300_bytes(self):
        """Each IRC client signed in (its name, its session's entry in its
        node's index, its presence for ``WHO`` and ``WHOIS`` on every node)
        adds no key of its own to Redis (its presence a field of one hash,
        not a hash of its own), and under 300 bytes of its keys'
        memory (about 220 by ``MEMORY USAGE``); and another node's
        ``WHOIS`` still shows its USER name and realname, also where its
        node kept them as an older version did (a hash of its own, ``P
        presence:u``, in a cluster upgraded node by node), which goes with
        its name when it signs off."""
        one, two = yield self.start_nodes(2, "--irc", LOCAL, "--max-per-ip", "0")
        for n in range(self.WARM):
            yield self.irc_client(one, f"warm{n}", user=f"u{n}", real=f"Real {n}")
        before, keys_before = yield self.used(one)
        crowd = []
        for n in range(self.MEASURED):
            crowd.append(
                (
                    yield self.irc_client(
                        one, f"crowd{n}", user=f"u{n}", real=f"Real {n}"
                    )
                )
            )
        after, keys_after = yield self.used(one)
        self.assertLess((keys_after - keys_before) / self.MEASURED, 0.1)
        self.assertLess((after - before) / self.MEASURED, 300)
        asker = yield self.irc_client(two, "asker")
        asker.say("WHOIS crowd7")
        line = yield asker.expect(lambda line: " 311 asker crowd7 u7 " in line)
        self.assertTrue(line.endswith(":Real 7"), line)
        yield self.as_an_older_node_kept_it(one, asker, crowd[8])

    @defer.inlineCallbacks
    def as_an_older_node_kept_it(self, node, asker, crowd8):
        """crowd8's presence as an older node kept it: ``WHOIS`` shows it,
        and it goes when crowd8 signs off."""
        yield redis_command(node.server, "HDEL", "chatroom:presence", "crowd8")
        yield redis_command(
            node.server,
            "HSET", "chatroom:presence:crowd8",
            "user", "uold", "real", "Old 8", "away", "lunch",
            "bot", "", "inv", "", "since", "1795834294.5", "meta", "",
        )  # fmt: skip
        asker.say("WHOIS crowd8")
        line = yield asker.expect(lambda line: " 311 asker crowd8 " in line)
        self.assertIn(" 311 asker crowd8 uold ", line)
        self.assertTrue(line.endswith(":Old 8"), line)
        away = yield asker.expect(lambda line: " 301 asker crowd8 " in line)
        self.assertTrue(away.endswith(":lunch"), away)
        crowd8.say("QUIT :bye")
        yield crowd8.closed
        key = "chatroom:presence:crowd8"
        for _ in range(200):  # its release, on its node's next turns
            if not (yield redis_command(node.server, "EXISTS", key)):
                break
            yield deferLater(reactor, 0.05, lambda: None)
        self.assertEqual((yield redis_command(node.server, "EXISTS", key)), 0)
