"""Whether a node whose heartbeat stopped is gone: the rule, on a fake clock.

A real ``redis-server`` holds the heartbeat keys and the connections;
:class:`~chatroom.backends.redis.liveness.Liveness` judges on a
``task.Clock``, so its grace passes when the test says. ``ghost``'s
process is a connection of the test's named as a node names its own.
"""

from __future__ import annotations

import txredisapi
from twisted.internet import defer, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.trial import unittest

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.liveness import Liveness, client_name, named_nodes
from chatroom.redisclient.addresses import RedisAddress
from chatroom.redisclient.link import RedisLink
from tests.cluster.sentinels import ask
from tests.cluster.support import RedisTestCase
from tests.support import log_lines, until

PREFIX = "chatroom:"

#: ``--stall-grace`` of these tests, in seconds.
GRACE = 60.0

LISTING = (
    b"id=3 addr=127.0.0.1:50 laddr=127.0.0.1:6379 fd=8 name=chatroom:node:one "
    b"age=9 idle=0 flags=N db=0 cmd=evalsha user=default\n"
    b"id=4 addr=127.0.0.1:51 laddr=127.0.0.1:6379 fd=9 name= age=1 idle=0 "
    b"flags=N db=0 cmd=client|list user=default\n"
    b"id=5 addr=127.0.0.1:52 laddr=127.0.0.1:6379 fd=10 name=other:node:two "
    b"age=9 idle=0 flags=N db=0 cmd=get user=default\n"
)


class NamedNodesTests(unittest.TestCase):
    """Which nodes ``CLIENT LIST`` shows connected."""

    def test_only_this_chats_named_connections_count(self) -> None:
        """A connection named by a node of this chat (its prefix) counts;
        one unnamed, or another chat's, does not."""
        self.assertEqual(named_nodes(LISTING, PREFIX), {"one"})
        self.assertEqual(named_nodes(LISTING, "other:"), {"two"})
        self.assertEqual(named_nodes(b"", PREFIX), set())


class LivenessTests(RedisTestCase):
    """ghost's heartbeat key has expired (it never had one here): the
    judge on a fake clock, with ghost's connection open or closed."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        address = RedisAddress.parse(self.redis_url)
        commands = RedisLink(reactor, address, "commands")
        subscriber = RedisLink(reactor, address, "subscriber", subscriber=True)
        heartbeat = RedisLink(reactor, address, "heartbeat")
        links = [commands, subscriber, heartbeat]
        for link in links:
            link.startService()
            self.addCleanup(link.stopService)
        self.clock = task.Clock()
        self.calls = RedisCalls(
            commands, subscriber, heartbeat, PREFIX, 5.0, self.clock
        )
        self.calls.serving = True
        yield until(
            lambda: defer.succeed(all(link.connection for link in links)),
            10,
            "links up",
        )
        self.liveness = Liveness(self.calls, self.clock, PREFIX, 15.0, GRACE)

    @defer.inlineCallbacks
    def ghost(self):
        """ghost's process: a connection to Redis named as its node's are."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.redis.port)
        connection = txredisapi.RedisProtocol(charset=None, convertNumbers=False)
        yield connectProtocol(endpoint, connection)
        yield connection.execute_command(
            "CLIENT", "SETNAME", client_name(PREFIX, "ghost")
        )
        self.addCleanup(connection.transport.loseConnection)
        return connection

    def gone(self) -> defer.Deferred[dict[str, str]]:
        return defer.Deferred.fromCoroutine(self.liveness.gone(["ghost"]))

    @defer.inlineCallbacks
    def test_a_node_without_a_connection_is_gone_at_once(self):
        """No connection of ghost's: it is gone, with no grace."""
        verdicts = yield self.gone()
        self.assertEqual(list(verdicts), ["ghost"])
        self.assertIn("no connection", verdicts["ghost"])
        self.assertEqual(
            (yield ask(self.redis.port, "EXISTS", "chatroom:stalled:ghost")), 0
        )

    @defer.inlineCallbacks
    def test_a_connected_node_is_waited_for_until_its_grace_is_over(self):
        """ghost's connection open: left alone until --stall-grace has
        passed since it was first found so, then gone."""
        self.clock.advance(1000)
        yield self.ghost()
        self.assertEqual((yield self.gone()), {})
        self.clock.advance(GRACE - 1)
        self.assertEqual((yield self.gone()), {})
        self.clock.advance(1)
        verdicts = yield self.gone()
        self.assertEqual(list(verdicts), ["ghost"])
        self.assertIn("--stall-grace", verdicts["ghost"])

    @defer.inlineCallbacks
    def test_the_grace_counts_from_the_first_node_to_find_it(self):
        """Another node found ghost stalled 50 s ago (its mark): this one
        waits only the rest of the grace."""
        self.clock.advance(1000)
        yield self.ghost()
        found = int((self.clock.seconds() - 50) * 1000)
        yield ask(self.redis.port, "SET", "chatroom:stalled:ghost", found)
        self.assertEqual((yield self.gone()), {})
        self.clock.advance(GRACE - 50)
        self.assertEqual(list((yield self.gone())), ["ghost"])

    @defer.inlineCallbacks
    def test_a_stalled_node_that_dies_is_gone_at_once(self):
        """ghost stalled, then its process dies (its connection closes):
        gone at the next judgement, within its grace."""
        connection = yield self.ghost()
        self.assertEqual((yield self.gone()), {})
        connection.transport.loseConnection()
        yield until(
            lambda: defer.ensureDeferred(self.liveness.connected()).addCallback(
                lambda connected: "ghost" not in connected
            ),
            10,
            "ghost's connection gone",
        )
        self.clock.advance(1)
        self.assertEqual(list((yield self.gone())), ["ghost"])

    @defer.inlineCallbacks
    def test_a_node_beating_again_is_not_gone(self):
        """ghost's heartbeat back (its key set) after its grace: not gone."""
        yield self.ghost()
        self.assertEqual((yield self.gone()), {})
        self.clock.advance(GRACE * 2)
        yield ask(self.redis.port, "SET", "chatroom:alive:ghost", "1")
        self.assertEqual((yield self.gone()), {})

    @defer.inlineCallbacks
    def test_a_redis_refusing_client_list_shows_no_connection(self):
        """A Redis whose ACL refuses ``CLIENT LIST``: ghost, connected, is
        gone at once (as if it held no connection), and the log says why,
        once."""
        log = log_lines(self)
        yield self.ghost()
        yield ask(self.redis.port, "ACL", "SETUSER", "default", "-client|list")
        self.assertEqual(list((yield self.gone())), ["ghost"])
        self.assertEqual(list((yield self.gone())), ["ghost"])
        refused = [line for line in log if "refused CLIENT LIST" in line]
        self.assertEqual(len(refused), 1)
