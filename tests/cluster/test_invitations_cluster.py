"""Invitations across nodes: two real nodes share one real redis-server.
A code made on one node registers on the other; its uses are counted for
the whole cluster, so its last use, redeemed on both nodes at once, is
spent once."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from tests.cluster.support import ClusterTestCase

PASSWORD = "correct horse staple"
OPTIONS = ("--registration", "invite", "--rooms", "hall")


class InvitationsAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def code(self, node: Any, uses: int, room: str = "") -> Any:
        """A code the operator made on ``node`` (as the admin API does)."""
        server = node.server
        made = server.invitations.make(
            operating.operator(server.config), uses, 24, room
        )
        code, _ = yield defer.ensureDeferred(made)
        return code

    @defer.inlineCallbacks
    def test_a_code_made_on_one_node_registers_on_both(self) -> Any:
        one, two = yield self.start_nodes(2, *OPTIONS)
        code = yield self.code(one, 2, "hall")
        plain = yield self.client(two, "mallory")
        plain.say(f"/register {PASSWORD}")
        yield plain.expect_line("ERR INVITE_REQUIRED ")
        for node, name in ((two, "carol"), (one, "dave")):
            client = yield self.client(node, name)
            client.say(f"/redeem {code}")
            yield client.expect_line(f"REDEEMED {code}")
            client.say(f"/register {PASSWORD}")
            yield client.expect_line(f"REGISTERED {name}")
            yield client.expect_line("JOINED hall ")
        late = yield self.client(two, "erin")
        late.say(f"/redeem {code}")
        yield late.expect_line("ERR BAD_CODE ")

    @defer.inlineCallbacks
    def test_the_last_use_redeemed_on_both_nodes_is_spent_once(self) -> Any:
        one, two = yield self.start_nodes(2, *OPTIONS)
        code = yield self.code(one, 1)
        carol = yield self.client(one, "carol")
        dave = yield self.client(two, "dave")
        carol.say(f"/redeem {code}")
        dave.say(f"/redeem {code}")
        answers = []
        for client in (carol, dave):
            line = yield client.expect(
                lambda line: line.startswith(("REDEEMED ", "ERR "))
            )
            answers.append(line.split(" ")[:2])
        self.assertEqual(
            sorted(answers), [["ERR", "BAD_CODE"], ["REDEEMED", code]], answers
        )
