"""A Matrix event whose relay failed half-way on one node, pushed again by
the homeserver to the other (a load balancer in front of both), on one
redis-server: each is shown once to the members on both nodes, and counted
once against its sender's flood limits. The homeserver is a fake
(:mod:`tests.matrix.fake_homeserver`); the two nodes are in process, so a
node's store can fail at a chosen write (the end-to-end path against a
real Synapse is ``tests/cluster/test_matrix_cluster.py``'s)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.bridging.store import FROM_MATRIX
from chatroom.core.model.errors import ChatError
from chatroom.wiring.composition import compose_bridge
from tests.backends.contracts.bridge import (
    ALIAS,
    BridgeFailures,
    annotating,
    notes_a_matrix_event,
    replacing,
)
from tests.backends.contracts.handler import CONFIG
from tests.cluster.support import TwoNodeRegistryTestCase
from tests.matrix.fake_homeserver import SETTINGS, FakeHomeserver, message


class MatrixRetriesOnTwoNodes(BridgeFailures, TwoNodeRegistryTestCase):
    """alice on node one, carol on node two, both in tea, rich; a bridge
    on each node; bob:example.org on Matrix, seated through node one."""

    config = CONFIG

    @defer.inlineCallbacks
    def portal(self) -> Generator[Any, Any, tuple[Any, ...]]:
        (alice,) = yield self.in_room("tea", "alice")
        carol = yield self.on_two("carol")
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea ")
        for user in (alice, carol):
            user.say("/caps rich")
            yield self.expect(user, "CAPS")
        homeserver = FakeHomeserver()
        one = compose_bridge(SETTINGS, cast(Any, self.server.registry), homeserver)
        two = compose_bridge(SETTINGS, cast(Any, self.other), homeserver)
        self.assertTrue((yield defer.ensureDeferred(one.room_query(ALIAS))))
        joined = {
            "type": "m.room.member",
            "event_id": "$join",
            "room_id": "!portal1:localhost",
            "sender": "@bob:example.org",
            "state_key": "@bob:example.org",
            "content": {"membership": "join"},
        }
        yield defer.ensureDeferred(one.transaction("t-join", [joined]))
        for user in (alice, carol):
            yield self.expect(user, "JOIN tea bob:example.org")
        return alice, carol, one, two

    @defer.inlineCallbacks
    def heard_once(
        self, users: tuple[Any, ...], words: str
    ) -> Generator[Any, Any, list[str]]:
        """Each of ``users`` hears a line holding ``words``, and no other
        (once the bridges have nothing left to say)."""
        lines = []
        for user in users:
            lines.append((yield self.heard(user, words)))
        yield self.wait()
        for user in users:
            self.assertEqual([x for x in user.unread() if words in x], [])
        return lines

    @defer.inlineCallbacks
    def test_relayed_again_through_the_other_node(
        self,
    ) -> Generator[Any, Any, None]:
        """bob:example.org's message, his edit of it and his reaction to
        it: each written on node one, whose store fails before the ledger
        notes it, and pushed again to node two. alice (node one) and carol
        (node two) each hear every one once; the history holds the message
        and the edit once, and the ledger maps each event."""
        alice, carol, one, two = yield self.portal()
        users = (alice, carol)
        yield self.relayed_again(one, two, message("$n1", "said once"))
        said, _ = yield self.heard_once(users, " said once")
        first = said.split(";")[0][1:]
        yield self.relayed_again(one, two, replacing("$n2", "$n1", "edited once"))
        edited, _ = yield self.heard_once(users, " EDIT ")
        self.assertRegex(
            edited, rf"^@\d+ EDIT tea {first} bob:example\.org \S+ edited once$"
        )
        yield self.relayed_again(one, two, annotating("$n3", "$n1", "👍"))
        reacted, _ = yield self.heard_once(users, " REACT ")
        self.assertRegex(reacted, rf"^@\d+ REACT tea {first} bob:example\.org 👍")
        for event_id in ("$n1", "$n2", "$n3"):
            noted = yield defer.ensureDeferred(two.ledger.noted(FROM_MATRIX, event_id))
            self.assertIsNotNone(noted, event_id)
        lines = yield self.history(carol)
        self.assertEqual(len([x for x in lines if " HISTORY tea bob:" in x]), 1, lines)
        self.assertEqual(len([x for x in lines if " EDIT " in x]), 1, lines)
        self.assertEqual(len([x for x in lines if " REACT " in x]), 1, lines)

    @defer.inlineCallbacks
    def test_a_retry_on_the_other_node_takes_no_second_token(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``--burst 2``: bob:example.org's first message is said on
        node one, whose store fails before the ledger notes it, and pushed
        again to node two (nothing said again); his next message is still
        within the burst (the retry took no second token), and the one
        after is not said, on either node."""
        alice, carol, one, two = yield self.portal()
        for core in (self.server.registry, self.other):
            typed = cast(Any, core)
            typed.reconfigure(replace(typed.config, rate=0.001, burst=2))
        self.store_away_once(one, notes_a_matrix_event)
        first = [message("$g0", "flood 0")]
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(one.transaction("t1", first))
        yield self.claims_run_out()
        yield defer.ensureDeferred(two.transaction("t1", first))
        yield self.heard_once((alice, carol), " flood 0")
        more = [message("$g1", "flood 1"), message("$g2", "flood 2")]
        yield defer.ensureDeferred(two.transaction("t2", more))
        yield self.heard_once((alice, carol), " flood 1")
        for user in (alice, carol):
            self.assertFalse([x for x in user.lines if " flood 2" in x])
