"""The lobby's list on two Redis-backed nodes (``--lobby-rooms``).

A node keeps the lobby's selection from the rooms' rows it reads
(:class:`~chatroom.backends.redis.listing.RedisListing` into a
:class:`~chatroom.core.rooms.lobby_list.LobbyList`): a user signing in on one
node is shown the fullest rooms as the other node's joins left them, and
``/list`` lists every room (real sockets, a real ``redis-server``).
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import LineClient


def room_line(line: str) -> bool:
    """``ROOMS``, ``ROOM`` or ``ROOM_GONE``: the lobby's lines."""
    return line.startswith("ROOM")


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

    @defer.inlineCallbacks
    def test_a_watcher_is_told_of_the_rooms_shown_as_the_other_node_fills_them(
        self,
    ):
        """ann watches on the second node, shown general and tea (2); go
        (1) fills up on the first: at 2 it stays among the more (tea was
        there first) and ann hears only of tea's third member; at 4 go
        comes in and tea leaves the list (ROOM_GONE)."""
        one, two = yield self.start_nodes(2, "--lobby-rooms", "2")
        members: dict[str, list[LineClient]] = {}

        @defer.inlineCallbacks
        def enter(room: str, *names: str):
            for name in names:
                client = yield self.client(one, name)
                verb = "join" if room in members else "create"
                client.say(f"/{verb} {room}")
                yield client.expect_line(f"JOINED {room} ")
                members.setdefault(room, []).append(client)

        yield enter("tea", "t0", "t1")
        yield enter("go", "g0")
        shown, ann = yield self.signed_in(two, "ann")
        self.assertEqual(shown, ["ROOMS 2 1", "ROOM general 0 256", "ROOM tea 2 256"])
        ann.say("/watch on")
        yield ann.expect_line("LOBBY watching")
        yield enter("go", "g1")
        yield enter("tea", "t2")
        self.assertEqual((yield ann.expect(room_line)), "ROOM tea 3 256")
        yield enter("go", "g2", "g3")
        self.assertEqual((yield ann.expect(room_line)), "ROOM go 4 256")
        self.assertEqual((yield ann.expect(room_line)), "ROOM_GONE tea")
