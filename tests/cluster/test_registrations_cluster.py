"""Registration limits across nodes: one count for the whole cluster.

``--register-limit`` (per address, per ``--register-window``) and
``--register-rate`` (per minute, for the whole server) count every
registration the cluster made, wherever it was made: two real nodes share
one real redis-server, and registrations from one address spread over
both meet the limit one node alone would set.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from chatroom.core.infra.throttle import counted, uncounted
from chatroom.core.model.changes.base import PremiseFailedError
from tests.cluster.support import ClusterTestCase
from tests.support import redis_backend

PASSWORD = "correct-horse-staple"


class RegistrationLimitsAcrossNodesTests(ClusterTestCase):
    """Two nodes, every client from 127.0.0.1."""

    @defer.inlineCallbacks
    def registered(self, node: Any, name: str) -> Any:
        """The line a new client of ``node`` gets for ``/register name``:
        ``REGISTERED`` or its refusal."""
        client = yield self.client(node)
        client.say(f"/register {name} {PASSWORD}")
        line = yield client.expect(
            lambda line: line.startswith(("REGISTERED ", "ERR "))
        )
        return line

    @defer.inlineCallbacks
    def third_refused(self, refusal: str, *options: str) -> Any:
        """Two registrations, one on each node (started with ``options``),
        are made; a third, on the first, is refused ``refusal``."""
        one, two = yield self.start_nodes(2, *options)
        replies = []
        for node, name in ((one, "ann"), (two, "ben"), (one, "cat")):
            replies.append((yield self.registered(node, name)))
        self.assertEqual(replies[:2], ["REGISTERED ann", "REGISTERED ben"])
        self.assertTrue(replies[2].startswith(refusal), replies[2])

    def test_the_limit_per_address_counts_every_node(self) -> Any:
        """With ``--register-limit 2``, an address that registered once on
        each node is refused a third registration on either (each node
        counting its own let the third in)."""
        return self.third_refused(
            "ERR RATE_LIMITED too many registrations from your address",
            "--register-limit",
            "2",
        )

    def test_the_server_rate_counts_every_node(self) -> Any:
        """With ``--register-rate 2`` (and no limit per address), the
        cluster registers two accounts a minute between its nodes, not two
        on each."""
        return self.third_refused(
            "ERR RATE_LIMITED too many registrations on this server",
            *("--register-limit", "0", "--register-rate", "2"),
        )

    @defer.inlineCallbacks
    def test_a_registration_given_back_frees_its_place_on_every_node(self) -> Any:
        """A registration counted and then not made (refused by the server
        rate, or its name taken meanwhile) is given back: the place it took
        in a window is free again, on the other node too."""
        one, two = yield self.start_nodes(2)
        first = redis_backend(one.server).account_store.windows
        second = redis_backend(two.server).account_store.windows
        yield defer.Deferred.fromCoroutine(first.apply(counted("k", 1, 600.0)))
        refused = yield self.assertFailure(
            defer.Deferred.fromCoroutine(second.apply(counted("k", 1, 600.0))),
            PremiseFailedError,
        )
        self.assertTrue(599 <= refused.facts <= 600, refused.facts)
        yield defer.Deferred.fromCoroutine(first.apply(uncounted("k")))
        yield defer.Deferred.fromCoroutine(second.apply(counted("k", 1, 600.0)))
