"""Guessing slowed across nodes: one count for the whole cluster.

Two real nodes share one real redis-server; wrong passwords (and wrong
reset codes) spread over both meet the back-off one server alone sets,
counted in Redis as each attempt arrives, before its password is hashed.
Loopback has many addresses (127.0.0.0/8), so each guesser binds its own
where a test needs many.
"""

from __future__ import annotations

import re
from typing import Any

from twisted.internet import defer, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.cluster.redis_cluster import RedisClusterTestCase
from tests.cluster.support import ClusterTestCase, HeldClock
from tests.support import LineClient

PASSWORD = "tea-and-biscuits"
#: Where alice registered from, on the first node.
OWNER = "127.0.0.5"


class Guessing:
    """Guessers bound to addresses of their own, on a cluster's nodes
    (mixed in before a :class:`ClusterTestCase`)."""

    clients: list[LineClient]
    port_of: Any
    start_nodes: Any
    _held_clock: HeldClock | None = None

    @property
    def node_reactor(self) -> HeldClock:
        """The nodes' reactor, whose time :meth:`at_once` holds still."""
        if self._held_clock is None:
            self._held_clock = HeldClock()
        return self._held_clock

    @defer.inlineCallbacks
    def line_from(self, node: Any, address: str) -> Any:
        """A line client of ``node`` whose socket is bound to ``address``."""
        endpoint = TCP4ClientEndpoint(
            reactor, "127.0.0.1", self.port_of(node), bindAddress=(address, 0)
        )
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        yield client.expect_line("HELLO ")
        return client

    @defer.inlineCallbacks
    def two_nodes_and_alice(self, *options: str) -> Any:
        nodes = yield self.start_nodes(2, *options)
        owner = yield self.line_from(nodes[0], OWNER)
        owner.say(f"/register alice {PASSWORD}")
        yield owner.expect_line("REGISTERED alice")
        return nodes

    @defer.inlineCallbacks
    def at_once(self, nodes: list[Any], lines: list[str], address: Any) -> Any:
        """Each of ``lines`` sent at the same moment by a client of its own,
        the clients taking turns on ``nodes`` (the n-th bound to
        ``address(n)``); the first ``ERR`` each gets back. The nodes' time
        is held still meanwhile: every line counted at one moment, as
        lines sent together are on a machine with time to spare (a loaded
        one may take longer than a back-off's first wait to deliver them)."""
        clients = []
        for n in range(len(lines)):
            clients.append((yield self.line_from(nodes[n % len(nodes)], address(n))))
        self.node_reactor.hold()
        try:
            for client, line in zip(clients, lines, strict=True):
                client.say(line)
            replies = yield defer.gatherResults(
                [c.expect_line("ERR ") for c in clients]
            )
        finally:
            self.node_reactor.release()
        return replies

    @defer.inlineCallbacks
    def test_forty_guesses_over_two_nodes_from_forty_addresses(self) -> Any:
        """Forty wrong passwords for alice, from forty addresses, sent at
        once, half to each node: 5 are checked (the name's free tries), 35
        are refused RATE_LIMITED for the name, as on one server."""
        nodes = yield self.two_nodes_and_alice()
        guesses = [f"/login alice guess-number-{n}" for n in range(40)]
        replies = yield self.at_once(nodes, guesses, lambda n: f"127.0.1.{n + 1}")
        checked = [r for r in replies if r.startswith("ERR BAD_PASSWORD")]
        refused = [r for r in replies if r.startswith("ERR RATE_LIMITED")]
        self.assertEqual((len(checked), len(refused)), (5, 35), replies)  # type: ignore[attr-defined]
        self.assertIn("for this name", refused[0])  # type: ignore[attr-defined]


class GuessesOnRedisClusterTests(Guessing, RedisClusterTestCase):
    """The same on a Redis Cluster of three primaries, rooms apart: the
    counts are the chat's keys, in its slot."""


class GuessesAcrossNodesTests(Guessing, ClusterTestCase):
    #: The owner's test may wait out the name's whole cap (60 s) after a
    #: storm's set-up.
    timeout = 150

    @defer.inlineCallbacks
    def test_forty_guesses_over_two_nodes_from_one_address(self) -> Any:
        """Forty wrong passwords from one address, half to each node, for
        names that do not exist and for alice: 5 are answered, 35 refused
        RATE_LIMITED from the address."""
        nodes = yield self.two_nodes_and_alice()
        guesses = [
            f"/login {'alice' if n % 3 else f'nobody{n}'} guess-number-{n}"
            for n in range(40)
        ]
        replies = yield self.at_once(nodes, guesses, lambda n: "127.0.2.1")
        refused = [r for r in replies if r.startswith("ERR RATE_LIMITED")]
        self.assertEqual(len(refused), 35, replies)
        self.assertIn("from your address", refused[0])

    @defer.inlineCallbacks
    def test_the_owner_waits_no_longer_than_the_names_cap(self) -> Any:
        """After a storm of guesses over both nodes, the owner signs in at
        once on the node it registered on (its address is known there),
        and on the other waits the wait it is told, at most the name's
        cap (60 s), then signs in."""
        nodes = yield self.two_nodes_and_alice()
        guesses = [f"/login alice guess-number-{n}" for n in range(20)]
        yield self.at_once(nodes, guesses, lambda n: f"127.0.1.{n + 1}")
        owner = yield self.line_from(nodes[0], OWNER)
        owner.say(f"/login alice {PASSWORD}")
        yield owner.expect_line("WELCOME alice")
        elsewhere = yield self.line_from(nodes[1], OWNER)
        elsewhere.say(f"/login alice {PASSWORD}")
        reply = yield elsewhere.expect(
            lambda line: line.startswith(("WELCOME", "ERR "))
        )
        if reply.startswith("ERR "):  # the name's count, shared: its wait told
            found = re.search(r"for this name: try again in (\d+) s", reply)
            self.assertIsNotNone(found, reply)
            assert found is not None
            wait = int(found.group(1))
            self.assertLessEqual(wait, 60, reply)
            yield task.deferLater(reactor, wait, lambda: None)
            elsewhere.say(f"/login alice {PASSWORD}")
            yield elsewhere.expect_line("WELCOME alice")

    @defer.inlineCallbacks
    def test_reset_codes_guessed_over_two_nodes(self) -> Any:
        """Twelve wrong reset codes for alice from one address, sent at
        once, half to each node: 5 are checked (BAD_CODE), 7 refused
        RATE_LIMITED, as on one server."""
        nodes = yield self.two_nodes_and_alice()
        guesses = [f"/reset alice {n:08d} new-password-{n}" for n in range(12)]
        replies = yield self.at_once(nodes, guesses, lambda n: "127.0.3.1")
        checked = [r for r in replies if r.startswith("ERR BAD_CODE")]
        refused = [r for r in replies if r.startswith("ERR RATE_LIMITED")]
        self.assertEqual((len(checked), len(refused)), (5, 7), replies)

    @defer.inlineCallbacks
    def test_no_guess_is_checked_while_redis_is_away(self) -> Any:
        """With Redis gone, a sign-in is answered UNAVAILABLE, never
        checked (BAD_PASSWORD would tell a guesser the password was tried
        uncounted), on either node."""
        nodes = yield self.two_nodes_and_alice()
        guessers = []
        for node in nodes:
            guessers.append((yield self.line_from(node, "127.0.4.1")))
        yield self.redis.stop()
        for n, guesser in enumerate(guessers):
            guesser.say(f"/login alice guess-number-{n}")
            reply = yield guesser.expect_line("ERR ")
            self.assertTrue(reply.startswith("ERR UNAVAILABLE "), reply)
