"""A node bounds the sign-ons it has in flight (``--signons-in-flight``),
on real sockets and a real Redis: while Redis holds a name's claim, a
further name waits, the line port stops accepting, and a newcomer is
greeted once a sign-on has ended."""

from __future__ import annotations

from twisted.internet import defer, reactor

from tests.cluster.sentinels import ask
from tests.cluster.support import ClusterTestCase
from tests.support import connect_client, port_of, redis_backend, until

#: How long Redis's writes pause at most (ms), if the test does not end
#: the pause first.
PAUSE_MS = "20000"


class SignOnStormTests(ClusterTestCase):
    """One sign-on in flight at most."""

    @defer.inlineCallbacks
    def test_past_the_limit_the_port_waits_for_a_sign_on_to_end(self):
        """Redis pauses its writes (``CLIENT PAUSE``): alice's claim waits
        in Redis, bob's name waits in the node, and the line port stops
        accepting; carol's connection waits in the kernel's backlog. Once
        Redis runs again, alice and bob are welcomed, and carol is greeted
        and signs on; the port accepts again."""
        # The pause lasts until the test ends it, however slowly a loaded
        # machine brings bob's name (a pause of fixed length could end
        # first); PAUSE_MS is only a backstop, well within the
        # heartbeat's TTL and the calls' timeout, so that nothing but the
        # sign-ons waits for it.
        node = yield self.node(
            "--signons-in-flight", "1", "--node-ttl", "60", "--redis-timeout", "30"
        )
        listening = node.listener.port
        port = port_of(listening)
        signons = node.server.signons
        alice = yield connect_client(reactor, port)
        bob = yield connect_client(reactor, port)
        # From another connection than the commands link's, after the
        # greetings (which may read the server bans).
        heartbeat = redis_backend(node.server).calls.heartbeat.connection
        yield heartbeat.execute_command("CLIENT", "PAUSE", PAUSE_MS, "WRITE")
        self.addCleanup(ask, self.redis.port, "CLIENT", "UNPAUSE")
        alice.say("alice")
        bob.say("bob")
        yield until(
            lambda: defer.succeed(signons.waiting() == 1), 20, "bob's name waits"
        )
        self.assertNotIn(listening, reactor.getReaders())
        carol_connecting = connect_client(reactor, port)
        yield ask(self.redis.port, "CLIENT", "UNPAUSE")  # Redis runs again
        yield alice.expect_line("WELCOME alice")
        yield bob.expect_line("WELCOME bob")
        carol = yield carol_connecting
        carol.say("carol")
        yield carol.expect_line("WELCOME carol")
        yield until(lambda: defer.succeed(not signons), 5, "carol's sign-on ends")
        self.assertIn(listening, reactor.getReaders())
        self.assertEqual(signons.shut_times, 1)
