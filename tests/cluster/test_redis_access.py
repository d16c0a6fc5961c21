"""How a node reaches Redis: TLS with a trusted authority, a password, a database."""

from __future__ import annotations

import socket

from twisted.internet import defer
from twisted.python.filepath import FilePath

from chatroom.net.tcpdirect import TurnWriter
from tests.cluster.support import ClusterTestCase
from tests.integration.test_server import write_self_signed
from tests.support import redis_backend


class RedisOverTLSTests(ClusterTestCase):
    """Redis serves TLS only, with a certificate the test makes."""

    def tls_files(self) -> tuple[str, str]:
        key, certificate = write_self_signed(FilePath(self.mktemp()))
        return certificate.path, key.path

    @defer.inlineCallbacks
    def test_chat_through_redis_over_tls(self):
        """Trusting the certificate (``?ca=``), two nodes chat through Redis."""
        self.assertTrue(self.redis_url.startswith("rediss://"))
        _one, _two, alice, bob = yield self.alice_and_bob_in()
        bob.say("sealed")
        line = yield alice.expect_line("MSG general bob ")
        self.assertTrue(line.endswith(" sealed"))
        # Under TLS the commands go through Twisted's transport as it is.
        transport = redis_backend(_one.server).commands.connection.transport
        self.assertNotIsInstance(transport, TurnWriter)

    @defer.inlineCallbacks
    def test_untrusted_certificate_is_refused(self):
        """Without the authority, the node does not talk to that Redis at all."""
        trusted = self.redis_url
        self.redis_url = trusted.partition("?")[0]  # the system's authorities only
        doubter = yield self.node(wait=False)
        self.redis_url = trusted
        yield self.node()  # started later, and in the cluster already
        self.assertFalse(redis_backend(doubter.server).available)
        alice = yield self.client(doubter)
        alice.say("alice")
        refused = yield alice.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR UNAVAILABLE "))


class RedisLinksTests(ClusterTestCase):
    """A node's connections to Redis."""

    @defer.inlineCallbacks
    def test_the_links_send_without_waiting_for_acknowledgements(self):
        """Nagle's algorithm is off on both links (``TCP_NODELAY``): a
        turn's commands reach Redis at once, not held in the node's kernel
        until Redis has answered the last turn's."""
        node = yield self.node()
        backend = redis_backend(node.server)
        for link in (backend.commands, backend.subscriber):
            sock = link.connection.transport.socket
            self.assertEqual(
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1, link
            )


class RedisWithPasswordTests(ClusterTestCase):
    """Redis asks for a password; the URL gives it, and picks a database."""

    redis_password = "s3cret word"

    @defer.inlineCallbacks
    def test_password_and_database_from_the_url(self):
        """``redis://:password@host:port/db`` authenticates and selects the db."""
        port = self.redis.port
        self.redis_url = f"redis://:s3cret%20word@127.0.0.1:{port}/3"
        node = yield self.node()
        alice = yield self.client(node, "alice")
        alice.say("/list")
        yield alice.expect_line("ROOMS 1")
        keys = yield redis_backend(node.server).commands.connection.execute_command(
            "KEYS", "*"
        )
        self.assertIn(b"chatroom:users", keys)  # in database 3, where we are
        # AUTH and SELECT went first, in the first turn's one send().
        transport = redis_backend(node.server).commands.connection.transport
        self.assertIsInstance(transport, TurnWriter)
        yield redis_backend(node.server).commands.connection.execute_command(
            "SELECT", "0"
        )
        keys = yield redis_backend(node.server).commands.connection.execute_command(
            "KEYS", "*"
        )
        self.assertEqual(keys, [])

    @defer.inlineCallbacks
    def test_wrong_password_is_unavailable(self):
        """A wrong password never gets in: users hear UNAVAILABLE."""
        self.redis_url = f"redis://:wrong@127.0.0.1:{self.redis.port}/0"
        locked_out = yield self.node(wait=False)
        self.redis_url = f"redis://:s3cret%20word@127.0.0.1:{self.redis.port}/0"
        yield self.node()  # started later, and in the cluster already
        self.assertFalse(redis_backend(locked_out.server).available)
        alice = yield self.client(locked_out)
        alice.say("alice")
        refused = yield alice.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR UNAVAILABLE "))
