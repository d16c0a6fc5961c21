"""Which rooms here each member of a node is in (``NodeRooms.places``),
and what that record costs a node per connection (issue 65: a crowd's
memory at a million connections, docs/performance.md)."""

from __future__ import annotations

import gc
import tracemalloc

from twisted.trial import unittest

from tests.cluster.test_node_room import empty_node_rooms
from tests.support import RecordingMember as Member


class MemberPlacesTests(unittest.TestCase):
    """A member's rooms here, as the node's steps read them."""

    def setUp(self) -> None:
        self.rooms = empty_node_rooms()
        self.tea, self.cake = (
            self.rooms.open("tea", "tea"),
            self.rooms.open("cake", "cake"),
        )

    def test_a_member_is_in_the_rooms_it_was_seated_in_oldest_first(self) -> None:
        """Seated in two rooms, out of one, then released: the node says
        where it is at each step, and which room it may speak in."""
        alice = Member("alice")
        self.rooms.seat(alice, self.tea, 0)
        self.rooms.seat(alice, self.tea, 0)  # again: no second place
        self.assertEqual(self.rooms.rooms_here(alice), (self.tea,))
        self.rooms.seat(alice, self.cake, 0)
        self.assertEqual(self.rooms.rooms_here(alice), (self.tea, self.cake))
        self.assertTrue(self.rooms.is_in(alice, self.cake))
        self.rooms.unseat(alice, self.tea)
        self.assertEqual(self.rooms.rooms_here(alice), (self.cake,))
        self.assertFalse(self.rooms.is_in(alice, self.tea))
        self.assertIs(self.rooms.joined_room(alice, "Cake"), self.cake)
        self.rooms.release(alice)
        self.assertEqual(self.rooms.rooms_here(alice), ())
        self.assertFalse(self.rooms.is_in(alice, self.cake))

    def test_a_member_in_one_room_costs_its_places_no_object_of_its_own(
        self,
    ) -> None:
        """A thousand members, each in one room of ten: seating them adds
        the places' dict entry and the room's own record of the member
        (about 85 bytes a member here), no tuple of one room each (48
        bytes more: 131 here with it)."""
        rooms = [self.rooms.open(f"room{n}", f"room{n}") for n in range(10)]
        warm = [Member(f"warm{n}") for n in range(100)]
        for n, member in enumerate(warm):
            self.rooms.seat(member, rooms[n % 10], 0)
        crowd = [Member(f"user{n}") for n in range(1000)]
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for n, member in enumerate(crowd):
                self.rooms.seat(member, rooms[n % 10], 0)
            gc.collect()
            held = (tracemalloc.get_traced_memory()[0] - before) / len(crowd)
        finally:
            tracemalloc.stop()
        self.assertEqual(self.rooms.rooms_here(crowd[-1]), (rooms[9],))
        self.assertLess(held, BOUND, held)


#: Bytes a member seated in one room may add (see the test).
BOUND = 110
