"""Redis back without the last events the nodes saw (issue 35).

A failover to a replica the primary had not yet copied its last writes
to, or a restart from an older copy, brings Redis back *behind* the nodes:
they were handed events (published at once, before any replica had them)
that the new Redis never had, so it numbers the next events with the same
sequence numbers and ids again. Those next events are new, and some are
acknowledged: a node must take them as new, not as ones it already had.

Here a real ``redis-server`` is stopped with ``SIGKILL`` and started again
from a copy (``SAVE``) made before the last message, which the nodes had
delivered: the same state as the failover, made without racing one.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from twisted.internet import defer

from tests.cluster.sentinels import ask
from tests.cluster.support import ClusterTestCase, RedisProcess
from tests.support import redis_backend, until


def said(text: str) -> Callable[[str], bool]:
    """Whether a line (with its id: ``/caps ids``) is alice's ``text`` in tea."""
    return lambda line: (
        line.startswith("@")
        and line.endswith(f" MSG tea alice {line.split(' ')[4]} {text}")
    )


class RewoundRedisTests(ClusterTestCase):
    """Two nodes, and a Redis that comes back behind them."""

    node_options = ("--rate", "0", "--node-ttl", "15", "--redis-timeout", "2")

    @defer.inlineCallbacks
    def redis_that_saves(self):
        """Redis started again with a directory for ``SAVE``'s copy."""
        self.copy = os.path.abspath(self.mktemp())
        os.makedirs(self.copy)
        yield self.redis.stop()
        self.redis = RedisProcess(self.redis.port, options=("--dir", self.copy))
        yield self.redis.start()
        self.addCleanup(self.redis.stop)

    @defer.inlineCallbacks
    def rewound(self, nodes):
        """Redis killed (``SIGKILL``) and back from its last ``SAVE``, and
        the nodes serving again."""
        yield self.redis.stop()
        self.redis = RedisProcess(self.redis.port, options=("--dir", self.copy))
        yield self.redis.start()
        self.addCleanup(self.redis.stop)

        def serving():
            backends = [redis_backend(node.server) for node in nodes]
            return defer.succeed(all(backend.available for backend in backends))

        yield until(serving, 10, "the nodes serving again")

    @defer.inlineCallbacks
    def test_messages_after_a_rewind_reach_every_member(self):
        """Redis comes back without alice's last message, which bob was
        shown: alice's next messages are acknowledged to her and shown to
        bob, in order, each with an id neither has seen before."""
        yield self.redis_that_saves()
        one, two, alice, bob = yield self.alice_and_bob_in("tea")
        for client in (alice, bob):
            client.say("/caps ids")
            yield client.expect_line("CAPS ")
        alice.say("kept")
        yield bob.expect(said("kept"))
        yield ask(self.redis.port, "SAVE")
        alice.say("gone with Redis")
        yield alice.expect(said("gone with Redis"))
        yield bob.expect(said("gone with Redis"))

        yield self.rewound((one, two))  # a message behind
        for text in ("after the rewind", "and one more"):
            alice.say(text)
            yield alice.expect(said(text))
            yield bob.expect(said(text))
        bob.say("/history 10")
        yield bob.expect_line("HISTORY_END tea ")
        kept = [line.split(" ", 5)[5] for line in bob.lines if " HISTORY tea " in line]
        self.assertEqual(kept, ["kept", "after the rewind", "and one more"])
        for client in (alice, bob):
            ids = [
                line.split(" ", 1)[0]
                for line in client.lines
                if line.startswith("@") and " MSG tea alice " in line
            ]
            self.assertEqual(len(ids), 4, client.lines)
            self.assertEqual(len(set(ids)), 4, client.lines)  # none repeated

    @defer.inlineCallbacks
    def test_a_rename_lost_with_redis_is_shown_after_it(self):
        """Redis comes back without alice's change of case: her node
        claims her name as she has it, and the room she is in shows it."""
        yield self.redis_that_saves()
        one, two, alice, bob = yield self.alice_and_bob_in("tea")
        yield ask(self.redis.port, "SAVE")
        alice.say("/nick ALICE")
        yield bob.expect_line("NICK alice ALICE")
        yield self.rewound((one, two))
        bob.say("/who tea")
        self.assertEqual((yield bob.expect_line("MEMBERS ")), "MEMBERS tea ALICE bob")
