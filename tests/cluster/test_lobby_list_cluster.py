"""The lobby's list on two Redis-backed nodes (``--lobby-rooms``).

A node keeps the lobby's selection from the rooms' rows it reads
(:class:`~chatroom.backends.redis.listing.RedisListing` into a
:class:`~chatroom.core.lobby_list.LobbyList`): a user signing in on one
node is shown the fullest rooms as the other node's joins left them, and
``/list`` lists every room (real sockets, a real ``redis-server``).
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import LineClient


class LobbyListAcrossNodesTests(ClusterTestCase):
    """Two rooms shown: general (permanent) and the fullest other."""

    @defer.inlineCallbacks
    def listed(self, client: LineClient):
        """The next ``ROOMS`` line and its ``ROOM`` lines."""
        head = yield client.expect_line("ROOMS ")
        rooms = []
        for _ in range(int(head.split()[1])):
            rooms.append((yield client.expect_line("ROOM ")))
        return [head, *rooms]

    @defer.inlineCallbacks
    def signed_in(self, node, name: str):
        client = yield self.client(node)
        client.say(name)
        return (yield self.listed(client)), client

    @defer.inlineCallbacks
    def test_the_other_nodes_joins_choose_what_a_sign_in_is_shown(self):
        """tea (2) and go (1) made on the first node: a sign-in on the
        second sees general and tea, one more; go grows to 3 there: the
        next sign-in sees go instead; /list lists all three."""
        one, two = yield self.start_nodes(2, "--lobby-rooms", "2")
        for name, room, verb in (("t0", "tea", "create"), ("t1", "tea", "join")):
            client = yield self.client(one, name)
            client.say(f"/{verb} {room}")
            yield client.expect_line(f"JOINED {room} ")
        g0 = yield self.client(one, "g0")
        g0.say("/create go")
        yield g0.expect_line("JOINED go ")
        shown, _ = yield self.signed_in(two, "ann")
        self.assertEqual(shown, ["ROOMS 2 1", "ROOM general 0 256", "ROOM tea 2 256"])
        for name in ("g1", "g2"):
            client = yield self.client(one, name)
            client.say("/join go")
            yield client.expect_line("JOINED go ")
        shown, bob = yield self.signed_in(two, "bob")
        self.assertEqual(shown, ["ROOMS 2 1", "ROOM general 0 256", "ROOM go 3 256"])
        bob.say("/list")
        self.assertEqual(
            (yield self.listed(bob)),
            ["ROOMS 3", "ROOM general 0 256", "ROOM tea 2 256", "ROOM go 3 256"],
        )
