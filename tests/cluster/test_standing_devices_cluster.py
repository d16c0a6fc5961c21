"""Standing members and ``--max-devices`` on two nodes of one redis-server:
a member with no connection (a bot joined through the REST API, a Matrix
user in a portal) stands on every node, in one seat, and none of those
standing seats is one of the account's devices.

With ``--max-devices 1``: a bot standing through node one's API is
answered through node two's too (it stands there as well), signs in
from one connection of its own at the line door, whose ``/devices``
lists that connection alone, and is refused a second; a Matrix user
seated on node one is seated on node two as well, so when node one stops
the rooms on node two hear neither a ``PART`` nor a ``JOIN`` of them.

The API resource is each node's own, driven as in ``test_api_cluster``;
a Matrix user is seated as the bridge seats one
(:class:`~chatroom.core.bridging.seating.MatrixSeats` over the node's
standing members), with no homeserver.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.bridging.seating import MatrixSeats
from chatroom.wiring.tap import ChatroomService
from tests.cluster.support import ClusterTestCase, comings_and_goings
from tests.cluster.test_api_cluster import answered, api_of

MXDAN = "mxdan:example.org"


def matrix_seats(node: ChatroomService) -> MatrixSeats:
    """How the node's bridge seats Matrix users."""
    core = node.server.registry
    return MatrixSeats(core.standing, core.rooms.join_room, core.rooms.leave_room)


class StandingSeatsAreNoDevices(ClusterTestCase):
    timeout = 60
    node_options = ("--max-devices", "1")

    @defer.inlineCallbacks
    def test_a_bot_standing_on_both_nodes_keeps_its_one_device(
        self,
    ) -> Generator[Any, Any, None]:
        one, two = yield self.start_nodes(2)
        made = defer.Deferred.fromCoroutine(
            one.server.registry.accounts.bots.add("robot")
        )
        _, token = yield made
        alice = yield self.client(one, "alice")
        alice.say("/join general")
        yield alice.expect_line("MEMBERS general")
        yield answered(api_of(one), token, "POST", "rooms/general/join")
        yield alice.expect_line("JOIN general robot")
        me = yield answered(api_of(two), token, "GET", "me")
        self.assertEqual(me.get("rooms"), ["general"], me)
        self.assertIsNotNone(two.server.registry.standing.find("robot"))

        door = yield self.client(one)
        door.say(f"/login robot {token}")
        yield door.expect_line("WELCOME robot")
        door.say("/devices")
        listed = yield door.expect_line("DEVICE ")
        self.assertEqual(listed.split()[2], "line")
        self.assertTrue(listed.endswith(" current"), listed)
        yield door.expect_line("DEVICES_END 1")
        other = yield self.client(two)
        other.say(f"/login robot {token}")
        refused = yield other.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR TOO_MANY_DEVICES "), refused)
        posted = yield answered(
            api_of(two), token, "POST", "rooms/general/messages", {"text": "still"}
        )
        said = yield alice.expect(lambda line: line.startswith("MSG general robot "))
        self.assertTrue(said.endswith(" still"), (said, posted))

    @defer.inlineCallbacks
    def test_a_matrix_user_is_seated_on_every_node(
        self,
    ) -> Generator[Any, Any, None]:
        one, two = yield self.start_nodes(2)
        bob = yield self.client(two, "bob")
        bob.say("/join general")
        yield bob.expect_line("MEMBERS general")
        yield defer.Deferred.fromCoroutine(matrix_seats(one).seat(MXDAN, "general"))
        joined = yield bob.expect_line(f"JOIN general {MXDAN}")
        yield defer.Deferred.fromCoroutine(matrix_seats(two).seat(MXDAN, "general"))
        seated = two.server.registry.standing.find(MXDAN)
        self.assertIsNotNone(seated)
        assert seated is not None
        self.assertEqual(seated.rooms, {"general"})

        yield one.stopService()
        self.nodes.remove(one)
        bob.say("/who general")
        listed = yield bob.expect_line("MEMBERS general")
        self.assertIn(MXDAN, listed.split())
        self.assertEqual(comings_and_goings(bob.lines, joined, MXDAN), [])
