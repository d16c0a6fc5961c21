"""The lobby's list kept as rooms change (chatroom.core.rooms.lobby_list).

A sign-in is handed the listing kept, rendered once, until a change could
alter what it shows: these tests hold the kept listing's identity to that.
"""

from __future__ import annotations

import random

from twisted.trial import unittest

from chatroom.core.model.events import ListedRoom, RoomGone, RoomRenamed
from chatroom.core.rooms.lobby_list import LobbyList


def room(name: str, members: int, secret: bool = False) -> ListedRoom:
    return ListedRoom(name, members, 256, "", secret)


def names(lobby: LobbyList) -> list[str]:
    return [info.name for info in lobby.listing().rooms]


class TenRooms(unittest.TestCase):
    """Two rooms shown of a permanent one and ten of 1 to 10 members."""

    def setUp(self) -> None:
        self.lobby = LobbyList(["general"], most=3)
        self.lobby.put("general", room("general", 0))
        for n in range(1, 11):
            self.lobby.put(f"r{n}", room(f"r{n}", n))


class LobbyListTests(TenRooms):
    """What the list shows, and when it is made again."""

    def test_the_permanent_room_and_the_fullest_oldest_first(self) -> None:
        self.assertEqual(names(self.lobby), ["general", "r9", "r10"])
        self.assertEqual(self.lobby.listing().more, 8)

    def test_a_room_not_shown_that_stays_below_keeps_the_listing(self) -> None:
        """r3 gains a member (4, fewer than r9's 9): the same listing,
        its rendering kept with it."""
        kept = self.lobby.listing()
        self.lobby.put("r3", room("r3", 4))
        self.lobby.put("r5", room("r5", 9))  # as many as r9: r9 was there first
        self.assertIs(self.lobby.listing(), kept)

    def test_a_room_that_overtakes_is_shown(self) -> None:
        kept = self.lobby.listing()
        self.lobby.put("r3", room("r3", 12))
        self.assertIsNot(self.lobby.listing(), kept)
        self.assertEqual(names(self.lobby), ["general", "r3", "r10"])

    def test_a_shown_room_that_changes_is_listed_anew(self) -> None:
        self.lobby.listing()
        self.lobby.put("r10", room("r10", 11))
        self.assertEqual([i.members for i in self.lobby.listing().rooms], [0, 9, 11])
        self.lobby.put("r10", room("r10", 1))
        self.assertEqual(names(self.lobby), ["general", "r8", "r9"])

    def test_a_room_made_or_gone_changes_the_count_of_more(self) -> None:
        self.lobby.listing()
        self.lobby.put("new", room("new", 1))
        self.assertEqual(self.lobby.listing().more, 9)
        self.lobby.drop("r1")
        self.lobby.drop("new")
        self.assertEqual(self.lobby.listing().more, 7)

    def test_secret_rooms_follow_uncounted(self) -> None:
        """A secret room is carried after the shown ones (for its members)
        and never counted among the more."""
        self.lobby.put("r10", room("r10", 10, secret=True))
        self.assertEqual(names(self.lobby), ["general", "r8", "r9", "r10"])
        self.assertEqual(self.lobby.listing().more, 7)

    def test_everything_lists_every_room_oldest_first(self) -> None:
        self.lobby.put("r2", room("r2", 2, secret=True))
        listed = [info.name for info in self.lobby.everything().rooms]
        self.assertEqual(listed, ["general", *(f"r{n}" for n in range(1, 11))])
        self.assertEqual(len(self.lobby), 11)

    def test_a_joined_shown_room_is_the_one_entry_changed(self) -> None:
        """r9, shown, gains a member: the listing is made anew (its
        rendering with it) with r9's new count in r9's place, and the
        other rooms' entries as they were."""
        kept = self.lobby.listing()
        self.lobby.put("r9", room("r9", 10, secret=False))
        listing = self.lobby.listing()
        self.assertIsNot(listing, kept)
        self.assertEqual([i.members for i in listing.rooms], [0, 10, 10])
        self.assertIs(listing.rooms[0], kept.rooms[0])
        self.assertIs(listing.rooms[2], kept.rooms[2])
        self.assertEqual(listing.more, 8)

    def test_the_floor_room_gaining_still_lets_others_in(self) -> None:
        """r9, the least populated shown, gains a member; r8 then reaches
        ten too, and r7 eleven: the list shows the fullest, first come
        first among equals, whatever it kept in between."""
        self.lobby.listing()
        self.lobby.put("r9", room("r9", 10))
        self.lobby.listing()
        self.lobby.put("r8", room("r8", 10))
        self.assertEqual(names(self.lobby), ["general", "r9", "r10"])
        self.lobby.put("r7", room("r7", 11))
        self.assertEqual(names(self.lobby), ["general", "r7", "r10"])

    def test_a_storm_of_joins_and_leaves_lists_as_a_fresh_list_would(self) -> None:
        """Rooms joined and left at random, the list asked after each
        change: always what a list fed the same changes and asked once
        shows."""
        rng = random.Random(65)
        counts = {f"r{n}": n for n in range(1, 11)}
        changes: list[tuple[str, int]] = []
        for _ in range(400):
            key = rng.choice(sorted(counts))
            counts[key] = max(0, counts[key] + rng.choice((1, 1, 1, -1)))
            changes.append((key, counts[key]))
            self.lobby.put(key, room(key, counts[key]))
            fresh = LobbyList(["general"], most=3)
            fresh.put("general", room("general", 0))
            for n in range(1, 11):
                fresh.put(f"r{n}", room(f"r{n}", n))
            for changed, members in changes:
                fresh.put(changed, room(changed, members))
            shown = [(i.name, i.members) for i in self.lobby.listing().rooms]
            expected = [(i.name, i.members) for i in fresh.listing().rooms]
            self.assertEqual(shown, expected)
            self.assertEqual(self.lobby.listing().more, fresh.listing().more)

    def test_no_bound_lists_every_room(self) -> None:
        lobby = LobbyList(["general"], most=0)
        for n in range(5):
            lobby.put(f"r{n}", room(f"r{n}", n))
        self.assertEqual(names(lobby), [f"r{n}" for n in range(5)])
        self.assertEqual(lobby.listing().more, 0)


def told(lobby: LobbyList, *changed: str) -> list[str]:
    """What the watchers are told at a push of the rooms ``changed``."""
    lines = []
    for entry in lobby.watched({key: key for key in changed}).changes:
        assert not isinstance(entry, RoomRenamed), entry  # the watchers' own
        kind = "gone" if isinstance(entry, RoomGone) else "room"
        lines.append(f"{kind} {entry.name}")
    return lines


class WatchedTests(TenRooms):
    """The watchers' pushes follow the lobby's list (general, r9, r10)."""

    def setUp(self) -> None:
        super().setUp()
        self.lobby.watching(True)

    def test_a_room_not_shown_is_told_only_when_gone(self) -> None:
        self.lobby.put("r3", room("r3", 4))
        self.assertEqual(told(self.lobby, "r3"), [])
        self.lobby.drop("r3")
        self.assertEqual(told(self.lobby, "r3"), ["gone r3"])

    def test_a_list_shown_between_pushes_is_brought_to_the_last(self) -> None:
        """r3 overtakes r9 and falls back before the push; a sign-in in
        between was shown r3 and not r9: the push takes r3 out and brings
        r9 back, though r9 never changed."""
        self.lobby.put("r3", room("r3", 12))
        self.assertEqual(names(self.lobby), ["general", "r3", "r10"])  # a sign-in
        self.lobby.put("r3", room("r3", 3))
        self.assertEqual(told(self.lobby, "r3"), ["gone r3", "room r9"])
        self.assertEqual(told(self.lobby), [])  # the next push starts from here

    def test_nobody_watching_follows_nothing(self) -> None:
        """Watching again starts from the list then: what was shown while
        nobody watched is not told."""
        self.lobby.watching(False)
        self.lobby.put("r3", room("r3", 12))
        self.assertEqual(names(self.lobby), ["general", "r3", "r10"])
        self.lobby.watching(True)
        self.lobby.put("r3", room("r3", 13))
        self.assertEqual(told(self.lobby, "r3"), ["room r3"])
